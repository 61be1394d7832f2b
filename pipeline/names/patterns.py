"""Token patterns of the entity rule files -> native spaCy Matcher predicates."""

from __future__ import annotations

import re
from typing import Any

from .lexicon import EntityRules


def _role_regex(er: EntityRules) -> str:
    forms = sorted(er.roles.forms, key=len, reverse=True)
    ends = sorted({e for e, _ in er.roles.suffixes}, key=len, reverse=True)
    alt = "|".join(re.escape(f) for f in forms)
    suf = "|".join(re.escape(e) for e in ends)
    return rf"^(?:{alt}|[A-ZÄÖÜ][\w-]{{2,}}?(?:{suf}))$"


def compile_token_pattern(pattern: list, er: EntityRules) -> list:
    """Lexicon flags -> native Matcher predicates (same meaning, much faster).

    `{"_": {"lex_first_names": true}}` becomes `{"TEXT": {"IN": [...]}}`; negative flags
    become one `LOWER NOT_IN` set; `lex_roles` becomes a TEXT regex of the role forms and
    compound endings.  A flag is left as `_` when the token spec already uses that key.
    """
    out = []
    for spec in pattern:
        if not isinstance(spec, dict) or not isinstance(spec.get("_"), dict):
            out.append(spec)
            continue
        spec = dict(spec)
        ext = dict(spec.pop("_"))
        negative: set = set()
        negative_attrs: list[str] = []
        for attr in list(ext):
            if not attr.startswith("lex_") or not isinstance(ext[attr], bool):
                continue
            name = attr[4:]
            words = er.lexicons.get(name)
            if words is None:
                continue
            if ext[attr] is False:
                negative |= {w.lower() for w in words}
                negative_attrs.append(attr)
                del ext[attr]
            elif name == "roles" and "TEXT" not in spec:
                spec["TEXT"] = {"REGEX": _role_regex(er)}
                del ext[attr]
            elif name != "roles" and "TEXT" not in spec:
                spec["TEXT"] = {"IN": sorted(words)}
                del ext[attr]
            elif name != "roles" and "LOWER" not in spec:
                spec["LOWER"] = {"IN": sorted({w.lower() for w in words})}
                del ext[attr]
        if negative:
            if "LOWER" not in spec:
                spec["LOWER"] = {"NOT_IN": sorted(negative)}
            else:
                ext.update({a: False for a in negative_attrs})
        if ext:
            spec["_"] = ext
        out.append(spec)
    return out


# --------------------------------------------------------------------------- lexeme flags
# The Matcher calls every Python predicate (`IN`, `NOT_IN`, `REGEX`) of a pattern's next
# token spec on every token it tries, once per token and predicate: with 26 patterns that
# is ~34 Python calls per token, half the stage.  A predicate on ORTH/TEXT or LOWER depends
# on the word alone, so it is the same for every token of one Lexeme: it becomes a spaCy
# Lexeme flag, computed once per distinct word (when the vocabulary first sees it), which
# the Matcher then checks natively.  Same meaning, same matches.
_LEXEME_ATTRS = {"ORTH": "ORTH", "TEXT": "ORTH", "LOWER": "LOWER"}
_LEXEME_OPS = {"IN", "NOT_IN", "REGEX"}
FIRST_USER_FLAG, LAST_FLAG = 19, 63  # spaCy's FLAG19..FLAG63 are free for users


class LexemeTest:
    """The conjunction of one token spec's word predicates, as a Lexeme flag getter
    (`f(orth) -> bool`): every predicate is the getter of its lone test."""

    def __init__(self, key: tuple, lower):
        self.tests = [_single_test(test, lower) for test in key]

    def __call__(self, orth: str) -> bool:
        return all(test(orth) for test in self.tests)


def check_token_pattern(key: str, pattern: list) -> None:
    """What `Matcher(validate=True).add` checks (schema), plus every regex compiling;
    raises spaCy's MatchPatternError (a ValueError) or `re.error`."""
    from spacy.errors import MatchPatternError
    from spacy.schemas import validate_token_pattern

    if not isinstance(pattern, list) or not pattern:
        raise ValueError(f"pattern of {key} must be a non-empty list of token specs")
    errors = validate_token_pattern(pattern)
    if errors:
        raise MatchPatternError(key, {0: errors})
    for spec in pattern:
        for k, v in spec.items():
            if isinstance(v, dict) and isinstance(v.get("REGEX"), str):
                re.compile(v["REGEX"])


