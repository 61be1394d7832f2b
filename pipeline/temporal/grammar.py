"""Compile the date rule files (`pipeline/rules/dates/`) into a `Grammar`.

Data lives in the rule folder; this module only knows the file layout:
- vocabulary files (`months.yaml`, `weekdays.yaml`, ...): top-level keys are vocabularies
  `{value: [words]}`, usable as `{UPPER_NAME}` placeholders in patterns;
- `fragments.yaml`: regex building blocks, the group -> vocabulary table, case rules;
- `modifiers.yaml` (prefixes, articles), `tense.yaml`, `negatives.yaml` (vetoes);
- `rules/*.yaml`: the rules, each with its own examples and negatives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import regex

from ..rulebook import RuleError, Rules, compile_regex, line_of
from .prefilter import required_literals

BASE = "dates"
SPECIAL_FILES = {"fragments.yaml", "tense.yaml", "negatives.yaml"}
# keys of vocabulary files that are settings, not vocabularies
RESERVED_KEYS = {"prefixes", "articles", "example_anchor"}
TYPES = {"DATE", "TIME", "DURATION", "SET"}
_PLACEHOLDER = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
_FIELD = re.compile(r"\{([a-z][a-z0-9]*)\}")
# fields computed from several groups (not a group name themselves)
DERIVED_FIELDS = {"dur", "per", "wddir", "dec"}


@dataclass
class Example:
    text: str
    match: str | None
    value: str | None
    expect: dict
    anchor: str | None
    line: int | None


@dataclass
class Rule:
    id: str
    path: str
    line: int | None
    regex: Any
    type: str
    value: str
    modifier: str | None = None
    frequency: str | None = None
    priority: int = 50
    trigger: str = "any"  # `digit`: runs only near digits (speed); `any`: near any trigger
    examples: list[Example] = field(default_factory=list)
    negatives: list[tuple[str, int | None, str | None]] = field(default_factory=list)  # (text, line, anchor)
    # `sentence`: REF tokens are resolved against the nearest date named before the
    # expression in its sentence (`2024 ... im Vorjahr`), else the document date
    reference: str | None = None

    @cached_property
    def literals(self) -> frozenset | None:
        """Strings one of which every match contains (`prefilter.py`); None = always run.
        Read from the pattern on first use, not at compile time (start-up)."""
        return required_literals(self.regex.pattern)


@dataclass
class Veto:
    id: str
    rules: tuple[str, ...]
    before: Any
    after: Any
    text: Any
    examples: list[str]
    path: str
    line: int | None

    def applies(self, rule_id: str) -> bool:
        return any(p == "*" or rule_id.startswith(p) for p in self.rules)


@dataclass
class Tense:
    """`tense.yaml`: the words and patterns that decide a clause's direction."""
    future_words: frozenset = frozenset()  # lower case, matched case-insensitively
    past_words: frozenset = frozenset()  # matched as written
    adjective_context: frozenset = frozenset()
    perfect_auxiliaries: frozenset = frozenset()
    participle: Any = None
    perfect_exceptions: frozenset = frozenset()
    past_prefixes: frozenset = frozenset()
    future_prefixes: frozenset = frozenset()


@dataclass
class Grammar:
    rules: list[Rule]
    lookup: dict[str, dict[str, str]]  # group base name -> lower word -> value
    prefix_regex: Any
    prefixes: dict[str, dict]
    vetoes: list[Veto]
    tense: Tense
    fingerprint: str
    trigger: Any = None  # regex of tokens every expression contains (None = scan all)
    window: int = 60

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def _vocab_alternation(words: list[str], case_sensitive: bool) -> str:
    alts = []
    for w in sorted(set(words), key=lambda s: (-len(s), s)):
        esc = regex.escape(w).replace(r"\ ", r"\s+")
        if not case_sensitive and w[:1].islower():
            esc = f"[{w[0]}{w[0].upper()}]" + regex.escape(w[1:]).replace(r"\ ", r"\s+")
        alts.append(esc)
    return "(?:" + "|".join(alts) + ")"


def _expand(pattern: str, table: dict[str, str], path: str, line: int | None, depth: int = 0) -> str:
    if depth > 8:
        raise RuleError(path, line, "placeholders nest too deeply (cycle?)")

    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name not in table:
            raise RuleError(path, line, f"unknown placeholder {{{name}}}")
        return _expand(table[name], table, path, line, depth + 1)

    return _PLACEHOLDER.sub(sub, pattern)


