"""Stage 5, figures: German numbers with qualifier, unit and kind -> `figures` rows.

What it finds: digit numbers in German formats (`2.113`, `12.500,00`, `40 000`, `670'000`,
`-0,20`; next to a Swiss currency `Fr. 1.80`), number words (`einundzwanzig`, `zwei
Millionen`, `Dutzend`, `minus 5`), ranges (`20 bis 30`, `20–30`, `zwischen 19 und 45`),
fractions (`ein Drittel`, `die Hälfte`, `jeder zweite`, `zu zwei Dritteln`, `3/4`),
multipliers (`dreimal`, `zweifach`), ordinals that count (`dritte Einrichtung`,
`61. Lebensjahr`), each with its qualifier (`über` -> `>`), unit and kind:
count (the counted noun's lemma), percent (`of` = what it is a share of), money (ISO
code), measure (units, ages), multiplier, ordinal.  All vocabularies and negative lists are
rule files under `pipeline/rules/figures/` (see its README); this module is mechanism.
Never figures: references (`§ 5`, `Nr. 12`), roads (`B 30`, `Kreisstraße PAN 22`), phone
numbers in digit groups (`062 886 45 00`, `Tel. 23 45 67`), identifiers (`24/7`, `UA/2025/047`).

Ownership rule (dates vs figures) -- one owner per number:
- The dates stage runs first and owns every number inside a temporal expression: dates,
  years, times, day ordinals (`8. November`), durations (`vor 50 Jahren`, `drei Monate`),
  `seit 2011`.  This stage skips every token whose characters overlap a row already in
  `doc._.rows["dates"]`.
- Independently of what the dates stage found, this stage never emits: bare years
  (an ungrouped integer 1900-2099 without qualifier and without a unit/counted noun, or after
  a year context word such as `seit`, `im Jahr`, `bis`), clock times and dates in digit form,
  numbers counting time units (`Jahre`, `Monate`, `Uhr`: durations are the dates stage's),
  ordinals before month names.
- Ages are figures, not dates: `20 Jahre alt`, `im Alter von 95 Jahren`, `28-jährige` are
  kind `measure`, unit `Jahr`.

Metadata footers: a `doc._.metadata` value that is a number gives a figure whose unit is
the lemma of the key's head noun (`Analysierte Kommentare in sozialen Medien: 147` ->
147 `Kommentar`, unit_source `metadata`, metadata_key = the key).  Header and footer
regions are otherwise not searched.

POS tags and the dependency parse are used when the model has them (`token.pos_`,
`token.dep_`); without them nouns are found by German capitalisation and lemma.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Token

from .checks import rule_checker
from .numbers import (
    NumberWords,
    parse_digits,
    parse_number_word,
    parse_ordinal_word,
)
from .rules import RuleError, Rules, compile_regex, line_of, load_rules
from .tokenize import add_rows

RULE_FILES = ("numbers.yaml", "qualifiers.yaml", "units.yaml", "negatives.yaml", "nouns.yaml")
KINDS = ("count", "percent", "money", "measure", "multiplier", "ordinal")
QUALIFIERS = ("=", ">", ">=", "<", "<=", "~")

_NUM_TOKEN = r"[-−–+]?\d{1,3}(?:(?:[.'’]\d{3})+)?(?:,\d+)?|[-−–+]?\d+(?:,\d+)?"
_GLUED = re.compile(rf"^(?P<num>{_NUM_TOKEN})(?P<sep>-?)(?P<rest>[^\d\W][\w/^²³.\-]*|[%€$£¥‰°][\w]*)$")
_RANGE_TOKEN = re.compile(rf"^(?P<a>{_NUM_TOKEN})[–—-](?P<b>{_NUM_TOKEN})$")
_THREE = re.compile(r"^\d{3}(?:,\d+)?$")
_SMALL_INT = re.compile(r"^[-−–+]?\d{1,3}$")
_PLAIN_INT = re.compile(r"^\d+$")
_POINT_DECIMAL = re.compile(r"^(?P<int>\d+)\.(?P<frac>\d{1,2}|[-–—])(?P<stop>\.?)$")  # Swiss `1.80`, `12.–`


_MISSING = object()
_CACHE_LIMIT = 200_000


def _memo(cache: dict, key: str, compute):
    """`compute(key)`, remembered in `cache` (bounded): reports repeat their words."""
    hit = cache.get(key, _MISSING)
    if hit is _MISSING:
        hit = compute(key)
        if len(cache) < _CACHE_LIMIT:
            cache[key] = hit
    return hit


# --------------------------------------------------------------------------- rules
def _phrases(raw, path, line) -> dict[tuple[str, ...], object]:
    out = {}
    if not isinstance(raw, dict):
        raise RuleError(path, line, "expected a mapping of phrase -> value")
    for k, v in raw.items():
        key = tuple(str(k).lower().split())
        if not key:
            raise RuleError(path, line, "empty phrase")
        out[key] = v
    return out


@dataclass
class FigureRules:
    words: NumberWords
    fractions: dict[str, float]
    specials: dict[str, float]
    distributive: set[str]
    article_forms: set[str]
    qualifiers: dict[tuple[str, ...], str]
    vague_before_scale: dict[str, dict]
    vague_plurals: dict[str, dict]
    percent: dict[tuple[str, ...], str]
    percent_of: set[str]
    percent_no_of_after: set[str]
    currencies: dict[tuple[str, ...], tuple[str, float]]
    measures: dict[tuple[str, ...], str]
    age_units: dict[str, str]
    age_after: set[str]
    age_before: list[tuple[str, ...]]
    age_suffixes: dict[str, str]
    age_context: set[str]
    mult_suffixes: dict[str, str]
    mult_words: dict[str, float]
    date_units: set[str]
    preceding_words: set[str]
    title_nouns: set[str]
    ordinal_negatives: set[str]
    idioms: list[tuple[str, ...]]
    token_patterns: list
    year_min: int
    year_max: int
    year_context: set[str]
    date_nouns: set[str]
    adjective_endings: tuple[str, ...]
    partitive: set[str]
    max_adjectives: int
    not_adjectives: set[str]
    nominalised_ending: str
    lemma_overrides: dict[str, str]
    mult_word_unit: str = "fach"
    max_phrase: int = 4
    glued_units: dict[str, tuple[str, str, float]] = field(default_factory=dict)
    road_words: set[str] = field(default_factory=set)
    sign_words: set[str] = field(default_factory=set)  # `minus 5 Grad` = -5
    single_currencies: dict[tuple[str, ...], tuple[str, float]] = field(default_factory=dict)
    digit_fraction_max: int = 0  # `3/4` is a share when 0 < numerator < denominator <= this
    # qualifier phrase -> noun heads after which it is a preposition (`Auftrag über`)
    preposition_after_nouns: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    feminine_endings: tuple[str, ...] = ("innen", "in")
    pair_conjunctions: set[str] = field(default_factory=lambda: {"und", "oder"})
    umlauts: dict[str, str] = field(default_factory=dict)
    participle_endings: tuple[str, ...] = ()
    # (connector tokens, word required before the first number or None): `sieben von zwölf
    # Rennen`, `von 180 auf 204 Euro` -- the first number takes the second one's unit
    unit_from_next: list[tuple[tuple[str, ...], str | None]] = field(default_factory=list)
    decimal_point_currencies: set[str] = field(default_factory=set)
    road_code: object = None  # SafeRegex: district code between road word and number
    phone_start: object = None  # SafeRegex: first group of a phone number
    phone_group: object = None  # SafeRegex: any group of a phone number
    phone_context: list[tuple[str, ...]] = field(default_factory=list)
    # token text -> is it a negative (phone number, road, paragraph …)?  Reports repeat
    # their tokens, so this saves most of the regex searches of the stage.
    negative_cache: dict[str, bool] = field(default_factory=dict)
    # lower-cased word -> parse_number_word / parse_ordinal_word result (pure functions)
    word_cache: dict[str, object] = field(default_factory=dict)
    ordinal_cache: dict[str, object] = field(default_factory=dict)
    # age and multiplier suffixes, longest first (`jährig`, `fache`, `mal` …)
    word_suffixes: tuple[str, ...] = ()
    # id(table) -> (table, {(length, first word): [(order, key, value)]}): tables indexed once
    phrase_index: dict[int, tuple] = field(default_factory=dict)
    age_before_table: dict = field(default_factory=dict)
    idioms_by_first: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    word_suffix_re: object = None  # any of word_suffixes + an adjective ending, at the end

    def number_word(self, low: str):
        return _memo(self.word_cache, low, lambda w: parse_number_word(w, self.words))

    def ordinal_word(self, low: str):
        return _memo(self.ordinal_cache, low, lambda w: parse_ordinal_word(w, self.words))

    def index(self, table: dict) -> dict:
        hit = self.phrase_index.get(id(table))
        if hit is None or hit[0] is not table:  # (the table is kept: ids are not reused while cached)
            idx = {}
            for order, (key, val) in enumerate(table.items()):
                idx.setdefault((len(key), key[0]), []).append((order, key, val))
            hit = self.phrase_index[id(table)] = (table, idx)
        return hit[1]


def compile_rules(rules: Rules) -> FigureRules:
    """Read and validate the figure rule files (RuleError with file:line on problems)."""
    data = {}
    for name in RULE_FILES:
        rel = f"figures/{name}"
        d = rules.yaml(rel)
        if not isinstance(d, dict):
            raise RuleError(rules.require(rel).path, None, "expected a YAML mapping")
        data[name] = (d, rules.require(rel).path)

    def get(name, key, default=None, required=True):
        d, path = data[name]
        if key not in d:
            if required:
                raise RuleError(path, line_of(d, 1), f"missing key {key!r}")
            return default
        return d[key]

    def lowerset(name, key, required=True):
        v = get(name, key, [], required)
        if not isinstance(v, list):
            raise RuleError(data[name][1], line_of(v, line_of(data[name][0])), f"{key}: expected a list")
        return {str(x).lower() for x in v}

    n, npath = data["numbers.yaml"]
    try:
        words = NumberWords(
            atoms={str(k).lower(): int(v) for k, v in get("numbers.yaml", "atoms").items()},
            unit_prefixes={str(k).lower(): int(v) for k, v in get("numbers.yaml", "unit_prefixes").items()},
            hundred=tuple(get("numbers.yaml", "hundred")),
            thousand=tuple(get("numbers.yaml", "thousand")),
            conjunction=str(get("numbers.yaml", "conjunction")),
            scales={str(k).lower(): float(v) for k, v in get("numbers.yaml", "scales").items()},
            ordinal_stems={str(k).lower(): int(v) for k, v in get("numbers.yaml", "ordinal_stems").items()},
            ordinal_endings=tuple(get("numbers.yaml", "ordinal_endings")),
            fractions={str(k).lower(): float(v) for k, v in get("numbers.yaml", "fractions").items()},
            specials={str(k).lower(): float(v) for k, v in get("numbers.yaml", "specials").items()},
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise RuleError(npath, line_of(n), f"malformed number vocabulary: {exc}") from None

    qd, qpath = data["qualifiers.yaml"]
    quals: dict[tuple[str, ...], str] = {}
    for sym, phrases in (get("qualifiers.yaml", "qualifiers") or {}).items():
        if sym not in QUALIFIERS:
            raise RuleError(qpath, qd["qualifiers"].key_lines.get(sym), f"unknown qualifier symbol {sym!r}")
        for p in phrases:
            quals[tuple(str(p).lower().split())] = sym

    ud, upath = data["units.yaml"]
    currencies = {}
    for k, v in _phrases(get("units.yaml", "currencies"), upath, line_of(ud)).items():
        if isinstance(v, dict):
            if "code" not in v:
                raise RuleError(upath, line_of(v), f"currency {' '.join(k)!r}: missing code")
            currencies[k] = (str(v["code"]), float(v.get("factor", 1)))
        else:
            currencies[k] = (str(v), 1.0)
    ages = get("units.yaml", "ages")
    mult = get("units.yaml", "multipliers")
    neg = data["negatives.yaml"][0]
    years = get("negatives.yaml", "years")
    patterns = []
    for i, p in enumerate(get("negatives.yaml", "token_patterns")):
        lines = getattr(neg["token_patterns"], "item_lines", [])
        patterns.append(compile_regex(p, data["negatives.yaml"][1], lines[i] if i < len(lines) else None))
    negpath = data["negatives.yaml"][1]
    pair = get("nouns.yaml", "gender_pairs", {}, False) or {}
    if not isinstance(pair, dict):
        raise RuleError(data["nouns.yaml"][1], line_of(pair), "gender_pairs: expected a mapping")
    roads = get("negatives.yaml", "roads", {}, False) or {}
    phone = get("negatives.yaml", "phone", {}, False) or {}
    if not isinstance(roads, dict) or not isinstance(phone, dict):
        raise RuleError(negpath, line_of(neg), "roads/phone: expected a mapping")
    fr = FigureRules(
        words=words,
        fractions=words.fractions,
        specials=words.specials,
        distributive=lowerset("numbers.yaml", "distributive"),
        article_forms=lowerset("numbers.yaml", "article_forms"),
        qualifiers=quals,
        vague_before_scale={str(k).lower(): v for k, v in (get("qualifiers.yaml", "vague_before_scale", {}, False) or {}).items()},
        vague_plurals={str(k).lower(): v for k, v in (get("qualifiers.yaml", "vague_plurals", {}, False) or {}).items()},
        percent={k: str(v) for k, v in _phrases(get("units.yaml", "percent"), upath, line_of(ud)).items()},
        percent_of=lowerset("units.yaml", "percent_of"),
        percent_no_of_after=lowerset("units.yaml", "percent_no_of_after", False),
        currencies=currencies,
        measures={k: str(v) for k, v in _phrases(get("units.yaml", "measures"), upath, line_of(ud)).items()},
        age_units={str(k).lower(): str(v) for k, v in ages["units"].items()},
        age_after={str(x).lower() for x in ages["after"]},
        age_before=[tuple(str(x).lower().split()) for x in ages["before"]],
        age_suffixes={str(k).lower(): str(v) for k, v in ages["adjective_suffixes"].items()},
        age_context={str(x).lower() for x in ages.get("context_nouns", [])},
        mult_suffixes={str(k).lower(): str(v) for k, v in mult["suffixes"].items()},
        mult_words={str(k).lower(): float(v) for k, v in mult["words"].items()},
        mult_word_unit=str(mult.get("word_unit", "fach")),
        date_units=lowerset("units.yaml", "date_units"),
        preceding_words=lowerset("negatives.yaml", "preceding_words"),
        title_nouns=lowerset("negatives.yaml", "title_nouns"),
        ordinal_negatives=lowerset("negatives.yaml", "ordinal_words"),
        idioms=[tuple(str(x).lower().split()) for x in get("negatives.yaml", "idioms")],
        token_patterns=patterns,
        year_min=int(years["min"]),
        year_max=int(years["max"]),
        year_context={str(x).lower() for x in years["context_before"]},
        date_nouns=lowerset("negatives.yaml", "date_nouns"),
        adjective_endings=tuple(get("nouns.yaml", "adjective_endings")),
        partitive=lowerset("nouns.yaml", "partitive", False),
        max_adjectives=int(get("nouns.yaml", "max_adjectives", 3, False)),
        not_adjectives=lowerset("nouns.yaml", "not_adjectives"),
        nominalised_ending=str(get("nouns.yaml", "nominalised_adjective_ending", "er", False)),
        lemma_overrides={str(k).lower(): str(v) for k, v in (get("nouns.yaml", "lemma_overrides", {}, False) or {}).items()},
        road_words={str(x).lower() for x in roads.get("words", [])},
        sign_words=lowerset("numbers.yaml", "sign_words", False),
        digit_fraction_max=int((get("numbers.yaml", "digit_fractions", {}, False) or {}).get("max_denominator", 0)),
        preposition_after_nouns={tuple(str(k).lower().split()): tuple(str(x).lower() for x in (v or []))
                                 for k, v in (get("qualifiers.yaml", "preposition_after_nouns", {}, False) or {}).items()},
        feminine_endings=tuple(str(x).lower() for x in (pair.get("feminine_endings") or ["innen", "in"])),
        pair_conjunctions={str(x).lower() for x in (pair.get("conjunctions") or ["und", "oder"])},
        umlauts={str(k): str(v) for k, v in (pair.get("umlauts") or {}).items()},
        participle_endings=tuple(str(x).lower() for x in (get("nouns.yaml", "nominalised_participle_endings", [], False) or [])),
        unit_from_next=_unit_from_next(get("nouns.yaml", "unit_from_next", [], False), data["nouns.yaml"][1]),
        decimal_point_currencies=lowerset("units.yaml", "decimal_point_currencies", False),
        road_code=compile_regex(roads["code"], negpath, line_of(roads)) if roads.get("code") else None,
        phone_start=compile_regex(phone["start"], negpath, line_of(phone)) if phone.get("start") else None,
        phone_group=compile_regex(phone["group"], negpath, line_of(phone)) if phone.get("group") else None,
        phone_context=[tuple(str(x).lower().split()) for x in phone.get("context", [])],
    )
    fr.single_currencies = {k: v for k, v in fr.currencies.items() if len(k) == 1}
    fr.age_before_table = {p: 1 for p in fr.age_before}
    for idiom in fr.idioms:
        if idiom:
            fr.idioms_by_first.setdefault(idiom[0], []).append(idiom)
    fr.word_suffixes = tuple(sorted(list(fr.age_suffixes) + list(fr.mult_suffixes), key=len, reverse=True))
    if fr.word_suffixes:
        fr.word_suffix_re = re.compile("(?:" + "|".join(map(re.escape, fr.word_suffixes)) + ")(?:e|en|er|es|em)?$")
    # units that may be glued to a digit (`75ml`, `500Km`, `99$`)
    for table, kind in ((fr.percent, "percent"), (fr.currencies, "money"), (fr.measures, "measure")):
        for k, v in table.items():
            if len(k) == 1:
                if kind == "money":
                    fr.glued_units[k[0]] = (kind, v[0], v[1])
                else:
                    fr.glued_units[k[0]] = (kind, v, 1.0)
    return fr


def _unit_from_next(raw, path) -> list[tuple[tuple[str, ...], str | None]]:
    out = []
    if not isinstance(raw, list):
        raise RuleError(path, line_of(raw), "unit_from_next: expected a list")
    for item in raw:
        if not isinstance(item, dict) or "between" not in item:
            raise RuleError(path, line_of(item, line_of(raw)), "unit_from_next: each item needs `between`")
        before = item.get("before")
        for phrase in item["between"] if isinstance(item["between"], list) else [item["between"]]:
            out.append((tuple(str(phrase).lower().split()), str(before).lower() if before else None))
    return out


_COMPILED: dict[int, FigureRules] = {}


def figure_rules(rules: Rules) -> FigureRules:
    key = id(rules)
    if key not in _COMPILED:
        _COMPILED[key] = compile_rules(rules)
    return _COMPILED[key]


# --------------------------------------------------------------------------- helpers
def _forms(tok: Token) -> set[str]:
    # token text and lemma; not the lexeme norm (spaCy normalises `€` to `$`)
    return {tok.text.lower(), tok.lemma_.lower()}


def _is_cap(tok: Token) -> bool:
    return tok.text[:1].isupper()


@dataclass
class Num:
    start: int  # token index
    end: int  # token index, exclusive
    value: float
    value_max: float | None = None
    hint: str | None = None  # ordinal | multiplier | fraction | age | unit | vague
    unit: str | None = None  # a unit glued to the number token
    kind: str | None = None
    qualifier: str | None = None
    start_char: int | None = None
    end_char: int | None = None
    is_word: bool = False
    raw_int: bool = False  # an ungrouped integer (year candidate)
    article: bool = False  # an `ein`/`eine` count
    factor: float = 1.0  # a glued currency's factor (`80ct` -> 0.01), already in value


class Finder:
    """Finds the figures of one Doc (per-document state lives here)."""

    def __init__(self, doc: Doc, fr: FigureRules):
        self.doc = doc
        self.text = doc.text  # Doc.text joins every token: read it once, not per figure
        self.fr = fr
        self.n = len(doc)
        self.blocked = [False] * self.n
        self.has_pos = doc.has_annotation("POS")
        self.has_dep = doc.has_annotation("DEP")
        self._block()

    # -- blocking ------------------------------------------------------------
    def _block(self) -> None:
        doc = self.doc
        spans = [(r["start_char"], r["end_char"]) for r in (doc._.rows or {}).get("dates", []) if "start_char" in r]
        spans += [(a, b) for a, b, _ in (doc._.regions or ())]  # header/footer: not prose
        if spans:
            covered = bytearray(len(doc.text) + 1)
            for a, b in spans:
                covered[max(a, 0) : max(b, 0)] = b"\x01" * (max(b, 0) - max(a, 0))
            for t in doc:
                if 1 in covered[t.idx : t.idx + len(t.text)]:
                    self.blocked[t.i] = True
        lows = [t.text.lower() for t in doc]
        self._block_phones(lows)
        by_first = self.fr.idioms_by_first
        for i, low in enumerate(lows):
            for idiom in by_first.get(low, ()):
                k = len(idiom)
                if i + k <= self.n and tuple(lows[i : i + k]) == idiom:
                    for j in range(i, i + k):
                        self.blocked[j] = True

    def _block_phones(self, lows: list[str]) -> None:
        """Block runs of space-separated digit groups that are phone numbers."""
        fr, doc = self.fr, self.doc
        if fr.phone_group is None:
            return
        ctx_last = {c[-1] for c in fr.phone_context}
        i = 0
        while i < self.n:
            low = lows[i]
            start = None
            if low[:1] in "0+" and fr.phone_start is not None and fr.phone_start.match(low) \
                    and not (i > 0 and lows[i - 1][-1:].isdigit()):  # not `40 000`
                start = i
            elif low in ctx_last and i + 1 < self.n:
                for c in fr.phone_context:
                    k = len(c)
                    if c[-1] == low and i - k + 1 >= 0 and tuple(lows[i - k + 1 : i + 1]) == c:
                        j = i + 1
                        if j < self.n and lows[j] == ":":
                            j += 1
                        if j < self.n and doc[j - 1].whitespace_ and fr.phone_group.match(lows[j]):
                            start = j
                        break
            if start is None:
                i += 1
                continue
            j = start
            while True:
                self.blocked[j] = True
                if lows[j].endswith(".") or doc[j].whitespace_ != " " or j + 1 >= self.n:
                    break
                if not fr.phone_group.match(lows[j + 1]):
                    break
                j += 1
            i = j + 1

    # -- phrase matching -----------------------------------------------------
    def _next(self, i: int) -> int:
        """Index of the next non-space token at or after i."""
        while i < self.n and self.doc[i].is_space:
            i += 1
        return i

    def match_forward(self, i: int, table: dict) -> tuple[object, int] | None:
        """The longest phrase of `table` starting at token i (a token matches by text or lemma)."""
        if i >= self.n:
            return None
        idx = self.fr.index(table)
        first = _forms(self.doc[i])
        best = None
        for length in range(1, self.fr.max_phrase + 1):
            if i + length > self.n:
                break
            cands = [c for f in first for c in idx.get((length, f), ())]
            if not cands:
                continue
            toks = self.doc[i : i + length]
            for _, key, val in sorted(cands, key=lambda c: c[0]):
                if all(k in _forms(t) for k, t in zip(key[1:], toks[1:])):
                    best = (val, i + length)
        return best

    def match_backward(self, end: int, table: dict) -> tuple[object, int] | None:
        """A phrase ending right before token `end`; returns (value, start index)."""
        idx = self.fr.index(table)
        best = None
        for length in range(1, self.fr.max_phrase + 1):
            s = end - length
            if s < 0:
                break
            cands = idx.get((length, self.doc[s].text.lower()))
            if not cands:
                continue
            toks = self.doc[s:end]
            for _, key, val in cands:
                if all(k == t.text.lower() for k, t in zip(key[1:], toks[1:])):
                    best = (val, s)
        return best

    # -- nouns -------------------------------------------------------------------
    def _fold(self, word: str) -> str:
        """Lower-case, umlauts folded (`Ärzt` ~ `Arzt`)."""
        w = word.lower()
        for a, b in self.fr.umlauts.items():
            w = w.replace(a, b)
        return w

    def is_adjective(self, t: Token) -> bool:
        """ADJ by the tagger, or a lower-case word with an adjective ending.

        The form test also applies when a tagger says VERB/ADV: small taggers read
        attributive participles after a number as verbs (`2 versuchte und ein
        vollendeter Einbruch`: `versuchte` VERB), which would hide the counted noun.
        """
        if self.has_pos and t.pos_ == "ADJ":
            return True
        if self.has_pos and t.pos_ in ("NOUN", "PROPN", "DET", "ADP", "CCONJ", "PRON", "NUM", "PUNCT"):
            return False
        low = t.text.lower()
        return (
            t.is_alpha
            and not _is_cap(t)
            and low.endswith(self.fr.adjective_endings)
            and low not in self.fr.not_adjectives
            and len(low) > 3
        )

    def is_noun(self, t: Token) -> bool:
        if t.is_punct or t.is_space or t.like_num or not _is_cap(t):
            return False
        if any(c.isdigit() for c in t.text):
            return False
        if self.has_pos and t.pos_:
            return t.pos_ in ("NOUN", "PROPN")
        if t.is_stop or t.text.lower() in self.fr.article_forms:
            return False
        return t.text[:1].isalpha()

    def noun_after(self, i: int) -> tuple[int, int] | None:
        """(first, noun index) of the counted noun starting at token i, skipping adjectives."""
        j = self._next(i)
        skipped = 0
        while j < self.n and skipped <= self.fr.max_adjectives:
            t = self.doc[j]
            if self.blocked[j] and not t.is_space:
                return None
            if self.is_noun(t):
                if t.is_sent_start and j != i and skipped == 0:
                    return None
                if t.text.endswith("-"):
                    # `Kurz- und Mittelstreckenflügen`: the counted noun is the full compound
                    k = self._next(j + 1)
                    if k < self.n and (self.doc[k].text.lower() in self.fr.pair_conjunctions or self.doc[k].text == ","):
                        j = self._next(k + 1)
                        continue
                return (i, j)
            if self.is_adjective(t):
                skipped += 1
                j = self._next(j + 1)
                continue
            return None
        return None

    def unit_lemma(self, t: Token) -> str:
        fr = self.fr
        low = t.text.lower()
        # `Schwimmerinnen und Schwimmern`, `Ärztinnen und Ärzte` -> the base form of the pair
        if low.endswith(fr.feminine_endings) and t.i + 2 < self.n and self.doc[t.i + 1].text.lower() in fr.pair_conjunctions:
            other = self.doc[t.i + 2]
            base = other.lemma_ or other.text
            if base[:1].isupper() and len(base) >= 3 and (
                t.text.startswith(base) or self._fold(t.text).startswith(self._fold(base))
            ):
                return base
        if low in fr.lemma_overrides:
            return fr.lemma_overrides[low]
        if t.norm_ and t.norm_ != t.text and t.norm_[:1].isupper():
            return t.norm_
        lemma = t.lemma_ or t.text
        if lemma[:1].islower() and t.text[:1].isupper():
            return lemma[:1].upper() + lemma[1:] + fr.nominalised_ending
        if lemma.endswith("e") and lemma[:1].isupper() and len(lemma) > 4:
            # `Jugendliche(n)` -> `Jugendlicher`, `Lehrende` -> `Lehrender`: a nominalised
            # adjective whose lemma the lemmatizer left in the weak form
            from .lemmatizer import lemma_of

            stem = lemma[:-1]
            masc = stem + fr.nominalised_ending
            if lemma_of(lemma) == masc or (
                lemma.endswith(fr.participle_endings) and lemma_of(lemma.lower()) == stem.lower()
            ):
                return masc
        if lemma == t.text and len(t.text) >= 8:
            from .lemmatizer import lemma_of

            for k in range(1, len(t.text) - 4):
                tail = t.text[k:].capitalize()
                lt = lemma_of(tail)
                if lt != tail and lt[:1].isupper():
                    return t.text[:k] + lt.lower()
        return lemma

    # -- numbers -----------------------------------------------------------------
    def negative_token(self, text: str) -> bool:
        patterns = self.fr.token_patterns
        return _memo(self.fr.negative_cache, text, lambda w: any(p.search(w) for p in patterns))

    def number_at(self, i: int) -> Num | None:
        """A number starting at token i (digits, words, glued units, ranges in one token)."""
        doc, fr, w = self.doc, self.fr, self.fr.words
        t = doc[i]
        text = t.text
        low = text.lower()
        if text[:1].isdigit() and "." in text:
            m = _POINT_DECIMAL.match(text)
            if m and self._decimal_point_currency(i):
                frac = m.group("frac")
                v = float(m.group("int") + ("." + frac if frac.isdigit() else ""))
                return Num(i, i + 1, v, end_char=t.idx + len(text) - len(m.group("stop")))
        if self.negative_token(text):
            return None
        # digits, maybe grouped by spaces across tokens
        v = parse_digits(text)
        if v is not None and not t.whitespace_ and i + 2 < self.n and doc[i + 1].text == "/":
            return self._slash(i)
        if v is not None:
            end = i + 1
            if _SMALL_INT.match(text):
                digits = text
                j = i
                while True:
                    ws = doc[j].whitespace_
                    k = j + 1
                    if not ws and k < self.n and doc[k].text in ("\u202f", "\u00a0", "\u2009"):
                        k += 1
                    elif ws not in (" ", "\u00a0", "\u202f"):
                        break
                    if k < self.n and _THREE.match(doc[k].text) and not self.blocked[k]:
                        digits += doc[k].text
                        j = k
                        if "," in doc[k].text:
                            break
                    elif k < self.n and _THREE.match(doc[k].text[:-1]) and doc[k].text.endswith(".") and not self.blocked[k]:
                        digits += doc[k].text[:-1]  # `1 414 021 100.` at the end of a sentence
                        v = parse_digits(digits)
                        return Num(i, k + 1, v, end_char=doc[k].idx + len(doc[k].text) - 1)
                    else:
                        break
                if j > i:
                    v = parse_digits(digits)
                    end = j + 1
            return Num(i, end, v, raw_int=bool(_PLAIN_INT.match(text)) and end == i + 1)
        m = _RANGE_TOKEN.match(text)
        if m:
            a, b = parse_digits(m.group("a")), parse_digits(m.group("b"))
            if a is not None and b is not None and b > a:
                return Num(i, i + 1, a, value_max=b, raw_int=bool(_PLAIN_INT.match(m.group("a"))))
        # ordinal digits `61.`
        if text.endswith(".") and _PLAIN_INT.match(text[:-1]) and len(text) <= 4:
            return Num(i, i + 1, float(text[:-1]), hint="ordinal", end_char=t.idx + len(text))
        if text.endswith(".") and parse_digits(text[:-1]) is not None and not _PLAIN_INT.match(text[:-1]):
            return Num(i, i + 1, parse_digits(text[:-1]), end_char=t.idx + len(text) - 1)
        # glued: 75ml, 28-jährige, 12-Pfund, 1,5-fache, siebenhundert-Euro
        m = _GLUED.match(text)
        if m is None and text.endswith(".") and _GLUED.match(text[:-1]):
            m = _GLUED.match(text[:-1])
            inner = self.number_at_text(i, text[:-1])
            if inner is not None:
                inner.end_char = t.idx + len(text) - 1
                return inner
        head_v, rest = None, None
        if m:
            head_v, rest = parse_digits(m.group("num")), m.group("rest")
        elif "-" in text:
            head, _, rest = text.partition("-")
            head_v = parse_number_word(head, w)
        elif fr.word_suffix_re is not None and fr.word_suffix_re.search(low):
            for suf in fr.word_suffixes:
                for ending in ("", "e", "en", "er", "es", "em"):
                    if low.endswith(suf + ending) and len(low) > len(suf + ending):
                        head = low[: -len(suf + ending)]
                        hv = fr.number_word(head)
                        if hv is not None:
                            head_v, rest = hv, low[len(head):]
                            break
                if head_v is not None:
                    break
        if head_v is not None and rest:
            r = rest.lower()
            for suf, unit in fr.age_suffixes.items():
                if r.startswith(suf):
                    return Num(i, i + 1, head_v, hint="age", unit=unit, kind="measure")
            for suf, unit in fr.mult_suffixes.items():
                if r == suf:
                    if head_v == 1:
                        return None
                    return Num(i, i + 1, head_v, hint="multiplier", unit=unit, kind="multiplier")
            if r in fr.glued_units:
                kind, unit, factor = fr.glued_units[r]
                return Num(i, i + 1, head_v * factor, hint="unit", unit=unit, kind=kind, factor=factor)
            rest_tok = (r,)
            for table, kind in ((fr.currencies, "money"), (fr.measures, "measure"), (fr.percent, "percent")):
                if rest_tok in table:
                    val = table[rest_tok]
                    if kind == "money":
                        return Num(i, i + 1, head_v * val[1], hint="unit", unit=val[0], kind=kind, factor=val[1])
                    return Num(i, i + 1, head_v, hint="unit", unit=val, kind=kind)
            if m:
                return None  # `90er`, `B30`-like glued words: not figures
        if m:
            return None
        # multiplier words: doppelt
        if low in fr.mult_words:
            return Num(i, i + 1, fr.mult_words[low], hint="multiplier", unit=fr.mult_word_unit, kind="multiplier", is_word=True)
        # specials and fractions
        if low in fr.specials:
            return Num(i, i + 1, fr.specials[low], is_word=True)
        if low in fr.fractions and _is_cap(t) and not low.startswith("halb"):
            # a share on its own: `die Hälfte der`, `ein Drittel der`, `Dreiviertel der`
            nxt = self._next(i + 1)
            prev_low = doc[i - 1].text.lower() if i > 0 else ""
            if nxt < self.n and (doc[nxt].text.lower() in fr.percent_of or doc[nxt].text.lower() in fr.partitive) and (
                prev_low in fr.article_forms or prev_low in ("die", "der") or fr.fractions[low] > 0.5
            ):
                if prev_low in ("die", "der"):
                    return Num(i - 1, i + 1, fr.fractions[low], hint="fraction", is_word=True)
                return Num(i, i + 1, fr.fractions[low], hint="fraction", is_word=True)
            return None
        # cardinal word
        wv = fr.number_word(low)
        if wv is not None:
            if low in fr.article_forms or low in ("ein",):
                return None
            # `neunzehnhundertneunzig`: a year in words is a year candidate like `1990`
            year_like = fr.year_min <= wv <= fr.year_max and any(h in low for h in w.hundred) \
                and not any(k in low for k in w.thousand)
            return Num(i, i + 1, float(wv), is_word=True, raw_int=year_like)
        if low in fr.article_forms:
            return Num(i, i + 1, 1.0, is_word=True, article=True)
        ov = fr.ordinal_word(low)
        if ov is not None and ov >= 2 and i > 0 and doc[i - 1].text.lower() in fr.distributive:
            num = Num(i, i + 1, 1.0 / ov, hint="fraction", is_word=True)
            num.start_char = doc[i - 1].idx
            return num
        if ov is not None and low not in fr.ordinal_negatives:
            return Num(i, i + 1, float(ov), hint="ordinal", is_word=True)
        if low in fr.vague_plurals:
            vp = fr.vague_plurals[low]
            return Num(i, i + 1, float(vp["value"]), hint="vague", qualifier=vp.get("qualifier"), is_word=True)
        return None

    def _slash(self, i: int) -> Num | None:
        """`3/4` (a share) or `24/7`, `12/345`, `2024/25` (identifiers: no figure)."""
        doc = self.doc
        a, b = doc[i].text, doc[i + 2].text
        stop = b.endswith(".")
        b = b[:-1] if stop else b
        if doc[i + 1].whitespace_ or not (_PLAIN_INT.match(a) and _PLAIN_INT.match(b)):
            return None
        if (i > 0 and not doc[i - 1].whitespace_ and doc[i - 1].text in "/-.") or (
            not stop and not doc[i + 2].whitespace_ and i + 3 < self.n and doc[i + 3].text[:1] in "/-."
            and doc[i + 3].text != "."
        ):
            return None  # part of a longer identifier (`UA/2025/047`)
        na, nb = int(a), int(b)
        if 0 < na < nb <= self.fr.digit_fraction_max:
            return Num(i, i + 3, na / nb, hint="fraction", end_char=doc[i + 2].idx + len(b))
        return None

    def _share_after(self, end: int) -> bool:
        """`3/4 der Befragten`, `1/3 davon`: what the share is of follows."""
        k = self._next(end)
        return k < self.n and (self.doc[k].text.lower() in self.fr.percent_of or self.doc[k].text.lower() in self.fr.partitive)

    def _unit_ahead(self, end: int) -> bool:
        k = self._next(end)
        return k < self.n and bool(self.match_forward(k, self.fr.measures) or self.match_forward(k, self.fr.currencies))

    def _decimal_point_currency(self, i: int) -> bool:
        """`Fr. 1.80`, `2.50 Franken`: a Swiss currency right before or after token i."""
        cur = self.fr.decimal_point_currencies
        if i > 0 and self.doc[i - 1].text.lower() in cur:
            return True
        j = self._next(i + 1)
        return j < self.n and self.doc[j].text.lower() in cur

    def number_at_text(self, i: int, text: str) -> Num | None:
        """`number_at` for a token text without its final period (`12.345$.`)."""
        m = _GLUED.match(text)
        if not m:
            return None
        head_v, r = parse_digits(m.group("num")), m.group("rest").lower()
        if head_v is None or r not in self.fr.glued_units:
            return None
        kind, unit, factor = self.fr.glued_units[r]
        return Num(i, i + 1, head_v * factor, hint="unit", unit=unit, kind=kind, factor=factor)

    def extend(self, num: Num) -> Num | None:
        """Scale words, fractions and `halbe`, word compositions after the base number."""
        doc, fr, w = self.doc, self.fr, self.fr.words
        j = num.end
        # `ein halbes Dutzend`, `eine halbe Million`, `drei halbe`
        if j < self.n and doc[j].text.lower() in fr.fractions and doc[j].text.lower().startswith("halb") and num.hint is None:
            num.value *= fr.fractions[doc[j].text.lower()]
            num.end = j = j + 1
            num.hint = "halves"
        # `ein Drittel`, `zwei Drittel`
        if j < self.n and doc[j].text.lower() == "komma" and num.hint is None:
            digits, k = "", j + 1
            while k < self.n:
                d = doc[k].text
                dv = int(d) if d.isdigit() else parse_number_word(d.lower(), w)
                if dv is not None and not digits and not d.isdigit() and 10 <= dv <= 99:
                    digits, k = str(dv), k + 1  # `Komma fünfzehn` = ,15
                    break
                if dv is None or not (0 <= dv <= 9 or (d.isdigit() and not digits)):
                    break
                digits += str(dv)
                k += 1
            if digits:
                num.value = float(f"{int(num.value)}.{digits}")
                num.end = j = k
        if j < self.n and num.hint is None and doc[j].text.lower() in fr.fractions and (_is_cap(doc[j]) or num.is_word):
            num.value *= fr.fractions[doc[j].text.lower()]
            num.end = j = j + 1
            num.hint = "fraction"
        if num.hint == "fraction":
            # `drei Viertel Milliarde`: a fraction of a scale is a number, not a share
            if j < self.n and doc[j].text.lower() in w.scales:
                num.value *= w.scales[doc[j].text.lower()]
                num.end = j + 1
                num.hint = None
            return num
        # `fünf und drei Viertel Milliarden`, `zwei und ein halb Liter`: whole + fraction
        if num.hint is None and not num.article and j + 2 < self.n and doc[j].text.lower() == w.conjunction:
            mt = doc[j + 1].text.lower()
            m = 1 if mt in fr.article_forms else (parse_digits(mt) if _PLAIN_INT.match(mt) else parse_number_word(mt, w))
            frac = fr.fractions.get(doc[j + 2].text.lower())
            if m is not None and frac is not None and m * frac < 1:
                k = j + 3
                if k < self.n and doc[k].text.lower() in w.scales:
                    num.value = (num.value + m * frac) * w.scales[doc[k].text.lower()]
                    num.end = k + 1
                    return num
                if k < self.n and (self.match_forward(k, fr.currencies) or self.match_forward(k, fr.measures)):
                    num.value += m * frac
                    num.end = j = k
        if j < self.n and doc[j].text.lower() in fr.specials and num.hint in (None, "halves"):
            num.value *= fr.specials[doc[j].text.lower()]
            num.end = j = j + 1
            num.hint = None
        if j < self.n and num.hint in (None, "halves") and doc[j].text.lower() in w.scales:
            scale = w.scales[doc[j].text.lower()]
            num.value *= scale
            num.end = j = j + 1
            num.hint = None
            # `zwei Millionen eintausendeinhundertfünfzig`, `zwei Billiarden siebenhundert
            # Billionen neunzig Milliarden`: smaller scales and a rest added
            last = scale
            while num.is_word and j < self.n:
                nt = doc[j].text.lower()
                nv = parse_number_word(nt, w) if nt not in fr.article_forms else None
                if nv is None or nv >= last:
                    break
                s2 = w.scales.get(doc[j + 1].text.lower()) if j + 1 < self.n else None
                if s2 is not None and nv * s2 < last:
                    num.value += nv * s2
                    last = s2
                    num.end = j = j + 2
                    continue
                if s2 is not None:
                    break  # `drei Millionen zwei Milliarden`: two figures
                num.value += nv
                num.end = j + 1
                break
        if num.article and num.end == num.start + 1:
            return num  # the caller decides whether this `ein` counts
        return num

    # -- main scan ---------------------------------------------------------------
    def run(self) -> list[dict]:
        doc = self.doc
        figures: list[dict] = []
        i = 0
        while i < self.n:
            if self.blocked[i] or doc[i].is_space:
                i += 1
                continue
            num = self.number_at(i)
            if num is None:
                i += 1
                continue
            num = self.extend(num)
            fig = self.resolve(num, figures)
            if fig is None:
                i += 1
                continue
            figures.append(fig)
            i = max(fig["_end_tok"], i + 1)
        self.post(figures)
        return figures

    def _qualifier(self, start: int) -> tuple[str | None, int]:
        hit = self.fr.qualifiers and self.match_backward(start, self.fr.qualifiers)
        if hit:
            sym, s = hit
            if not any(self.blocked[k] for k in range(s, start)) and not self._preposition(s, start):
                return sym, s
        return None, start

    def _preposition(self, s: int, start: int) -> bool:
        """`den Auftrag über 1,8 Mio. Euro`: the qualifier phrase doc[s:start] follows an amount noun."""
        heads = self.fr.preposition_after_nouns.get(tuple(t.text.lower() for t in self.doc[s:start]))
        if not heads or s == 0:
            return False
        noun = self.doc[s - 1]
        return _is_cap(noun) and (noun.lemma_.lower().endswith(heads) or noun.text.lower().endswith(heads))

    def resolve(self, num: Num, figures: list[dict]) -> dict | None:
        doc, fr = self.doc, self.fr
        start, end = num.start, num.end
        prev = doc[start - 1] if start > 0 else None
        prev_low = prev.text.lower() if prev is not None else ""
        if prev is not None and (prev_low in fr.preceding_words or prev.lemma_.lower() in fr.preceding_words):
            return None
        if prev is not None and (prev_low in fr.road_words or (
                start >= 2 and fr.road_code is not None and fr.road_code.match(prev.text)
                and doc[start - 2].text.lower() in fr.road_words)):
            return None  # `B 30`, `Kreisstraße PAN 22`
        if prev is not None and self.negative_token(prev.text) and any(c.isdigit() for c in prev.text):
            return None  # the rest of a phone number or identifier (`0221 123456`)
        if prev is not None and prev.text in ("-", "/", "–") and not prev.whitespace_ and start >= 2 and doc[start - 2].text[-1:].isdigit():
            return None  # `88-1234`, `UA/2025/047`
        if prev is not None and prev_low in ("und", "oder", "bis", ",", "–", "-") and start >= 3:
            if parse_digits(doc[start - 2].text) is not None and (
                doc[start - 3].text.lower() in fr.preceding_words or doc[start - 3].lemma_.lower() in fr.preceding_words
                or doc[start - 3].text.lower() in fr.road_words
            ):
                return None  # `Linien 21 und 95`
        if prev is not None and prev_low in fr.vague_before_scale and num.is_word and num.value >= 100:
            vb = fr.vague_before_scale[prev_low]
            num.value *= float(vb["factor"])
            num.qualifier = vb["qualifier"]
            start = start - 1
        if prev is not None and prev_low in fr.sign_words and num.value > 0 and num.value_max is None \
                and num.hint is None and start == num.start and (prev.text[:1].islower() or prev.is_sent_start):
            # (`das Minus 5,1 Prozent`: the capitalised noun is no sign)
            num.value = -num.value  # `minus 5 Grad`
            start = start - 1
        row = {"value": num.value, "value_max": num.value_max, "qualifier": num.qualifier or "=", "unit": None,
               "kind": "count", "of": None, "unit_source": None, "metadata_key": None, "rule": "count",
               "_num_start": num.start}
        q_start = start
        if num.qualifier is None:
            q, q_start = self._qualifier(start)
            if q:
                row["qualifier"] = q
        # ranges: `20 bis 30`, `20 - 30`, `zwischen 19 und 45`
        j = self._next(end)
        if num.value_max is None and num.hint in (None,) and j < self.n:
            conn = doc[j].text.lower()
            between = q_start == start and prev_low == "zwischen"
            if (conn in ("bis", "–", "—", "-") and not between) or (conn == "und" and between):
                k = self._next(j + 1)
                if k < self.n and not self.blocked[k]:
                    other = self.number_at(k)
                    if other is not None and other.hint is None and not other.article:
                        other = self.extend(other)
                        if other.value > num.value or (other.value >= num.value and other.end > other.start):
                            if other.value / max(num.value, 1e-9) >= 1000 and num.value < 1000:
                                # `100 bis 300 Milliarden`: the scale applies to both ends
                                scale = other.value / parse_digits(doc[k].text) if parse_digits(doc[k].text) else 1
                                num.value *= scale
                                row["value"] = num.value
                            row["value_max"] = other.value
                            end = other.end
                            num.raw_int = num.raw_int and other.raw_int
                            if between:
                                q_start = start - 1
                                row["rule"] = "range"
        row["value_max"] = num.value_max if row["value_max"] is None else row["value_max"]
        if num.value_max is not None:
            row["value_max"] = num.value_max
        # year context before
        if num.raw_int and fr.year_min <= num.value <= fr.year_max and row["qualifier"] == "=":
            if prev_low in fr.year_context or (prev is not None and prev.lemma_.lower() in fr.year_context):
                return None
        unit_end = end
        kind = num.kind
        # glued units and hints
        if num.hint == "age":
            row.update(unit=num.unit, kind="measure", unit_source="suffix", rule="age")
        elif num.hint == "multiplier":
            row.update(unit=num.unit, kind="multiplier", unit_source="suffix" if num.unit else None, rule="multiplier")
        elif num.hint == "unit":
            row.update(unit=num.unit, kind=kind, unit_source="symbol", rule=kind, _factor=num.factor)
            if kind == "percent":
                self._percent_of(unit_end, row)
        elif num.hint == "ordinal":
            na = self.noun_after(end)
            if na is None:
                # `Es waren 50.` : a sentence-final cardinal, not an ordinal
                t = doc[start]
                if num.is_word or not t.text.endswith("."):
                    return None
                nxt = self._next(end)
                if nxt < self.n and not (doc[nxt].is_sent_start or doc[nxt].text[:1].isupper()):
                    return None
                if nxt < self.n and doc[nxt].text[:1] in "–—-":
                    return None
                num.end_char = t.idx + len(t.text) - 1
                num.hint = None
                row["rule"] = "count"
            else:
                noun = doc[na[1]]
                nl = noun.text.lower()
                if nl in fr.title_nouns or nl in fr.date_nouns or noun.lemma_.lower() in fr.title_nouns or nl in fr.date_units:
                    return None
                row.update(unit=self.unit_lemma(noun), kind="ordinal", unit_source="noun", rule="ordinal")
                unit_end = na[1] + 1
        elif num.hint == "fraction" and self._unit_ahead(end):
            num.hint = None  # `drei Viertel Liter`, `1/2 Liter`: an amount in that unit
        elif num.hint == "fraction" and "/" in doc[num.start : num.end].text and not self._share_after(end) and prev is not None \
                and (prev.text == "(" or (_is_cap(prev) and prev.is_alpha and not prev.is_sent_start)):
            return None  # `Teil 1/2`, `(1/2)`, `Linz 1/3`: a label or score, not a share
        elif num.hint == "fraction":
            row.update(value=num.value * 100, unit="%", kind="percent", unit_source="fraction", rule="fraction")
            k = self._next(end)
            if k < self.n and doc[k].text.lower() in fr.percent_of:
                na = self.noun_after(k + 1)
                if na:
                    row["of"] = self.unit_lemma(doc[na[1]])
            elif num.start_char is not None:
                na = self.noun_after(end)
                if na:
                    row["of"] = self.unit_lemma(doc[na[1]])
                    unit_end = na[1] + 1
            # `die Hälfte`: include the article
        if num.hint in (None, "halves", "vague") and row["unit"] is None:
            if not self._unit_after(num, end, row):
                return None
            unit_end = row.pop("_unit_end", end)
        if row.get("_skip"):
            return None
        # `ein`/`eine`: only a count with a scale (handled in extend), a unit, or coordination
        if num.article and num.end == num.start + 1:
            if row["kind"] == "count":
                if not self._coordinated_article(num.start):
                    return None
                row["rule"] = "article"
            elif row["kind"] not in ("money", "measure"):
                return None
        # currency before the number: `€ 12.500`, `EUR 5 Mio.`
        if row["unit"] is None or row["kind"] == "count":
            before = self.match_backward(q_start, fr.single_currencies)
            if before and row["unit_source"] != "noun" and figures and figures[-1]["_end_tok"] > before[1]:
                # the currency ends the previous figure: `15 Dollar 50` -> 50 cents of it
                prevf, code = figures[-1], before[0][0]
                if prevf["kind"] == "money" and prevf["unit"] == code and q_start == num.start == before[1] + 1 \
                        and num.end == num.start + 1 and re.fullmatch(r"\d{1,2}\.?", doc[num.start].text):
                    row.update(unit=code, kind="money", unit_source="symbol", rule="money", value=num.value / 100)
                before = None
            if before and row["unit_source"] != "noun":
                code, factor = before[0]
                row.update(unit=code, kind="money", unit_source="symbol", rule="money", _factor=factor)
                row["value"] *= factor
                q, q2 = self._qualifier(before[1])
                if q:
                    row["qualifier"] = q
                q_start = q2 if q else before[1]
        # bare years, elsewhere
        if num.raw_int and fr.year_min <= num.value <= fr.year_max and row["qualifier"] == "=" and row["unit"] is None and row["kind"] == "count":
            return None
        # a key before a scaled or decimal number (`Mitarbeitende 2,1 Tsd.`): the key is the unit
        if row["unit"] is None and row["kind"] == "count" and prev is not None and q_start == num.start and self.is_noun(prev) \
                and (num.end > num.start + 1 or "," in doc[num.start].text):
            row.update(unit=self.unit_lemma(prev), unit_source="key", rule="count")
        # numbers inside names: `Kuckuck 14`, `Clayallee 170` (no counted noun after)
        if row["unit"] is None and row["kind"] == "count" and prev is not None and _is_cap(prev) and q_start == num.start:
            if prev.is_alpha and not (prev.is_sent_start and prev.lemma_[:1].islower()):
                return None
        # postal codes: `1010 Wien`
        if num.raw_int and 1000 <= num.value <= 99999 and len(doc[num.start].text) in (4, 5) and row["unit_source"] == "noun":
            noun_i = row.get("_noun_i")
            if noun_i is not None and (len(doc[num.start].text) == 5 or self._is_place(noun_i, num.start)):
                return None
        first_tok = doc[q_start]
        s_char = first_tok.idx
        if num.start_char is not None and q_start == num.start:
            s_char = num.start_char
        last = doc[unit_end - 1]
        e_char = last.idx + len(last.text)
        if num.end_char is not None and unit_end == num.end:
            e_char = num.end_char
        row.pop("_noun_i", None)
        row.update(start_char=s_char, end_char=e_char, text=self.text[s_char:e_char], _end_tok=max(unit_end, end),
                   _sent=doc[num.start].sent.start if doc.has_annotation("SENT_START") else 0, _start_tok=q_start, _num_end=end)
        row["value"] = float(row["value"])
        if row["value_max"] is not None:
            row["value_max"] = float(row["value_max"])
        return row

    def _is_place(self, noun_i: int, num_i: int) -> bool:
        doc = self.doc
        t = doc[noun_i]
        if t.ent_type_ in ("LOC", "GPE"):
            return True
        for m in (doc._.rows or {}).get("mentions", []):
            if m.get("label") == "LOC" and m["start_char"] <= t.idx < m["end_char"]:
                return True
        if self.has_pos and t.pos_ == "PROPN":
            return True
        prev = doc[num_i - 1] if num_i > 0 else None
        return prev is None or prev.text in (",", "\n") or prev.is_space

    def _coordinated_article(self, i: int) -> bool:
        """`2 versuchte und ein vollendeter Einbruch` / `ein Tor und 2 Vorlagen`."""
        doc = self.doc
        if i > 0 and doc[i - 1].text.lower() in ("und", "oder"):
            k = i - 2
            while k >= 0 and self.is_adjective(doc[k]) and k > i - 5:
                k -= 1
            if k >= 0 and parse_digits(doc[k].text) is not None:
                return True
        na = self.noun_after(i + 1)
        if na:
            k = self._next(na[1] + 1)
            if k < self.n and doc[k].text.lower() in ("und", "oder", ","):
                k2 = self._next(k + 1)
                if k2 < self.n and parse_digits(doc[k2].text) is not None:
                    return True
        return False

    def _percent_of(self, end: int, row: dict) -> None:
        s = row.get("_num_start")
        if s is not None and s > 0 and self.doc[s - 1].text.lower() in self.fr.percent_no_of_after \
                and not (s > 1 and self.doc[s - 2].text.lower() == "bis"):
            return  # `zu 75 Prozent der Freistaat`: adverbial, the noun is the subject
        k = self._next(end)
        if k < self.n and self.doc[k].text.lower() in self.fr.percent_of:
            na = self.noun_after(k + 1)
            if na:
                row["of"] = self.unit_lemma(self.doc[na[1]])

    def _unit_after(self, num: Num, end: int, row: dict) -> bool:
        """Find the unit after the number; False when the number must be dropped."""
        doc, fr = self.doc, self.fr
        j = self._next(end)
        if j >= self.n:
            return True
        # percent
        hit = self.match_forward(j, fr.percent)
        if hit:
            row.update(unit=hit[0], kind="percent", unit_source="symbol" if not doc[j].is_alpha else "word", rule="percent", _unit_end=hit[1])
            self._percent_of(hit[1], row)
            return True
        # currency / measure, possibly after adjectives (`kanadischen Dollar` is a phrase)
        for table, kind in ((fr.currencies, "money"), (fr.measures, "measure")):
            hit = self.match_forward(j, table)
            if hit:
                val = hit[0]
                if kind == "money":
                    code, factor = val
                    row.update(unit=code, kind="money", rule="money", value=row["value"] * factor, _factor=factor,
                               value_max=row["value_max"] * factor if row["value_max"] is not None else None)
                else:
                    row.update(unit=val, kind="measure", rule="measure")
                row["unit_source"] = "symbol" if not doc[j].is_alpha else "word"
                row["_unit_end"] = hit[1]
                return True
        # ages: `59 Jahre alt`, `im Alter von 95 Jahren`
        t = doc[j]
        tl = t.lemma_.lower() if t.lemma_ else t.text.lower()
        age_unit = fr.age_units.get(tl) or fr.age_units.get(t.text.lower())
        if age_unit:
            k = self._next(j + 1)
            before = self.match_backward(num.start, fr.age_before_table) is not None
            window = doc[max(0, num.start - 6) : num.start]
            before = before or any(t.lemma_.lower() in fr.age_context or t.text.lower() in fr.age_context for t in window)
            after = k < self.n and (doc[k].text.lower() in fr.age_after or doc[k].lemma_.lower() in fr.age_after)
            if after or before:
                row.update(unit=age_unit, kind="measure", unit_source="word", rule="age", _unit_end=(k + 1) if after else j + 1)
                return True
        if t.text.lower() in fr.date_units or tl in fr.date_units:
            return False  # a duration or a time: the dates stage's
        if t.text.lower() in fr.date_nouns:
            return False
        # counted noun
        na = None
        if self.has_dep:
            nt = doc[num.end - 1]
            if nt.dep_ == "nummod" and nt.head.i > nt.i and self.is_noun(nt.head) and nt.head.i - nt.i <= 4:
                na = (j, nt.head.i)
        if na is None:
            na = self.noun_after(end)
        if na:
            noun = doc[na[1]]
            if noun.text.lower() in fr.date_units or noun.lemma_.lower() in fr.date_units or noun.text.lower() in fr.date_nouns:
                return False
            if noun.text.lower() in fr.percent_of:
                return True
            row.update(unit=self.unit_lemma(noun), unit_source="noun", rule="count", _unit_end=na[1] + 1, _noun_i=na[1])
        return True

    def _unit_from_next(self, f: dict, nxt: dict) -> bool:
        if not nxt["unit"] or nxt["kind"] not in ("count", "money", "measure", "percent") or nxt["value_max"] is not None \
                or f["value_max"] is not None:
            return False
        doc = self.doc
        between = tuple(t.text.lower() for t in doc[f["_num_end"] : nxt["_start_tok"]] if not t.is_space)
        k = f["_start_tok"] - 1
        while k >= 0 and doc[k].is_space:
            k -= 1
        before = doc[k].text.lower() if k >= 0 else None
        for conn, need in self.fr.unit_from_next:
            if between == conn and (need is None or need == before):
                factor = nxt.get("_factor", 1.0) if nxt["kind"] == "money" else 1.0
                f.update(unit=nxt["unit"], kind=nxt["kind"], rule=nxt["rule"], unit_source="shared",
                         value=f["value"] * factor)
                return True
        return False

    def post(self, figures: list[dict]) -> None:
        """Money sums, then units for counts without a noun: coordination, elision."""
        doc = self.doc
        k = 0
        while k + 1 < len(figures):
            f, nxt = figures[k], figures[k + 1]
            between = [t.text.lower() for t in doc[f["_end_tok"] : nxt["_start_tok"]] if not t.is_space]
            small = nxt["value"] < 1 if nxt["kind"] == "money" else (nxt["kind"] == "count" and nxt["unit"] is None and nxt["value"] < 100)
            if f["kind"] == "money" and between in ([], ["und"]) and small and (nxt["unit"] in (f["unit"], None) or nxt["text"].lower().endswith(("cent", "ct", "ct."))) and f["value_max"] is None:
                # `zwei Euro und fünfzig Cent`, `15 Dollar 50`
                f["value"] += nxt["value"] if nxt["kind"] == "money" else nxt["value"] / 100
                f["end_char"] = nxt["end_char"]
                f["text"] = self.text[f["start_char"] : f["end_char"]]
                f["_end_tok"] = nxt["_end_tok"]
                del figures[k + 1]
                continue
            k += 1
        for idx, f in enumerate(figures):
            if f["kind"] != "count" or f["unit"] is not None:
                continue
            # `sieben von zwölf Rennen`, `von 180 auf 204 Euro`: the unit after the second number
            if idx + 1 < len(figures) and self._unit_from_next(f, figures[idx + 1]):
                continue
            # coordination: `2 versuchte und ein vollendeter Einbruch`
            if idx + 1 < len(figures):
                nxt = figures[idx + 1]
                between = [t for t in doc[f["_num_end"] : nxt["_start_tok"]] if not t.is_space]
                if nxt["kind"] in ("count", "measure", "money", "percent") and nxt["unit"] and len(between) <= 4 and any(
                    t.text.lower() in ("und", "oder", "bis", ",") for t in between
                ) and all(t.text.lower() in ("und", "oder", "bis", ",") or self.is_adjective(t) for t in between):
                    f["unit"], f["unit_source"] = nxt["unit"], "coordinated"
                    f["kind"], f["rule"] = nxt["kind"], nxt["rule"]
                    continue
            # partitive: `rund 120 der insgesamt 2,1 Tsd. Stellen`, `50 der Initiativen`
            k = self._next(f["_num_end"])
            if k < self.n and doc[k].text.lower() in self.fr.partitive:
                if idx + 1 < len(figures) and figures[idx + 1]["unit"] and figures[idx + 1]["kind"] == "count" \
                        and figures[idx + 1]["_start_tok"] - k <= 3:
                    f["unit"], f["unit_source"] = figures[idx + 1]["unit"], "partitive"
                    continue
                na = self.noun_after(k + 1)
                if na:
                    f["unit"], f["unit_source"] = self.unit_lemma(doc[na[1]]), "partitive"
                    continue
            # elision: `von denen 50 umgesetzt wurden` -> the previous figure's noun
            for prev in reversed(figures[:idx]):
                if prev["kind"] in ("count",) and prev["unit"] and prev["unit_source"] in ("noun", "coordinated"):
                    f["unit"], f["unit_source"] = prev["unit"], "elided"
                    break
            if f["unit"] is None:
                f["rule"] = "count"


def _clean(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]


# --------------------------------------------------------------------------- metadata
def metadata_figures(doc: Doc, fr: FigureRules, nlp_vocab=None) -> list[dict]:
    out = []
    for row in doc._.metadata or []:
        value = str(row.get("value") or "").strip()
        if not value or row.get("start_char") is None:
            continue
        v = parse_digits(value)
        if v is None:
            wv = parse_number_word(value.lower(), fr.words)
            v = float(wv) if wv is not None else None
        if v is None:
            continue
        key = str(row.get("key") or "")
        unit = _head_noun(doc, key, row, fr)
        out.append({
            "start_char": row["start_char"], "end_char": row["end_char"],
            "text": doc.text[row["start_char"]:row["end_char"]], "value": float(v), "value_max": None,
            "qualifier": "=", "unit": unit, "kind": "count", "of": None,
            "unit_source": "metadata", "metadata_key": key, "rule": "metadata",
        })
    return out


def _head_noun(doc: Doc, key: str, row: dict, fr: FigureRules) -> str | None:
    """Lemma of the key's head noun: the first noun that is not a participle/adjective."""
    # the key's tokens in the doc when the key is on the same line before the value
    line_start = doc.text.rfind("\n", 0, row["start_char"]) + 1
    ks = doc.text.find(key, line_start, row["start_char"])
    span = doc.char_span(ks, ks + len(key), alignment_mode="expand") if ks >= 0 else None
    if span is None:
        return None
    finder = Finder.__new__(Finder)
    finder.doc, finder.fr, finder.n = doc, fr, len(doc)
    finder.has_pos = any(t.pos_ for t in doc)
    finder.has_dep = False
    finder.blocked = [False] * len(doc)
    for t in span:
        if not t.text[:1].isupper() or not t.is_alpha:
            continue
        if finder.has_pos and t.pos_ and t.pos_ not in ("NOUN", "PROPN"):
            continue
        if t.lemma_[:1].islower() and t.i + 1 < span.end and span.doc[t.i + 1].text[:1].isupper():
            continue  # `Analysierte Kommentare`: a participle before the noun
        return finder.unit_lemma(t)
    return None


