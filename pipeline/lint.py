"""Lint for entity pattern files (spaCy EntityRuler JSONL under `entities/`).

The entities stage refuses the first bad pattern it meets when it builds; this checker
reads every pattern file of every layer and reports *every* problem, one
`file:line: message` each, so an analyst fixes a file in one round:

- a missing or malformed `label`; a label not declared in `entities/labels*.yaml`
  (every layer's) — one that looks like a typo of a declared one (`ROG`, `PRE`, `org`,
  `PERSON` → "did you mean …?") or a new one that was never declared (`PROJECT` needs
  one line in a labels file first);
- a `pattern` that is neither a phrase nor a valid spaCy token pattern (validated by
  spaCy's own Matcher schema);
- an exact duplicate (same label, same pattern) and a conflict (the same phrase with two
  different labels) within one layer, gazetteer files excepted (the compiled place
  gazetteer may overlap curated lists on purpose: curated rules win, see entities.py).
  Across layers a repeated phrase is not a problem: the later layer's label wins, which
  is how an analyst overrides a built-in decision.
"""

from __future__ import annotations

import json
import re
import unicodedata
from difflib import get_close_matches

from .names.lexicon import phrase_key
from .rulebook import RuleError, Rules, rule_checker

KNOWN_LABELS = ("PER", "LOC", "ORG", "MISC")
LABEL_ALIASES = {
    "PERSON": "PER", "PERS": "PER", "LOCATION": "LOC", "GPE": "LOC", "PLACE": "LOC",
    "ORGANIZATION": "ORG", "ORGANISATION": "ORG", "ORGANISATIONEN": "ORG", "OTH": "MISC",
}
LABEL_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
PATTERN_GLOB = "entities/**/*.jsonl"


LABELS_GLOB = "entities/labels*.yaml"


def declared_labels(rules: Rules) -> tuple[dict[str, tuple[str, int]], list[RuleError]]:
    """Labels declared in `entities/labels*.yaml` of every layer: label -> (file, line)."""
    out: dict[str, tuple[str, int]] = {}
    problems: list[RuleError] = []
    for f, data in rules.each(LABELS_GLOB, rules.yaml, problems):
        labels = data.get("labels") if isinstance(data, dict) else None
        if not isinstance(labels, dict) or not labels:
            problems.append(RuleError(f.path, getattr(data, "line", 1) or 1, "expected `labels:` mapping each label to what it means"))
            continue
        for label in labels:
            line = labels.key_lines.get(label) if hasattr(labels, "key_lines") else None
            if not isinstance(label, str) or not LABEL_RE.match(label):
                problems.append(RuleError(f.path, line, f"label {label!r} must be an upper-case identifier such as PROJECT"))
                continue
            out.setdefault(label, (str(f.path), line))
    if not out and not problems:
        out = {label: ("<built-in>", 0) for label in KNOWN_LABELS}
    return out, problems


def _typo_of(label: str, known) -> str | None:
    """A declared label this one looks like a typo of: same letters in another order,
    one letter changed, added or dropped, or a close spelling."""
    up = label.upper()
    for k in sorted(known):
        if up == k and label != k:
            return k
    for k in sorted(known):
        if sorted(up) == sorted(k) or _one_edit(up, k):
            return k
    close = get_close_matches(up, sorted(known), n=1, cutoff=0.75)
    return close[0] if close and up != close[0] else None


def _one_edit(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 2:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def label_problem(label, declared=None) -> str | None:
    """None for a declared label; else what is wrong with it (with "did you mean")."""
    known = declared if declared is not None else dict.fromkeys(KNOWN_LABELS)
    if not isinstance(label, str) or not label.strip():
        return "pattern needs a non-empty string `label`"
    if label in known:
        return None
    hint = LABEL_ALIASES.get(label.upper())
    hint = hint if hint in known else _typo_of(label, known)
    if hint:
        return f"unknown label {label!r} (did you mean {hint}?)"
    if not LABEL_RE.match(label):
        return f"label {label!r} must be an upper-case identifier such as PROJECT"
    return (f"label {label!r} is not declared: add `{label}: <what it means>` under `labels:` in "
            "entities/labels_<name>.yaml of your rules folder")


def _phrase_key(text: str) -> str:
    """Two phrase patterns are duplicates when the phrase matcher cannot tell them apart."""
    return phrase_key(unicodedata.normalize("NFC", text))


@rule_checker("entity_patterns")
def check_entity_patterns(rules: Rules, config: dict, nlp) -> list[RuleError]:
    import spacy
    from spacy.matcher import Matcher

    vocab = (nlp.vocab if nlp is not None else spacy.blank("de").vocab)
    declared, problems = declared_labels(rules)
    seen: dict[tuple[str, str, str], tuple[str, int]] = {}  # (layer, label, pattern) -> where
    phrases: dict[tuple[str, str], tuple[str, str, int]] = {}  # (layer, phrase) -> (label, file, line)
    for f, entries in rules.each(PATTERN_GLOB, rules.jsonl, problems):
        curated = "/gazetteer/" not in f"/{f.rel}"
        for line, obj in entries:
            label = obj.get("label")
            msg = label_problem(label, declared)
            if msg:
                problems.append(RuleError(f.path, line, msg))
                continue
            pattern = obj.get("pattern")
            if isinstance(pattern, str):
                if not pattern.strip():
                    problems.append(RuleError(f.path, line, "`pattern` must be a string or a non-empty list of token specs"))
                    continue
            elif isinstance(pattern, list) and pattern and all(isinstance(p, dict) for p in pattern):
                try:
                    Matcher(vocab, validate=True).add("lint", [pattern])
                except (ValueError, KeyError, TypeError) as exc:
                    lines = [l.strip() for l in str(exc).strip().splitlines() if l.strip()]
                    detail = "; ".join(l.lstrip("- ") for l in lines if l.startswith("- ")) or (lines[0] if lines else "")
                    problems.append(RuleError(f.path, line, f"invalid token pattern: {detail[:200]}"))
                    continue
            else:
                problems.append(RuleError(f.path, line, "`pattern` must be a string or a non-empty list of token specs"))
                continue
            if not curated:
                continue
            key = (f.layer, label, json.dumps(pattern, sort_keys=True, ensure_ascii=False) if not isinstance(pattern, str) else _phrase_key(pattern))
            if key in seen:
                where = seen[key]
                problems.append(RuleError(f.path, line, f"duplicate pattern (same as {where[0]}:{where[1]})"))
                continue
            seen[key] = (str(f.path), line)
            if isinstance(pattern, str):
                other = phrases.get((f.layer, key[2]))
                if other and other[0] != label:
                    problems.append(RuleError(
                        f.path, line,
                        f"conflicting label {label} for {pattern!r}: {other[1]}:{other[2]} says {other[0]}",
                    ))
                else:
                    phrases.setdefault((f.layer, key[2]), (label, str(f.path), line))
    return problems