def _spec_tests(spec: dict) -> tuple[tuple, list]:
    """(the spec's convertible word predicates as a key, the spec keys they come from)."""
    key, keys = [], []
    for k, v in spec.items():
        attr = _LEXEME_ATTRS.get(k.upper()) if isinstance(k, str) else None
        if attr is None or not isinstance(v, dict) or not v or not set(v) <= _LEXEME_OPS:
            continue
        if any(op != "REGEX" and not (isinstance(x, list) and all(isinstance(w, str) for w in x)) for op, x in v.items()):
            continue
        if "REGEX" in v and not isinstance(v["REGEX"], str):
            continue
        for op, x in sorted(v.items()):
            key.append((attr, op, x if op == "REGEX" else tuple(sorted(set(x)))))
        keys.append(k)
    return tuple(sorted(key)), keys


# One getter per distinct test in this process, shared by every vocabulary (a rebuilt
# pipeline reuses it); `_GETTER_KEYS` finds the test a registered getter stands for.
_GETTERS: dict[tuple, Any] = {}
_GETTER_KEYS: dict[int, tuple] = {}


def word_test_getter(key: tuple, lower):
    """The flag getter of a test.  spaCy calls every flag getter on every new word (tens
    of thousands per thousand documents), so a lone test gets the cheapest callable: a lone
    `ORTH IN` is `frozenset.__contains__` itself (no Python frame), other lone tests a
    one-line closure; a conjunction is a `LexemeTest`.  (A getter must return a bool:
    spaCy stores any other non-None value as an integer.)"""
    getter = _GETTERS.get(key)
    if getter is None:
        getter = _single_test(key[0], lower) if len(key) == 1 else LexemeTest(key, lower)
        _GETTERS[key] = getter
        _GETTER_KEYS[id(getter)] = key
    return getter


def _single_test(test: tuple, lower):
    """One (attr, op, value) word test as a getter; REGEX uses `re`, as the Matcher does."""
    attr, op, value = test
    if op == "REGEX":
        search = re.compile(value).search
        if attr == "ORTH":
            return lambda s: search(s) is not None
        return lambda s: search(lower(s)) is not None
    words = frozenset(value)
    if attr == "ORTH":
        return words.__contains__ if op == "IN" else (lambda s: s not in words)
    return (lambda s: lower(s) in words) if op == "IN" else (lambda s: lower(s) not in words)


def flag_word_predicates(patterns: list[list], vocab) -> list[list]:
    """The patterns with their word predicates replaced by Lexeme flags of `vocab`.

    Specs are converted in order of cost (first specs of patterns run at every token) while
    free flag bits last; the rest keep their Python predicates.  A vocabulary that already
    holds a flag for the same test (the component built twice) reuses it."""
    from spacy.attrs import LOWER

    lower = vocab.lex_attr_getters.get(LOWER, str.lower)
    have = {_GETTER_KEYS[id(g)]: bit for bit, g in vocab.lex_attr_getters.items() if id(g) in _GETTER_KEYS}
    order = sorted(((j, i) for i, p in enumerate(patterns) for j in range(len(p))))
    flags: dict[tuple, int | None] = {}
    out = [list(p) for p in patterns]
    for j, i in order:
        spec = out[i][j]
        if not isinstance(spec, dict):
            continue
        key, keys = _spec_tests(spec)
        if not key:
            continue
        if key not in flags:
            flags[key] = have.get(key) or _new_flag(vocab, word_test_getter(key, lower))
        bit = flags[key]
        if bit is None:
            continue
        spec = {k: v for k, v in spec.items() if k not in keys}
        spec[bit] = True
        out[i][j] = spec
    return out


def _new_flag(vocab, test) -> int | None:
    for bit in range(FIRST_USER_FLAG, LAST_FLAG + 1):
        if bit not in vocab.lex_attr_getters:
            return vocab.add_flag(test, bit)
    return None