# --------------------------------------------------------------------------- stage
def find_figures(doc: Doc, fr: FigureRules) -> list[dict]:
    """All figure rows of one document (prose + metadata), sorted by offset."""
    rows = _clean(Finder(doc, fr).run()) + metadata_figures(doc, fr)
    rows.sort(key=lambda r: (r["start_char"], r["end_char"]))
    return rows


@Language.factory("de_figures", default_config={"rules_dirs": []})
def make_figures(nlp: Language, name: str, rules_dirs: list[str]):
    fr = compile_rules(load_rules(rules_dirs))

    def figures(doc: Doc) -> Doc:
        add_rows(doc, "figures", find_figures(doc, fr))
        return doc

    return figures


# --------------------------------------------------------------------------- checks
def _compare(expected: list[dict], got: list[dict]) -> str | None:
    if len(expected) != len(got):
        return f"expected {len(expected)} figure(s), got {len(got)}: {[(g['text'], g['value'], g['unit']) for g in got]}"
    for e, g in zip(expected, got):
        for k, v in e.items():
            gv = g.get(k)
            if k in ("value", "value_max") and v is not None and gv is not None:
                if abs(float(v) - float(gv)) > 1e-6 * max(1, abs(float(v))):
                    return f"{k}: expected {v}, got {gv} ({g['text']!r})"
            elif (v if v is not None else None) != gv and not (k == "qualifier" and v == "=" and gv == "="):
                return f"{k}: expected {v!r}, got {gv!r} ({g['text']!r})"
    return None


