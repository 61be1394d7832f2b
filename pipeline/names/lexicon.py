"""Compiled entity vocabularies: phrases, token patterns, lexicons, roles, never list.

`EntityRules` is everything the entities and normalise stages read from `rules/entities/`
and `rules/roles/`; `entity_rules(rules)` builds it once per process and rules layers.
"""

from __future__ import annotations

import gzip
import json
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path

from spacy.tokens import Doc, Span, Token

from ..rulebook import RuleError, Rules, compile_regex, line_of

ENTITY_GLOB = "entities/**/*.jsonl"
ENTITY_GZ_GLOB = "entities/**/*.jsonl.gz"
LEXICON_GLOB = "entities/lexicons/*.txt"
NEVER = "entities/stoplists/never.yaml"
ADMIN = "entities/admin_types.yaml"
ROLES = "roles/roles.yaml"
EXAMPLES = "entities/examples.yaml"
GENDER = "entities/org_gender.yaml"

# curated rules > model > weak token patterns (`"weak": true`) > gazetteer > model MISC
TIER_RULE, TIER_MODEL, TIER_WEAK, TIER_GAZ, TIER_MODEL_MISC = 4, 3, 2, 1, 0
MAX_PHRASE_TOKENS = 8
_NO_MEMO = object()
MEMO_LIMIT = 200_000  # per-word memos: bounded, a long run meets ever new words
_APOS = str.maketrans({"‘": "'", "’": "'", "`": "'", "´": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_HAS_APOS = re.compile("[‘’`´‚“”„«»]").search


def phrase_key(text: str) -> str:
    """The lookup form of a phrase: typographic quotes unified, whitespace collapsed."""
    if _HAS_APOS(text):  # str.translate is slow; most phrases have no typographic quote
        text = text.translate(_APOS)
    return " ".join(text.split())


for _name in ("canonical_hint", "role", "admin_type"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)
if not Doc.has_extension("ent_lexicons"):
    Doc.set_extension("ent_lexicons", default=None)


# --------------------------------------------------------------------------- compiled rules
@dataclass
class Roles:
    forms: dict[str, str] = field(default_factory=dict)  # form -> role
    suffixes: list[tuple[str, str]] = field(default_factory=list)  # (feminine/masc ending, masculine ending)
    jurisdiction: dict[str, list[str]] = field(default_factory=dict)
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # (text, norm) -> role (bounded)

    def role_of(self, token: Token) -> str | None:
        key = (token.text, token.norm_)
        hit = self.memo.get(key, _NO_MEMO)
        if hit is _NO_MEMO:
            hit = self._role_of(*key)
            if len(self.memo) < MEMO_LIMIT:
                self.memo[key] = hit
        return hit

    def _role_of(self, token_text: str, norm: str) -> str | None:
        for text in (token_text, norm):
            if text in self.forms:
                return self.forms[text]
        t = norm if norm != token_text.lower() else token_text
        if not t[:1].isupper() or len(t) < 6:
            return None
        for ending, masc in self.suffixes:
            if t.endswith(ending) and len(t) > len(ending) + 2:
                head = t[: -len(ending)]
                # only genuine compounds: `Polizeisprecherin`, not `Versprecher`
                if head[-1:].isalpha() and head[:1].isupper():
                    return head + masc
        return None


def _load_roles(rules: Rules) -> Roles:
    data = rules.yaml(ROLES) or {}
    path = rules.require(ROLES).path
    out = Roles()
    try:
        for role, forms in (data.get("roles") or {}).items():
            out.forms[role] = role
            for f in forms:
                out.forms[str(f)] = role
        for masc, fem in (data.get("suffixes") or {}).items():
            out.suffixes.append((fem, masc))
            out.suffixes.append((masc, masc))
        out.suffixes.sort(key=lambda p: -len(p[0]))
        out.jurisdiction = {k: list(v) for k, v in (data.get("jurisdiction") or {}).items()}
    except (AttributeError, TypeError) as exc:
        raise RuleError(path, line_of(data), f"malformed roles file: {exc}") from None
    return out


@dataclass
class Never:
    texts: set
    patterns: list
    derived_suffixes: tuple
    leading_words: set
    leading_adjectives_for: set
    noun_endings: tuple = ()
    facility_endings: tuple = ()
    settlement_articles: frozenset = frozenset()
    article_ok_endings: tuple = ()
    article_ok_before: frozenset = frozenset()
    event_heads: frozenset = frozenset()
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # text -> is_never (bounded)

    def is_never(self, text: str) -> bool:
        hit = self.memo.get(text)
        if hit is None:
            hit = text in self.texts or any(p.match(text) for p in self.patterns)
            if len(self.memo) < MEMO_LIMIT:
                self.memo[text] = hit
        return hit


def _load_never(rules: Rules) -> Never:
    data = rules.yaml(NEVER) or {}
    path = rules.require(NEVER).path
    pats = []
    for i, p in enumerate(data.get("patterns") or []):
        lines = getattr(data.get("patterns"), "item_lines", None)
        pats.append(compile_regex(p, path, lines[i] if lines else line_of(data)))
    return Never(
        texts={str(t) for t in data.get("texts") or []},
        patterns=pats,
        derived_suffixes=tuple(data.get("derived_suffixes") or ()),
        leading_words={str(w).lower() for w in data.get("leading_words") or []},
        leading_adjectives_for=set(data.get("leading_adjectives_for") or ()),
        noun_endings=tuple(str(x) for x in data.get("model_noun_endings") or ()),
        facility_endings=tuple(str(x) for x in data.get("facility_endings") or ()),
        settlement_articles=frozenset(str(x).lower() for x in data.get("settlement_articles") or ()),
        article_ok_endings=tuple(str(x) for x in data.get("settlement_article_ok_endings") or ()),
        article_ok_before=frozenset(" ".join(str(x).lower().split()) for x in data.get("settlement_article_ok_before") or ()),
        event_heads=frozenset(str(x).lower() for x in data.get("event_heads") or ()),
    )


def _load_admin(rules: Rules) -> tuple[dict[str, str], dict[str, list[str]]]:
    data = rules.yaml(ADMIN) or {}
    forms = {str(f): t for t, fs in (data.get("types") or {}).items() for f in fs}
    institutions = {str(k): list(v) for k, v in (data.get("institutions") or {}).items()}
    return forms, institutions


@dataclass
class Phrase:
    label: str
    canonical: str | None
    source: str
    tier: int
    region: bool = False  # gazetteer: a district/region/state name, written with an article


class EntityRules:
    """Everything the entity and normalise stages read from `rules/entities` and `rules/roles`."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.never = _load_never(rules)
        self.admin, self.institutions = _load_admin(rules)
        self.gender_endings: list[tuple[str, str]] = []
        if rules.file(GENDER):
            g = rules.yaml(GENDER) or {}
            for gender in ("feminine", "neuter", "masculine", "plural"):
                self.gender_endings.extend((str(e), gender) for e in g.get(gender) or [])
            self.gender_endings.sort(key=lambda p: -len(p[0]))
        self.roles = _load_roles(rules)
        self.lexicons: dict[str, frozenset] = {}
        for f in rules.files(LEXICON_GLOB):
            self.lexicons[Path(f.rel).stem] = frozenset(s for _, s in rules.lines(f))
        self.phrases: dict[str, Phrase] = {}
        self.token_patterns: list[tuple[str, str, list, str, bool]] = []  # (label, rule id, pattern, where, weak)
        self.loc_phrases: set[str] = set()
        files = [(f, False) for f in rules.files(ENTITY_GLOB)] + [(f, True) for f in rules.files(ENTITY_GZ_GLOB)]
        # curated files first so that their phrase entries win over the gazetteer's
        files.sort(key=lambda p: (p[0].rel.startswith("entities/gazetteer/"), p[0].rel))
        for f, gz in files:
            self._add_pattern_file(rules, f, gz)
        self.phrase_prefixes = {k[:3] for k in self.phrases} | {k.split()[0][:3] for k in self.phrases}
        self.max_phrase_chars = max((len(k) for k in self.phrases), default=0) + 2
        self._sorted_keys = sorted(self.phrases)
        # per-process memos of the phrase lookup (names/candidates.py): word -> result
        self.phrase_start_memo: dict[str, bool] = {}
        self.place_word_memo: dict[str, tuple | bool] = {}
        self.lexicons["roles"] = frozenset(self.roles.forms)
        self.lexicons["admin_types"] = frozenset(self.admin)
        self.lexicons["never"] = frozenset(self.never.texts)
        _register_lexicon_flags(sorted(self.lexicons) + ["roles_any", "never_any"])

    def _add_pattern_file(self, rules: Rules, f, gz: bool) -> None:
        """One EntityRuler file: string patterns are phrases, lists are token patterns."""
        gazetteer = f.rel.startswith("entities/gazetteer/")
        src = "gazetteer" if gazetteer else "rule:" + Path(f.rel).name.split(".")[0]
        for line, obj in (_read_gz_jsonl(f.path) if gz else rules.jsonl(f)):
            label, pattern = obj.get("label"), obj.get("pattern")
            if not isinstance(label, str) or not label:
                raise RuleError(f.path, line, "pattern needs a non-empty string `label`")
            if isinstance(pattern, str):
                key = phrase_key(pattern)
                if key and key not in self.phrases:
                    self.phrases[key] = Phrase(label, obj.get("id"), src, TIER_GAZ if gazetteer else TIER_RULE, bool(obj.get("region")))
                    if label == "LOC":
                        self.loc_phrases.add(key)
            elif isinstance(pattern, list) and pattern:
                rid = str(obj.get("id") or f"{Path(f.rel).name}:{line}")
                self.token_patterns.append((label, rid, pattern, f"{f.path}:{line}", bool(obj.get("weak"))))
            else:
                raise RuleError(f.path, line, "`pattern` must be a string or a non-empty list of token specs")

    def starts_a_phrase(self, key: str) -> bool:
        """Whether some phrase key begins with `key` (lets the longest-match search stop as
        soon as no longer phrase can follow)."""
        i = bisect_left(self._sorted_keys, key)
        return i < len(self._sorted_keys) and self._sorted_keys[i].startswith(key)

    def gender_of(self, word: str) -> str | None:
        low = word.lower()
        for ending, gender in self.gender_endings:
            if low.endswith(ending):
                return gender
        return None

    def derived_stems(self, word: str):
        """Stems of a capitalised word read as a place adjective/derivation (`Kölner` -> `Köln`),
        one per `derived_suffixes` ending it has; callers try their own spelling variants."""
        if not word[:1].isupper():
            return
        for suf in self.never.derived_suffixes:
            if word.endswith(suf) and len(word) > len(suf) + 2:
                yield word[: -len(suf)]

    def is_role(self, token: Token) -> str | None:
        return self.roles.role_of(token)

    def canonical_place(self, text: str) -> str | None:
        """`Deutschlands` -> `Deutschland` when the gazetteer/curated list knows the base."""
        key = phrase_key(text)
        p = self.phrases.get(key)
        if p is not None and p.label == "LOC":
            return p.canonical or key
        for ending in ("s", "es"):
            if key.endswith(ending) and len(key) > len(ending) + 2:
                p = self.phrases.get(key[: -len(ending)])
                if p is not None and p.label == "LOC" and not key[: -len(ending)].endswith(("s", "ß", "x", "z")):
                    return p.canonical or key[: -len(ending)]
        return None


def _read_gz_jsonl(path: Path) -> list[tuple[int, dict]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        lines = [(lineno, s) for lineno, raw in enumerate(fh, 1) if (s := raw.strip()) and not s.startswith("#")]
    try:  # the whole file in one parse (start-up: the gazetteer has ~32k lines)
        objs = json.loads("[" + ",".join(s for _, s in lines) + "]")
        if len(objs) == len(lines):
            return [(lineno, obj) for (lineno, _), obj in zip(lines, objs)]
    except json.JSONDecodeError:
        pass
    out = []  # a line is broken (or holds two values): find it, line by line
    for lineno, s in lines:
        try:
            out.append((lineno, json.loads(s)))
        except json.JSONDecodeError as exc:
            raise RuleError(path, lineno, f"invalid JSON: {exc.msg}") from None
    return out


def _lex_getter(name: str):
    def get(token: Token) -> bool:
        flags = token.doc._.ent_lexicons
        return bool(flags) and token.i in flags.get(name, ())

    return get


def token_flags(doc: Doc, er: "EntityRules") -> dict[str, set]:
    """Per document, once: which tokens are in which lexicon (read by the `lex_*` flags)."""
    flags: dict[str, set] = {name: set() for name in er.lexicons}
    lexicons = [(name, words) for name, words in er.lexicons.items() if name not in ("roles", "never")]
    for tok in doc:
        text, norm = tok.text, tok.norm_
        for name, words in lexicons:
            if text in words or norm in words:
                flags[name].add(tok.i)
        if text[:1].isupper() or text in er.roles.forms:
            if er.is_role(tok) is not None:
                flags["roles"].add(tok.i)
        if er.never.is_never(text):
            flags["never"].add(tok.i)
    return flags


def _register_lexicon_flags(names: list[str]) -> None:
    for name in names:
        attr = f"lex_{name}"
        if not Token.has_extension(attr):
            Token.set_extension(attr, getter=_lex_getter(name))


def entity_rules(rules: Rules) -> EntityRules:
    """Compiled entity rules, shared by the stages of one process (per rules layers)."""
    return rules.compiled("entities.lexicon", EntityRules)
