"""Figure rule declarations: `pipeline/rules/figures/rules/*.yaml`.

Each rule is an entry `{id, kind, doc, examples, negatives}`; the id (`<file>.<name>`) is
what the recogniser that applies the rule writes to the `rule` column.  The recognisers
(`count.py`, `money.py` …) declare the ids they emit with `rule_id(...)`; compiling the
rules fails when an emitted id has no declaration or a declaration names no recogniser, so
the column, the rule files and the code cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..rulebook import RuleError, Rules, line_of

KINDS = ("count", "percent", "money", "measure", "multiplier", "ordinal")
EXPECT_KEYS = ("value", "value_max", "qualifier", "unit", "kind", "of", "unit_source", "metadata_key")
EMITTED: set[str] = set()


def rule_id(name: str) -> str:
    """Declare a rule id a recogniser writes to the `rule` column (module level)."""
    EMITTED.add(name)
    return name


@dataclass
class Example:
    text: str
    match: str
    expect: dict
    line: int | None


@dataclass
class FigureRule:
    id: str
    kind: str
    doc: str
    path: str
    line: int | None
    examples: list[Example] = field(default_factory=list)
    negatives: list[tuple[str, int | None]] = field(default_factory=list)


def _example(item, path: str, line: int | None, rid: str) -> Example:
    if not isinstance(item, dict) or "text" not in item:
        raise RuleError(path, line, f"{rid}: an example needs `text` (and `match`, the expected figure text)")
    unknown = set(item) - {"text", "match", *EXPECT_KEYS}
    if unknown:
        raise RuleError(path, line, f"{rid}: unknown example key(s) {sorted(unknown)}")
    expect = {k: item[k] for k in EXPECT_KEYS if k in item}
    return Example(str(item["text"]), str(item.get("match") or item["text"]), expect, line)


def _rule(item, path: str, stem: str, seen: dict[str, str]) -> FigureRule:
    line = line_of(item)
    if not isinstance(item, dict) or "id" not in item:
        raise RuleError(path, line, "a rule needs an `id`")
    rid = str(item["id"])
    if not rid.startswith(stem + ".") or len(rid) <= len(stem) + 1:
        raise RuleError(path, line, f"rule id {rid!r} must be `{stem}.<name>` (the file name first)")
    if rid in seen:
        raise RuleError(path, line, f"rule id {rid!r} already defined in {seen[rid]}")
    seen[rid] = path
    kind = item.get("kind")
    if kind is not None and kind not in KINDS:
        raise RuleError(path, line, f"{rid}: kind {kind!r} is not one of {', '.join(KINDS)}")
    examples_raw = item.get("examples") or []
    negatives_raw = item.get("negatives") or []
    if not isinstance(examples_raw, list) or not isinstance(negatives_raw, list):
        raise RuleError(path, line, f"{rid}: `examples` and `negatives` must be lists")
    ex_lines = getattr(examples_raw, "item_lines", [])
    neg_lines = getattr(negatives_raw, "item_lines", [])
    examples = [_example(x, path, line_of(x, ex_lines[i] if i < len(ex_lines) else line), rid)
                for i, x in enumerate(examples_raw)]
    negatives = [(str(x), neg_lines[i] if i < len(neg_lines) else line) for i, x in enumerate(negatives_raw)]
    return FigureRule(rid, str(kind or ""), str(item.get("doc") or ""), path, line, examples, negatives)


def read_declarations(rules: Rules) -> dict[str, FigureRule]:
    """Every rule of `figures/rules/*.yaml`, checked against the ids the recognisers emit."""
    out: dict[str, FigureRule] = {}
    seen: dict[str, str] = {}
    files = rules.files("figures/rules/*.yaml")
    for f in files:
        data = rules.yaml(f) or {}
        items = data.get("rules") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise RuleError(f.path, line_of(data), "expected a `rules:` list")
        for item in items:
            rule = _rule(item, str(f.path), Path(f.path).stem, seen)
            if rule.id not in EMITTED:
                raise RuleError(f.path, rule.line, f"rule {rule.id!r}: no recogniser emits this id "
                                f"(known: {', '.join(sorted(EMITTED))})")
            out[rule.id] = rule
    missing = sorted(EMITTED - set(out))
    if missing:
        where = files[0].path.parent if files else "figures/rules/"
        raise RuleError(where, None, f"rule id(s) emitted by the figures stage but not declared: {', '.join(missing)}")
    return out