def run_examples(nlp: Language, rules: Rules) -> list[RuleError]:
    """Run the `examples:` of every figure rule file through the pipeline."""
    from .ingest import normalise_text, parse_structure
    from .numbers import parse_ordinal_word

    fr = compile_rules(rules)
    problems = []
    for name in RULE_FILES:
        rel = f"figures/{name}"
        f = rules.require(rel)
        data = rules.yaml(rel)
        for i, ex in enumerate(data.get("examples") or []):
            line = (data["examples"].item_lines[i] if hasattr(data["examples"], "item_lines") else None)
            if not isinstance(ex, dict) or "text" not in ex:
                problems.append(RuleError(f.path, line, "example needs a `text`"))
                continue
            if "figures" not in ex:
                # number-word examples
                if "value" in ex:
                    got = parse_number_word(str(ex["text"]), fr.words)
                    if got != ex["value"]:
                        problems.append(RuleError(f.path, line, f"{ex['text']!r}: expected {ex['value']}, got {got}"))
                if "ordinal" in ex:
                    got = parse_ordinal_word(str(ex["text"]), fr.words)
                    if got != ex["ordinal"]:
                        problems.append(RuleError(f.path, line, f"{ex['text']!r}: expected ordinal {ex['ordinal']}, got {got}"))
                continue
            if nlp is None:
                continue
            text = normalise_text(str(ex["text"]))
            doc = nlp.make_doc(text)
            meta, regions = parse_structure(text)
            doc._.metadata, doc._.regions, doc._.rows = meta, regions, {}
            for _, proc in nlp.pipeline:
                doc = proc(doc)
            got = doc._.rows.get("figures", [])
            err = _compare(list(ex["figures"] or []), got)
            if err:
                problems.append(RuleError(f.path, line, f"example {ex['text']!r}: {err}"))
    return problems


@rule_checker("figures")
def check_figure_rules(rules: Rules, config: dict, nlp) -> list[RuleError]:
    try:
        compile_rules(rules)
    except RuleError as exc:
        return [exc]
    return run_examples(nlp, rules) if nlp is not None else []
