"""The figure rule files (`pipeline/rules/figures/`) compiled into one `FigureRules`.

Declarative: every field of `FigureRules` that comes from a rule file names its source
(`file`, key path) and a converter in its metadata (`src(...)`); `compile_rules` walks the
fields, reads each key, converts it and reports a missing or malformed key as a RuleError
with file and line.  Fields without a source are derived from the others (`_derive`).
The rule declarations (`rules/*.yaml`: id, kind, examples, negatives) are read by
`declarations.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any, Callable

from ..numbers import NumberWords, parse_number_word, parse_ordinal_word
from ..rulebook import RuleError, Rules, compile_regex, line_of
from .declarations import FigureRule, read_declarations

RULE_FILES = ("numbers.yaml", "qualifiers.yaml", "units.yaml", "negatives.yaml", "nouns.yaml")
QUALIFIERS = ("=", ">", ">=", "<", "<=", "~")
_REQUIRED = object()
_MISSING = object()
_CACHE_LIMIT = 200_000


def memo(cache: dict, key: str, compute):
    """`compute(key)`, remembered in `cache` (bounded): reports repeat their words."""
    hit = cache.get(key, _MISSING)
    if hit is _MISSING:
        hit = compute(key)
        if len(cache) < _CACHE_LIMIT:
            cache[key] = hit
    return hit


class PhraseTable(dict):
    """phrase (tuple of lower-cased words) -> value, indexed once by (length, first word)."""

    def __init__(self, items=()):
        super().__init__(items)
        self.by_start: dict[tuple[int, str], list] = {}
        for order, (key, val) in enumerate(self.items()):
            self.by_start.setdefault((len(key), key[0]), []).append((order, key, val))


@dataclass
class At:
    """Where a value was read (for RuleError)."""

    path: str
    line: int | None
    key: str = ""


# --------------------------------------------------------------------------- converters
def _phrase(x) -> tuple[str, ...]:
    return tuple(str(x).lower().split())


def _need(kind: type, what: str) -> Callable:
    def check(v, at: At):
        if not isinstance(v, kind):
            raise RuleError(at.path, line_of(v, at.line), f"{at.key}: expected a {what}")
        return v
    return check


def lowerset(v, at: At) -> set[str]:
    return {str(x).lower() for x in _need(list, "list")(v, at)}


def lowertuple(v, at: At) -> tuple[str, ...]:
    return tuple(str(x).lower() for x in _need(list, "list")(v, at))


def strtuple(v, at: At) -> tuple[str, ...]:
    return tuple(str(x) for x in _need(list, "list")(v, at))


def phrase_list(v, at: At) -> list[tuple[str, ...]]:
    return [_phrase(x) for x in _need(list, "list")(v, at)]


def lowermap(conv: Callable = lambda x: x) -> Callable:
    def read(v, at: At) -> dict:
        return {str(k).lower(): conv(x) for k, x in (_need(dict, "mapping")(v or {}, at)).items()}
    return read


def phrase_table(conv: Callable = str) -> Callable:
    def read(v, at: At) -> PhraseTable:
        out = {}
        for k, x in _need(dict, "mapping of phrase -> value")(v, at).items():
            if not _phrase(k):
                raise RuleError(at.path, line_of(v, at.line), f"{at.key}: empty phrase")
            out[_phrase(k)] = conv(x, at)
        return PhraseTable(out)
    return read


def _currency(v, at: At) -> tuple[str, float]:
    if isinstance(v, dict):
        if "code" not in v:
            raise RuleError(at.path, line_of(v, at.line), f"{at.key}: currency without a code")
        return (str(v["code"]), float(v.get("factor", 1)))
    return (str(v), 1.0)


def _qualifiers(v, at: At) -> PhraseTable:
    out = {}
    for sym, phrases in (_need(dict, "qualifiers")(v or {}, at)).items():
        if sym not in QUALIFIERS:
            raise RuleError(at.path, v.key_lines.get(sym) if hasattr(v, "key_lines") else at.line,
                            f"unknown qualifier symbol {sym!r}")
        for p in phrases:
            out[_phrase(p)] = sym
    return PhraseTable(out)


def _prepositions(v, at: At) -> dict:
    return {_phrase(k): tuple(str(x).lower() for x in (x or [])) for k, x in (_need(dict, "mapping")(v or {}, at)).items()}


def _unit_from_next(raw, at: At) -> list[tuple[tuple[str, ...], str | None]]:
    out = []
    if not isinstance(raw, list):
        raise RuleError(at.path, line_of(raw, at.line), "unit_from_next: expected a list")
    for item in raw:
        if not isinstance(item, dict) or "between" not in item:
            raise RuleError(at.path, line_of(item, line_of(raw, at.line)), "unit_from_next: each item needs `between`")
        before = item.get("before")
        for phrase in item["between"] if isinstance(item["between"], list) else [item["between"]]:
            out.append((_phrase(phrase), str(before).lower() if before else None))
    return out


def _regex(v, at: At):
    return compile_regex(v, at.path, at.line) if v else None


def _regex_list(v, at: At) -> list:
    lines = getattr(v, "item_lines", [])
    return [compile_regex(p, at.path, lines[i] if i < len(lines) else None) for i, p in enumerate(_need(list, "list")(v, at))]


def _number_words(n, at: At) -> NumberWords:
    def ints(key):
        return {str(k).lower(): int(x) for k, x in n[key].items()}

    def floats(key):
        return {str(k).lower(): float(x) for k, x in n[key].items()}

    def suffixes(key):
        return {str(k).lower(): (int(x["min"]), int(x["max"]) if x.get("max") is not None else None,
                                 tuple(int(a) for a in x.get("also") or ())) for k, x in n[key].items()}

    try:
        return NumberWords(
            atoms=ints("atoms"), unit_prefixes=ints("unit_prefixes"), hundred=tuple(n["hundred"]),
            thousand=tuple(n["thousand"]), conjunction=str(n["conjunction"]), scales=floats("scales"),
            ordinal_stems=ints("ordinal_stems"), ordinal_endings=tuple(n["ordinal_endings"]),
            ordinal_suffixes=suffixes("ordinal_suffixes"),
            fractions=floats("fractions"), specials=floats("specials"),
        )
    except KeyError as exc:
        raise RuleError(at.path, line_of(n, 1), f"missing key {exc.args[0]!r}") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise RuleError(at.path, line_of(n), f"malformed number vocabulary: {exc}") from None


def src(file: str, key: str, conv: Callable = lambda v, at: v, default: Any = _REQUIRED) -> Any:
    """A field read from `figures/<file>`, key path `a.b` ('' = the whole file)."""
    return field(default=None, metadata={"file": file, "key": key, "conv": conv, "default": default})


# --------------------------------------------------------------------------- the rules
@dataclass
class FigureRules:
    # numbers.yaml
    words: NumberWords = src("numbers.yaml", "", _number_words)
    distributive: set[str] = src("numbers.yaml", "distributive", lowerset)
    article_forms: set[str] = src("numbers.yaml", "article_forms", lowerset)
    sign_words: set[str] = src("numbers.yaml", "sign_words", lowerset, [])
    # scale letter (case-sensitive) -> (factor, only on a decimal)
    glued_scales: dict[str, tuple[float, bool]] = src("numbers.yaml", "glued_scales", lambda v, at: {
        str(k): (float(x["factor"]), bool(x.get("decimal_only"))) for k, x in _need(dict, "mapping")(v, at).items()}, {})
    digit_fraction_max: int = src("numbers.yaml", "digit_fractions.max_denominator", lambda v, at: int(v), 0)
    halves: set[str] = src("numbers.yaml", "halves", lowerset)
    decimal_words: set[str] = src("numbers.yaml", "decimal_words", lowerset)
    share_articles: set[str] = src("numbers.yaml", "share_articles", lowerset)
    range_connectors: set[str] = src("numbers.yaml", "ranges.connectors", lowerset)
    range_openers: set[str] = src("numbers.yaml", "ranges.between", lowerset)
    range_closers: set[str] = src("numbers.yaml", "ranges.between_and", lowerset)
    # qualifiers.yaml
    qualifiers: PhraseTable = src("qualifiers.yaml", "qualifiers", _qualifiers)
    vague_before_scale: PhraseTable = src("qualifiers.yaml", "vague_before_scale", phrase_table(lambda v, at: _need(dict, "mapping")(v, at)), {})
    vague_of: set[str] = src("qualifiers.yaml", "vague_of", lowerset, [])
    vague_plurals: dict[str, dict] = src("qualifiers.yaml", "vague_plurals", lowermap(), {})
    # qualifier phrase -> noun heads after which it is a preposition (`Auftrag über`)
    preposition_after_nouns: dict = src("qualifiers.yaml", "preposition_after_nouns", _prepositions, {})
    # units.yaml
    percent: PhraseTable = src("units.yaml", "percent", phrase_table(lambda v, at: str(v)))
    percent_of: set[str] = src("units.yaml", "percent_of", lowerset)
    percent_no_of_after: set[str] = src("units.yaml", "percent_no_of_after", lowerset, [])
    percent_of_unless: set[str] = src("units.yaml", "percent_no_of_unless", lowerset, [])
    currencies: PhraseTable = src("units.yaml", "currencies", phrase_table(_currency))
    carry_min_value: float = src("units.yaml", "carried_currency.min_value", lambda v, at: float(v), 1e6)
    carry_max_tokens: int = src("units.yaml", "carried_currency.max_tokens", lambda v, at: int(v), 60)
    decimal_point_currencies: set[str] = src("units.yaml", "decimal_point_currencies", lowerset, [])
    money_joiners: tuple = src("units.yaml", "money_sums.joiners", phrase_list)
    minor_units: tuple[str, ...] = src("units.yaml", "money_sums.minor_units", lowertuple)
    measures: PhraseTable = src("units.yaml", "measures", phrase_table(lambda v, at: str(v)))
    age_units: dict[str, str] = src("units.yaml", "ages.units", lowermap(str))
    age_after: set[str] = src("units.yaml", "ages.after", lowerset)
    age_before: list[tuple[str, ...]] = src("units.yaml", "ages.before", phrase_list)
    age_suffixes: dict[str, str] = src("units.yaml", "ages.adjective_suffixes", lowermap(str))
    age_context: set[str] = src("units.yaml", "ages.context_nouns", lowerset, [])
    mult_suffixes: dict[str, str] = src("units.yaml", "multipliers.suffixes", lowermap(str))
    mult_words: dict[str, float] = src("units.yaml", "multipliers.words", lowermap(float))
    mult_word_unit: str = src("units.yaml", "multipliers.word_unit", lambda v, at: str(v))
    mult_verbs: dict[str, float] = src("units.yaml", "multipliers.verbs", lowermap(float), {})
    mult_verb_endings: tuple[str, ...] = src("units.yaml", "multipliers.verb_endings", lowertuple, [])
    date_units: set[str] = src("units.yaml", "date_units", lowerset)
    # negatives.yaml
    preceding_words: set[str] = src("negatives.yaml", "preceding_words", lowerset)
    title_nouns: set[str] = src("negatives.yaml", "title_nouns", lowerset)
    ordinal_negatives: set[str] = src("negatives.yaml", "ordinal_words", lowerset)
    idioms: list[tuple[str, ...]] = src("negatives.yaml", "idioms", phrase_list)
    token_patterns: list = src("negatives.yaml", "token_patterns", _regex_list)
    year_min: int = src("negatives.yaml", "years.min", lambda v, at: int(v))
    year_max: int = src("negatives.yaml", "years.max", lambda v, at: int(v))
    year_context: set[str] = src("negatives.yaml", "years.context_before", lowerset)
    date_nouns: set[str] = src("negatives.yaml", "date_nouns", lowerset)
    road_words: set[str] = src("negatives.yaml", "roads.words", lowerset, [])
    road_code: object = src("negatives.yaml", "roads.code", _regex, None)  # district code between road word and number
    phone_start: object = src("negatives.yaml", "phone.start", _regex, None)  # first group of a phone number
    phone_group: object = src("negatives.yaml", "phone.group", _regex, None)  # any group of a phone number
    phone_context: list[tuple[str, ...]] = src("negatives.yaml", "phone.context", phrase_list, [])
    # nouns.yaml
    adjective_endings: tuple[str, ...] = src("nouns.yaml", "adjective_endings", strtuple)
    partitive: set[str] = src("nouns.yaml", "partitive", lowerset, [])
    max_adjectives: int = src("nouns.yaml", "max_adjectives", lambda v, at: int(v), 3)
    not_adjectives: set[str] = src("nouns.yaml", "not_adjectives", lowerset)
    nominalised_ending: str = src("nouns.yaml", "nominalised_adjective_ending", lambda v, at: str(v))
    weak_ending: str = src("nouns.yaml", "nominalised_weak_ending", lambda v, at: str(v))
    participle_endings: tuple[str, ...] = src("nouns.yaml", "nominalised_participle_endings", lowertuple, [])
    lemma_overrides: dict[str, str] = src("nouns.yaml", "lemma_overrides", lowermap(str), {})
    feminine_endings: tuple[str, ...] = src("nouns.yaml", "gender_pairs.feminine_endings", lowertuple)
    pair_conjunctions: set[str] = src("nouns.yaml", "gender_pairs.conjunctions", lowerset)
    umlauts: dict[str, str] = src("nouns.yaml", "gender_pairs.umlauts", lambda v, at: {str(k): str(x) for k, x in (v or {}).items()}, {})
    # (connector tokens, word required before the first number or None): `sieben von zwölf
    # Rennen`, `von 180 auf 204 Euro` -- the first number takes the second one's unit
    unit_from_next: list = src("nouns.yaml", "unit_from_next", _unit_from_next, [])
    coordination_words: set[str] = src("nouns.yaml", "coordination.conjunctions", lowerset)
    unit_joiners: set[str] = src("nouns.yaml", "coordination.unit_joiners", lowerset)
    key_value_separators: set[str] = src("nouns.yaml", "key_value_lines.separators", lambda v, at: set(strtuple(v, at)), [":"])
    key_value_bullets: set[str] = src("nouns.yaml", "key_value_lines.bullets", lambda v, at: set(strtuple(v, at)), [])
    key_value_words: set[str] = src("nouns.yaml", "key_value_lines.lower_words", lowerset, [])
    key_value_max_words: int = src("nouns.yaml", "key_value_lines.max_words", lambda v, at: int(v), 5)
    ordinal_lower_nouns: dict[str, str] = src("nouns.yaml", "ordinal_lower_nouns", lowermap(str), {})
    office_nouns: set[str] = src("nouns.yaml", "office_nouns", lowerset, [])
    # multi-word terms (`drei Freiwillige Feuerwehren` -> `Freiwillige Feuerwehr`)
    term_adjective_ending: str = src("nouns.yaml", "terms.adjective_ending", lambda v, at: str(v))
    not_term_adjectives: set[str] = src("nouns.yaml", "terms.not_adjectives", lowerset, [])
    not_term_nouns: set[str] = src("nouns.yaml", "terms.not_nouns", lowerset, [])

    # derived (see `_derive`)
    max_phrase: int = 4
    fractions: dict[str, float] = field(default_factory=dict)
    specials: dict[str, float] = field(default_factory=dict)
    single_currencies: PhraseTable = field(default_factory=PhraseTable)
    age_before_table: PhraseTable = field(default_factory=PhraseTable)
    idioms_by_first: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    glued_units: dict[str, tuple[str, str, float]] = field(default_factory=dict)
    word_suffixes: tuple[str, ...] = ()  # age and multiplier suffixes, longest first
    word_suffix_endings: tuple[str, ...] = ()  # "" + the adjective endings
    word_suffix_re: object = None  # any of word_suffixes + an adjective ending, at the end
    phone_context_last: set[str] = field(default_factory=set)  # last words of phone_context
    rules: dict[str, FigureRule] = field(default_factory=dict)  # rule id -> declaration
    # lower-cased word -> parse_number_word / parse_ordinal_word result; token text -> is it
    # a negative (phone number, time …)?  Reports repeat their tokens.
    word_cache: dict[str, object] = field(default_factory=dict)
    ordinal_cache: dict[str, object] = field(default_factory=dict)
    negative_cache: dict[str, bool] = field(default_factory=dict)
    verb_cache: dict[str, object] = field(default_factory=dict)
    start_cache: dict[str, bool] = field(default_factory=dict)  # token text -> may a number start here?
    # the words the word steps of `number_at` look up as they are (not parsed)
    start_words: set[str] = field(default_factory=set)

    def number_word(self, low: str):
        return memo(self.word_cache, low, lambda w: parse_number_word(w, self.words))

    def ordinal_word(self, low: str):
        return memo(self.ordinal_cache, low, lambda w: parse_ordinal_word(w, self.words))

    def mult_verb(self, low: str) -> float | None:
        """`verdoppelt` -> 2, `halbiert` -> 0.5: a multiplying verb or noun (None: not one)."""
        return memo(self.verb_cache, low, self._mult_verb) if self.mult_verbs else None

    def _mult_verb(self, low: str) -> float | None:
        for stem, v in self.mult_verbs.items():
            if low.startswith(stem) and low[len(stem):] in self.mult_verb_endings:
                return v
        return None

    def negative_token(self, text: str) -> bool:
        return memo(self.negative_cache, text, lambda w: any(p.search(w) for p in self.token_patterns))

    def _derive(self) -> None:
        self.fractions, self.specials = self.words.fractions, self.words.specials
        self.single_currencies = PhraseTable((k, v) for k, v in self.currencies.items() if len(k) == 1)
        self.age_before_table = PhraseTable((p, 1) for p in self.age_before)
        self.phone_context_last = {c[-1] for c in self.phone_context}
        self.start_words = set(self.mult_words) | set(self.specials) | set(self.fractions) \
            | set(self.article_forms) | set(self.vague_plurals)
        for idiom in self.idioms:
            if idiom:
                self.idioms_by_first.setdefault(idiom[0], []).append(idiom)
        self.word_suffixes = tuple(sorted(list(self.age_suffixes) + list(self.mult_suffixes), key=len, reverse=True))
        self.word_suffix_endings = ("",) + tuple(self.adjective_endings)
        if self.word_suffixes:
            endings = "|".join(map(re.escape, self.adjective_endings))
            self.word_suffix_re = re.compile("(?:" + "|".join(map(re.escape, self.word_suffixes)) + f")(?:{endings})?$")
        # units that may be glued to a digit (`75ml`, `500Km`, `99$`)
        for table, kind in ((self.percent, "percent"), (self.currencies, "money"), (self.measures, "measure")):
            for k, v in table.items():
                if len(k) == 1:
                    self.glued_units[k[0]] = (kind, v[0], v[1]) if kind == "money" else (kind, v, 1.0)


def _lookup(data: dict, key: str, at: At) -> Any:
    node: Any = data
    for part in key.split(".") if key else ():
        if not isinstance(node, dict):
            raise RuleError(at.path, line_of(node, at.line), f"{key}: expected a mapping at {part!r}")
        if part not in node:
            return _MISSING
        at.line = (getattr(node, "key_lines", None) or {}).get(part) or line_of(node, at.line)
        node = node[part]
    return node


def compile_rules(rules: Rules) -> FigureRules:
    """Read and validate the figure rule files (RuleError with file:line on problems)."""
    data = {}
    for name in RULE_FILES:
        rel = f"figures/{name}"
        d = rules.yaml(rel)
        if not isinstance(d, dict):
            raise RuleError(rules.require(rel).path, None, "expected a YAML mapping")
        data[name] = (d, str(rules.require(rel).path))
    fr = FigureRules()
    for f in fields(FigureRules):
        meta = f.metadata
        if "file" not in meta:
            continue
        d, path = data[meta["file"]]
        at = At(path, line_of(d, 1), meta["key"])
        raw = _lookup(d, meta["key"], at)
        if raw is _MISSING or (raw is None and meta["default"] is not _REQUIRED):
            if meta["default"] is _REQUIRED:
                raise RuleError(path, at.line, f"missing key {meta['key']!r}")
            raw = meta["default"]
            if raw is None:
                continue
        at.line = line_of(raw, at.line)
        setattr(fr, f.name, meta["conv"](raw, at))
    fr._derive()
    fr.rules = read_declarations(rules)
    return fr