def _as_list(obj) -> list:
    if obj is None:
        return []
    return list(obj) if isinstance(obj, list) else [obj]


def compile_grammar(rules: Rules) -> Grammar:
    """Read every file under `dates/` and compile the rules (raises RuleError)."""
    vocabs = _load_vocabularies(rules)
    frag_file = rules.require(f"{BASE}/fragments.yaml")
    frag = rules.yaml(frag_file) or {}
    table = _placeholder_table(vocabs, frag)
    lookup = _group_lookup(vocabs, frag, frag_file.path)
    prefixes, prefix_regex = _compile_prefixes(rules)
    tense = _compile_tense(rules)
    vetoes = _compile_vetoes(rules, table)
    compiled = _compile_rule_files(rules, table, lookup)
    return Grammar(compiled, lookup, prefix_regex, prefixes, vetoes, tense, rules.fingerprint(),
                   _compile_trigger(vocabs, frag), int(frag.get("trigger_window") or 60))


def _load_vocabularies(rules: Rules) -> dict[str, dict[str, list[str]]]:
    """Every vocabulary of the vocabulary files by name: the names are placeholders shared
    by all rule files, so one defined in two files is an error, not a silent override."""
    vocabs: dict[str, dict[str, list[str]]] = {}
    vocab_files = [f for f in rules.files(f"{BASE}/*.yaml") if f.path.name not in SPECIAL_FILES]
    for f in vocab_files:
        data = rules.yaml(f)
        if not isinstance(data, dict):
            raise RuleError(f.path, None, "a vocabulary file must be a mapping of vocabularies")
        for name, entries in data.items():
            if name in RESERVED_KEYS or not isinstance(entries, dict):
                continue
            if name in vocabs:
                raise RuleError(f.path, line_of(entries), f"vocabulary {name!r} defined twice")
            vocabs[name] = _vocabulary(f.path, name, entries)
    return vocabs


def _vocabulary(path, name: str, entries) -> dict[str, list[str]]:
    """One vocabulary `{value: [words]}`, all as strings (YAML reads `1` as a number); a
    value without a word list is named with its line."""
    vocab: dict[str, list[str]] = {}
    for value, words in entries.items():
        if not isinstance(words, list) or not all(isinstance(w, (str, int, float)) for w in words):
            raise RuleError(path, (entries.key_lines or {}).get(value, line_of(entries)),
                            f"{name}.{value}: expected a list of words")
        vocab[str(value)] = [str(w) for w in words]
    return vocab


def _placeholder_table(vocabs: dict[str, dict[str, list[str]]], frag: dict) -> dict[str, str]:
    """What `{NAME}` in a pattern stands for: each vocabulary as an alternation of its words
    (under its upper-case name), then the regex fragments of `fragments.yaml`."""
    case_sensitive = set(frag.get("case_sensitive") or [])
    table: dict[str, str] = {}
    for name, vocab in vocabs.items():
        words = [w for ws in vocab.values() for w in ws]
        table[name.upper()] = _vocab_alternation(words, name in case_sensitive)
    for name, pat in (frag.get("fragments") or {}).items():
        table[str(name)] = str(pat)
    return table


def _group_lookup(vocabs: dict[str, dict[str, list[str]]], frag: dict, path) -> dict[str, dict[str, str]]:
    """Group base name -> normalised word -> value, from the vocabularies `groups:` assigns
    to each group: how a matched word (`März`) becomes a template field (`03`)."""
    lookup: dict[str, dict[str, str]] = {}
    for group, names in (frag.get("groups") or {}).items():
        d: dict[str, str] = {}
        for n in names:
            if n not in vocabs:
                raise RuleError(path, (frag["groups"].key_lines or {}).get(group), f"group {group!r}: unknown vocabulary {n!r}")
            for value, words in vocabs[n].items():
                for w in words:
                    d.setdefault(" ".join(w.lower().split()), value)
        lookup[group] = d
    return lookup


def _compile_prefixes(rules: Rules) -> tuple[dict[str, dict], Any]:
    """`modifiers.yaml`: the prefix words (`ab`, `seit`) with their settings, and one regex
    that finds a prefix (and an optional article) right before an expression."""
    mod_file = rules.require(f"{BASE}/modifiers.yaml")
    mods = rules.yaml(mod_file) or {}
    prefixes = {str(k).lower(): dict(v) for k, v in (mods.get("prefixes") or {}).items()}
    articles = [str(a) for a in mods.get("articles") or []]
    pre_alt = _vocab_alternation(list(mods.get("prefixes") or {}), False)
    art_alt = _vocab_alternation(articles, False) if articles else "(?!)"
    prefix_regex = compile_regex(
        rf"(?:^|(?<=[\s(„\"»–-]))(?P<prep>{pre_alt})(?:\s+(?P<art>{art_alt}))?\s+$",
        mod_file.path, line_of(mods.get("prefixes")),
    )
    return prefixes, prefix_regex


def _compile_vetoes(rules: Rules, table: dict[str, str]) -> list[Veto]:
    """The vetoes of `negatives.yaml` (optional file)."""
    neg_file = rules.file(f"{BASE}/negatives.yaml")
    if not neg_file:
        return []
    return [_compile_veto(item, neg_file.path, table) for item in (rules.yaml(neg_file) or {}).get("vetoes") or []]


def _compile_veto(item, path, table: dict[str, str]) -> Veto:
    """One veto: an id and at least one of the context regexes `before`, `after`, `text`;
    it applies to the rule ids (prefixes) in `rules`, all rules by default."""
    line = line_of(item)
    if not isinstance(item, dict) or "id" not in item:
        raise RuleError(path, line, "a veto needs an id")
    comp = {}
    for key in ("before", "after", "text"):
        comp[key] = compile_regex(_expand(item[key], table, str(path), line), path, line) if item.get(key) else None
    if not any(comp.values()):
        raise RuleError(path, line, f"veto {item['id']}: needs before, after or text")
    return Veto(str(item["id"]), tuple(_as_list(item.get("rules")) or ["*"]), comp["before"], comp["after"],
                comp["text"], [str(e) for e in _as_list(item.get("examples"))], str(path), line)


def _compile_rule_files(rules: Rules, table: dict[str, str], lookup: dict[str, dict[str, str]]) -> list[Rule]:
    """Every rule of `rules/*.yaml`, in file order; ids are unique across the files."""
    compiled: list[Rule] = []
    seen: dict[str, str] = {}
    for f in rules.files(f"{BASE}/rules/*.yaml"):
        data = rules.yaml(f) or {}
        default_anchor = data.get("example_anchor")
        default_anchor = str(default_anchor) if default_anchor else None
        items = data.get("rules")
        if not isinstance(items, list):
            raise RuleError(f.path, line_of(data), "expected a `rules:` list")
        for item in items:
            compiled.append(_compile_rule(item, f.path, table, lookup, default_anchor, seen))
    return compiled


def _compile_trigger(vocabs: dict[str, dict[str, list[str]]], frag: dict):
    """The regex of tokens every expression contains: rules only run in windows around
    them.  Generated from the vocabularies (not a user pattern), so not subject to the
    length cap; whole words, except weekday names, which also start compounds
    (`Dienstagabend`)."""
    not_triggers = set(frag.get("not_triggers") or [])
    words = [w for name, vocab in vocabs.items() if name not in not_triggers for ws in vocab.values() for w in ws]
    words += [str(w) for w in frag.get("trigger_words") or []]
    weekdays = [w for ws in vocabs.get("weekdays", {}).values() for w in ws]
    pattern = r"(?<![\w])(?:" + _vocab_alternation(words, False) + r"(?![\w])|" + _vocab_alternation(weekdays, False) + ")"
    try:  # escaped words, classes and \s+ only: the standard library scans this ~2.7x faster than `regex`
        return re.compile(pattern)
    except re.error:
        return regex.compile(pattern)


def _compile_tense(rules: Rules) -> Tense:
    f = rules.file(f"{BASE}/tense.yaml")
    if f is None:
        return Tense()
    data = rules.yaml(f) or {}

    def words(key: str, lower: bool = True) -> frozenset:
        return frozenset(str(w).lower() if lower else str(w) for w in _as_list(data.get(key)))

    unknown = set(data) - {"future_markers", "past_markers", "adjective_context", "perfect_auxiliaries",
                           "participle", "perfect_exceptions", "past_prefixes", "future_prefixes"}
    if unknown:
        raise RuleError(f.path, line_of(data), f"unknown key(s) {sorted(unknown)}")
    participle = None
    if data.get("participle"):
        participle = compile_regex(rf"^(?:{data['participle']})$", f.path, (data.key_lines or {}).get("participle"))
    return Tense(words("future_markers"), words("past_markers", lower=False), words("adjective_context"),
                 words("perfect_auxiliaries"), participle, words("perfect_exceptions"),
                 words("past_prefixes"), words("future_prefixes"))


def _compile_rule(item, path, table, lookup, default_anchor, seen) -> Rule:
    """One entry of a `rules:` list: checked, its pattern expanded and compiled, its
    examples and negatives kept so that they run as tests."""
    line = line_of(item)
    rid = _check_rule(item, path, line, seen)
    pattern = _expand(str(item["pattern"]), table, str(path), line)
    rx = compile_regex(pattern, path, line)
    _check_value_fields(item, rx, rid, path, line)
    examples = _compile_examples(item, rid, path, line, default_anchor)
    negatives = _compile_negatives(item, line, default_anchor)
    return Rule(rid, str(path), line, rx, str(item["type"]), str(item["value"]),
                _optional_str(item, "modifier"), _optional_str(item, "frequency"),
                int(item.get("priority", 50)), str(item.get("trigger") or "any"), examples, negatives,
                reference=item.get("reference"))


def _check_rule(item, path, line: int | None, seen: dict[str, str]) -> str:
    """The rule's id, after checking its keys and settings: a mistake in a rule file must
    stop with the file and line, not surface later as a wrong match."""
    if not isinstance(item, dict):
        raise RuleError(path, line, "a rule must be a mapping")
    for key in ("id", "pattern", "type", "value"):
        if key not in item:
            raise RuleError(path, line, f"rule needs `{key}`")
    rid = str(item["id"])
    if rid in seen:
        raise RuleError(path, line, f"duplicate rule id {rid!r} (also in {seen[rid]})")
    seen[rid] = f"{path}:{line}"
    if str(item.get("trigger") or "any") not in ("any", "digit"):
        raise RuleError(path, line, f"{rid}: trigger must be `any` or `digit`")
    if str(item["type"]) not in TYPES:
        raise RuleError(path, line, f"{rid}: type must be one of {sorted(TYPES)}")
    if item.get("reference") not in (None, "sentence"):
        raise RuleError(path, line, f"{rid}: reference must be `sentence` (or absent)")
    return rid


def _check_value_fields(item, rx, rid: str, path, line: int | None) -> None:
    """Every `{field}` of the value and frequency templates must be filled by a group of
    the pattern (or its pair `x2`, or be a derived field): else the template could never
    be filled and the rule would silently find nothing."""
    groups = set(rx.groupindex)
    for tmpl in (str(item["value"]), str(item.get("frequency") or "")):
        for name in _FIELD.findall(tmpl):
            base = name.rstrip("0123456789")
            if name not in groups and base not in DERIVED_FIELDS and name + "2" not in groups and base not in groups:
                raise RuleError(path, line, f"{rid}: value field {{{name}}} has no group (?P<{name}>...) in the pattern")


def _compile_examples(item, rid: str, path, line: int | None, default_anchor: str | None) -> list[Example]:
    """The rule's examples (run as tests and by `rules check`), each with its own line;
    the anchor defaults to the file's `example_anchor`."""
    examples = []
    for ex in _as_list(item.get("examples")):
        exl = line_of(ex, line)
        if not isinstance(ex, dict) or "text" not in ex:
            raise RuleError(path, exl, f"{rid}: an example needs `text`")
        anchor = ex["anchor"] if "anchor" in ex else default_anchor
        expect = {k: (str(v) if v is not None else None) for k, v in ex.items() if k in ("type", "modifier", "frequency")}
        examples.append(Example(str(ex["text"]), str(ex.get("match", "")) or None,
                                None if ex.get("value") is None else str(ex["value"]), expect,
                                str(anchor) if anchor else None, exl))
    return examples


def _compile_negatives(item, line: int | None, default_anchor: str | None) -> list[tuple[str, int | None, str | None]]:
    """The rule's negatives as (text, line, anchor): texts it must not match."""
    negatives = []
    neg_list = item.get("negatives")
    for i, neg in enumerate(_as_list(neg_list)):
        nl = neg_list.item_lines[i] if hasattr(neg_list, "item_lines") else line
        negatives.append((str(neg), nl, default_anchor))
    return negatives


def _optional_str(item: dict, key: str) -> str | None:
    """An optional setting as a string; absent or empty is None."""
    return str(item[key]) if item.get(key) else None
