"""Stage 3, entities: statistical NER + rule layers -> `doc.ents` with provenance.

Rules are data under `rules/entities/` (any layer; `--rules DIR` adds or replaces files):

- `**/*.jsonl` and `**/*.jsonl.gz`: spaCy EntityRuler patterns `{"label", "pattern", "id"}`.
  A string pattern is a phrase (exact text; quotes/apostrophes and whitespace normalised);
  its `id` is the canonical form (spaCy's `ent_id`: patterns with one id are one entity).
  A list pattern is a spaCy Matcher pattern; its `id` names the rule (`source` column).
  `"weak": true` marks a token pattern as a guess that yields to the model on the same span.
  Any label works: a user's `PROJECT` patterns flow to mentions/entities unchanged.
  Files under `gazetteer/` are the compiled place gazetteer (`make gazetteer`).
- `lexicons/*.txt`: word lists exposed to token patterns as flags
  (`{"_": {"lex_first_names": true}}`); `lex_roles` comes from `roles/roles.yaml`,
  `lex_admin_types` from `admin_types.yaml`, `lex_never` from `stoplists/never.yaml`.
- `stoplists/never.yaml`: never-entities, leading words to trim, adjective patterns.

Conflict policy (model vs. rules), applied in this order (also in rules/entities/README.md):
1. Candidates: the model's `doc.ents` (source `model`), phrase matches (curated files:
   source `rule:<file>`; gazetteer: `gazetteer`), then token patterns (`rule:<id>`), which
   see the places found so far through `ENT_TYPE`.  Nothing in header/footer regions.
   A one-word settlement of the gazetteer is refused right after an article (`ein Schlag`,
   `der Brunnen`; not districts/regions `im Harz`, waters and mountains `am Mühlbach`) and
   at a sentence start when the word's lemma is lower-case (an adverb or adjective); a
   genitive place (`X` + `s`) is refused when the word is such a word (`Allerdings` is not
   the hamlet `Allerding` + s).
   Model spans across a line break or sentence boundary, without a name word
   (`8. – 11. November 2018`), or of one common-noun/gender-form word are refused.
2. Trimming: leading function words (`Die`, `der`) are removed from model and token-pattern
   spans; leading role words/titles from PER (`Landrat Tjark Bartels` -> `Tjark Bartels`,
   role kept), admin words from LOC (`Landkreis Hameln-Pyrmont` -> `Hameln-Pyrmont`,
   admin type kept; a model span of any label that is admin word + name becomes that LOC;
   a place adjective stays before a single word that is no known place: `Römisches Reich`),
   descriptors from ORG (`Initiative Act.Now` -> `Act.Now`); a trailing year or amount from
   model spans (`Thilo Ulbert 1986`).  Curated phrase patterns are exact and never trimmed.
3. Never list: a span whose text is in the never list (articles, months, weekdays,
   adjectives like `deutsche`, `österreichischen`, place adjectives like `Wiener`) is
   dropped, whoever proposed it; so is a span that is only an institution head (`Stiftung`).
   A model ORG that contains a known place but no organisation word is dropped, unless
   it is a name + that place at its end or a place + two-digit number (`Borussia
   Dortmund`, `Hannover 96`: clubs and companies named after their place).
4. Overlaps: the longest span wins (the outermost entity: `Polizei Köln` is one ORG, not
   LOC `Köln`).  Equal length: curated rules > model > weak token patterns (`"weak": true`:
   first name + word; the model's label wins on the very same span: `San Remo` LOC, not
   PER) > gazetteer; a model MISC loses to every rule (gazetteer LOC
   beats model MISC), MISC loses ties; then the earlier start, the label, the source -
   never the order of files or matches.
5. Linking: `Name (ABK)` gives two mentions and later `ABK`s; a capitalised token equal to
   the surname of a PER of the same document (`Herter` after `Marc Herter`) becomes PER.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from .checks import rule_checker
from .rules import RuleError, Rules, compile_regex, line_of, load_rules
from .tokenize import in_regions

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
_APOS = str.maketrans({"‘": "'", "’": "'", "`": "'", "´": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


def phrase_key(text: str) -> str:
    """The lookup form of a phrase: typographic quotes unified, whitespace collapsed."""
    return " ".join(text.translate(_APOS).split())


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

    def role_of(self, token: Token) -> str | None:
        for text in (token.text, token.norm_):
            if text in self.forms:
                return self.forms[text]
        t = token.norm_ if token.norm_ != token.text.lower() else token.text
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

    def is_never(self, text: str) -> bool:
        return text in self.texts or any(p.match(text) for p in self.patterns)


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
        self.phrase_prefixes = {k[:3] for k in self.phrases} | {k.split()[0][:3] for k in self.phrases}
        self.max_phrase_chars = max((len(k) for k in self.phrases), default=0) + 2
        self.lexicons["roles"] = frozenset(self.roles.forms)
        self.lexicons["admin_types"] = frozenset(self.admin)
        self.lexicons["never"] = frozenset(self.never.texts)
        _register_lexicon_flags(sorted(self.lexicons) + ["roles_any", "never_any"])

    def gender_of(self, word: str) -> str | None:
        low = word.lower()
        for ending, gender in self.gender_endings:
            if low.endswith(ending):
                return gender
        return None

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
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            s = raw.strip()
            if not s or s.startswith("#"):
                continue
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


def _token_flags(doc: Doc, er: "EntityRules") -> dict[str, set]:
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


_CACHE: dict[tuple, EntityRules] = {}


def entity_rules(rules: Rules) -> EntityRules:
    """Compiled entity rules, shared by the stages of one process (per rules layers)."""
    key = (rules.layers, id(rules))
    if key not in _CACHE:
        _CACHE[key] = EntityRules(rules)
    return _CACHE[key]


# --------------------------------------------------------------------------- candidates
@dataclass
class Cand:
    start: int  # token offsets
    end: int
    label: str
    source: str
    tier: int
    canonical: str | None = None
    exact: bool = False  # curated phrase: never trimmed
    role: str | None = None
    admin_type: str | None = None


def _phrase_matches(doc: Doc, er: EntityRules) -> list[Cand]:
    out = []
    n = len(doc)
    texts = [t.text for t in doc]
    ws = [t.whitespace_ for t in doc]
    prefixes = er.phrase_prefixes
    for i in range(n):
        t0 = texts[i]
        if not t0.strip() or phrase_key(t0[:3]) not in prefixes:
            found = False
        else:
            found = False
            key_parts = []
            spans = []
            for j in range(i, min(n, i + MAX_PHRASE_TOKENS)):
                key_parts.append(texts[j])
                raw = "".join(key_parts)
                if len(raw) > er.max_phrase_chars:
                    break
                spans.append((j + 1, raw))
                key_parts.append(ws[j])
            for j, raw in reversed(spans):
                if not texts[j - 1].strip():
                    continue
                key = phrase_key(raw)
                p = er.phrases.get(key)
                if p is not None:
                    found = True
                    if p.tier == TIER_GAZ and j == i + 1 and not p.region and _common_noun_not_place(doc, i, er):
                        break
                    out.append(Cand(i, j, p.label, p.source, p.tier, p.canonical or (key if p.tier == TIER_GAZ else None), exact=p.tier == TIER_RULE))
                    break
        if not found:
            t = texts[i]
            if not t[:1].isupper() or len(t) < 4:
                continue
            # genitive of a known place: `Deutschlands`, `Hameln-Pyrmonts`
            base = er.canonical_place(t) if t.endswith("s") else None
            if base is not None:
                p = er.phrases.get(phrase_key(t[:-1])) or er.phrases.get(phrase_key(t[:-2]))
                if _non_noun(doc[i]):
                    continue  # an adverb (`Allerdings`, `Abends`), not the place `Allerding` + s
                out.append(Cand(i, i + 1, "LOC", p.source if p else "gazetteer", p.tier if p else TIER_GAZ, base))
                continue
            # compass parts of a known place: `Nordhessen`, `Ostdeutschland`, `Hamm-Mitte`, `Dorfen-Nord`
            m = _COMPASS_PREFIX.match(t)
            if m and phrase_key(m.group(2)[:1].upper() + m.group(2)[1:]) in er.loc_phrases:
                out.append(Cand(i, i + 1, "LOC", "rule:compass", TIER_GAZ, t))
                continue
            m = _DISTRICT_SUFFIX.match(t)
            if m and phrase_key(m.group(1)) in er.loc_phrases:
                out.append(Cand(i, i + 1, "LOC", "rule:district", TIER_GAZ, t))
    return out


def _common_noun_not_place(doc: Doc, i: int, er: EntityRules) -> bool:
    """A one-word settlement name of the gazetteer used as an ordinary word: at a sentence
    start with a lower-case lemma (an adverb or adjective written with a capital), or right
    after an article (`ein Schlag`, `der Brunnen`, `am Puls`: towns take no article; waters
    and mountains do, `am Mühlbach`, and so do districts and regions, which the gazetteer
    marks, `im Harz`)."""
    tok = doc[i]
    if tok.is_sent_start and _non_noun(tok):
        return True
    return (
        i > 0
        and doc[i - 1].lower_ in er.never.settlement_articles
        and not tok.lower_.endswith(er.never.article_ok_endings)
        and not (i > 1 and f"{doc[i - 2].lower_} {doc[i - 1].lower_}" in er.never.article_ok_before)
    )


def _non_noun(tok: Token) -> bool:
    """A capitalised word whose lemma is lower-case: an adverb, numeral, adjective or verb
    written with a capital at the start of a sentence (`Allerdings`, `Abends`)."""
    lemma = tok.lemma_
    return bool(lemma) and lemma[:1].islower() and tok.text[:1].isupper()


_COMPASS_PREFIX = re.compile(r"^(Nord|Süd|Ost|West|Mittel|Nordost|Nordwest|Südost|Südwest|Ober|Nieder|Unter)([A-ZÄÖÜ]?[a-zäöüß]+)$")
_DISTRICT_SUFFIX = re.compile(r"^([A-ZÄÖÜ][\w]+(?:-[A-ZÄÖÜ][\w]+)*)-(?:Mitte|Nord|Süd|Ost|West|Nordost|Nordwest|Südost|Südwest|Zentrum|Innenstadt|Altstadt|Land|Stadt)$")


def _trim(doc: Doc, c: Cand, er: EntityRules) -> Cand | None:
    if c.exact:
        return c
    s, e = c.start, c.end
    # `(Niedersächsischen) Landkreis Hameln-Pyrmont` is the place Hameln-Pyrmont, whatever
    # label the model gave the whole span: admin word + place -> LOC (+ admin_type)
    k = s
    while k < e - 1 and doc[k].text not in er.admin and (doc[k].lower_ in er.never.leading_words or er.never.is_never(doc[k].text)):
        k += 1
    if k < e - 1 and doc[k].text in er.admin and c.label != "LOC" and doc[k + 1].text[:1].isupper():
        c.label, s = "LOC", k
    while s < e:
        tok = doc[s]
        low = tok.text.lower()
        if low in er.never.leading_words or tok.is_punct or tok.is_space:
            s += 1
            continue
        if c.label == "PER":
            role = er.is_role(tok)
            if role is not None:
                c.role = role
                s += 1
                continue
            if tok.text in er.lexicons.get("titles", ()):
                s += 1
                continue
        if c.label in ("LOC", "GPE") and tok.text in er.admin and e - s > 1 and doc[s + 1].text[:1].isupper():
            c.admin_type = er.admin[tok.text]
            s += 1
            continue
        if c.label == "ORG" and tok.text in er.lexicons.get("org_descriptors", ()) and e - s > 1:
            s += 1
            continue
        if c.label in er.never.leading_adjectives_for and e - s > 1 and er.never.is_never(tok.text):
            if c.label == "LOC" and e - s == 2 and _adjective_names_it(doc[s + 1].text, er):
                break  # `Römisches Reich`, `Bayerischer Wald`: the adjective is part of the name
            s += 1
            continue
        break
    while c.label == "LOC" and e - s > 1 and doc[e - 1].is_digit:  # `Münsterplatz 47`
        e -= 1
    # a model span that runs into a following year or amount: `Thilo Ulbert 1986`, `Sun
    # Microsystems 100.000` (two-digit club numbers stay: `Hannover 96`)
    while c.source == "model" and e - s > 1 and doc[e - 1].like_num and (c.label == "PER" or sum(ch.isdigit() for ch in doc[e - 1].text) >= 3):
        e -= 1
    while e > s and (doc[e - 1].is_space or (doc[e - 1].is_punct and doc[e - 1].text not in (".", ")"))
                     or doc[e - 1].text in ("-", "–")):
        e -= 1
    if s >= e:
        return None
    if (s, e) != (c.start, c.end) and c.canonical is not None:
        c.canonical = er.canonical_place(doc[s:e].text) if c.label == "LOC" else None
    c.start, c.end = s, e
    return c


def _adjective_names_it(word: str, er: EntityRules) -> bool:
    """After a place adjective, a single word that is no known place and no admin word
    (`Reich`, `Wald`, `Republik`) is named by the adjective, which stays in the span;
    a known place loses it (`Niedersächsischen Hameln-Pyrmont`)."""
    return word not in er.admin and phrase_key(word) not in er.phrases and er.canonical_place(word) is None


def _is_never(doc: Doc, c: Cand, er: EntityRules) -> bool:
    span = doc[c.start : c.end]
    text = span.text
    if c.exact:
        return False
    if er.never.is_never(text):
        return True
    if len(span) == 1:
        t = span[0].text
        heads = er.lexicons.get("org_heads", frozenset()) | er.lexicons.get("org_place_heads", frozenset())
        if c.label == "ORG" and t in heads and t not in er.lexicons.get("generic_institutions", ()):
            return True
        if (er.is_role(span[0]) is not None and not (c.label == "ORG" and t in er.lexicons.get("generic_institutions", ()))) or t in er.lexicons.get("titles", ()):
            return True
        for suf in er.never.derived_suffixes:
            if t.endswith(suf) and t[:1].isupper() and len(t) > len(suf) + 2:
                stem = t[: -len(suf)]
                if phrase_key(stem) in er.loc_phrases or phrase_key(stem + "e") in er.loc_phrases or phrase_key(stem.rstrip("s")) in er.loc_phrases:
                    if c.label != "PER" or c.source != "model":
                        return True
    return False


def _model_span_ok(doc: Doc, ent: Span, er: EntityRules) -> bool:
    """Model spans the policy refuses before any comparison with the rules.

    - a span across a line break or a sentence boundary (headline + dateline run-ons);
    - a span without a name word (a capitalised word outside the never list; also
      `ORF2` and hyphenated place names `Berlin-Charlottenburg`, not `NASCAR-Rennen`):
      `8. – 11. November 2018`;
    - a span that starts or ends inside a word (`Internationalen Bürgermeister` out of
      `Bürgermeister/innen-Konferenzen`), or whose last word is a compound with an event
      head from never.yaml `event_heads` (`NOW Mayors' Network-Treffen`);
    - a single gender-form word (`LokalpolitikerInnen`) or a single word with a
      common-noun ending from never.yaml (`Glasfasernetz`, `Automobilindustrie`) that no
      gazetteer or curated list knows.
    """
    if "\n" in ent.text or any(t.is_sent_start for t in ent[1:]):
        return False
    if not any(_name_word(t.text, er) and not er.never.is_never(t.text) for t in ent):
        return False
    if _cuts_a_word(doc, ent):
        return False
    last = ent[-1].text
    if ent.label_ != "PER" and "-" in last and last.rsplit("-", 1)[1].lower() in er.never.event_heads:
        return False  # `NOW Mayors' Network-Treffen`: an event of the organisation, not its name
    return True


_GLUE = "/-_*:"


def _cuts_a_word(doc: Doc, ent: Span) -> bool:
    """True when a model span starts or ends inside a whitespace-delimited word: the
    model's `Internationalen Bürgermeister` out of `…Bürgermeister/innen-Konferenzen`."""
    if ent.end < len(doc) and not ent[-1].whitespace_:
        nxt = doc[ent.end].text
        if nxt[:1].isalnum() or (nxt[:1] in _GLUE and ent.end + 1 < len(doc) and not doc[ent.end].whitespace_
                                 and doc[ent.end + 1].text[:1].isalnum()):
            return True
    if ent.start > 0 and not doc[ent.start - 1].whitespace_:
        prv = doc[ent.start - 1].text
        if prv[-1:].isalnum() or (prv[-1:] in _GLUE and ent.start > 1 and not doc[ent.start - 2].whitespace_
                                  and doc[ent.start - 2].text[-1:].isalnum()):
            return True
    return False


_ALNUM_NAME = re.compile(r"^[A-ZÄÖÜ][A-Za-zÄÖÜäöüß]*[0-9]+$")


def _name_word(text: str, er: EntityRules) -> bool:
    """A word that can carry a name: a capitalised word of letters; letters + digits
    (`ORF2`, `O2`); a hyphenated word of capitalised parts whose last part is a place, a
    place adjective or an abbreviation (`Berlin-Charlottenburg`, `Hamburg-Mannheimer`,
    `Hertha-BSC`).  Not `8.`, `2018`, and not a hyphenated compound with a common-noun
    head (`NASCAR-Rennen`, `Taiwan-Dollar`, `C-Liga`)."""
    if text.isalpha():
        return text[:1].isupper()
    if _ALNUM_NAME.match(text):
        return True
    parts = text.split("-")
    if len(parts) < 2 or not all(p[:1].isupper() and p.isalpha() for p in parts):
        return False
    last = parts[-1]
    return last.isupper() or phrase_key(last) in er.loc_phrases or _derived_place(last, er)


def _single_word_ok(doc: Doc, c: Cand, er: EntityRules) -> bool:
    """(after trimming) a model entity of one gender-form word or common-noun word is refused."""
    if c.end - c.start != 1 or c.label == "PER":
        return True
    t = doc[c.start]
    if t.norm_ != t.lower_ and t.norm_ != t.text:
        return False
    key = phrase_key(t.text)
    return key in er.phrases or er.canonical_place(t.text) is not None or not t.text.lower().endswith(er.never.noun_endings)


def _org_marked(doc: Doc, c: Cand, er: EntityRules) -> bool:
    lex = er.lexicons
    for t in doc[c.start : c.end]:
        w = t.text
        if (w in lex.get("org_heads", ()) or w in lex.get("org_place_heads", ()) or w in lex.get("legal_forms", ())
                or w in lex.get("generic_institutions", ()) or w in lex.get("org_descriptors", ())
                or er.gender_of(w) or (len(w) >= 2 and w.isupper()) or "-" in w):
            return True
    return False


def _name_with_place(doc: Doc, c: Cand, inner: list[Cand], er: EntityRules) -> bool:
    """A model ORG that is a name + a place at its end (`Borussia Dortmund`, `Juventus
    Turin`, `University College London`) or a place + a two-digit number (`Hannover 96`):
    a club or company named after its place, kept.  Not when the first word is a facility
    (`Bahnhof Bern`, never.yaml `facility_endings`), a place adjective or a never word."""
    last = doc[c.end - 1]
    if last.is_digit and len(last.text) == 2 and any(p.start == c.start and p.end == c.end - 1 for p in inner):
        return True
    if not any(p.end == c.end for p in inner):
        return False
    first = doc[c.start].text
    return (
        first[:1].isupper()
        and not first.lower().endswith(er.never.facility_endings)
        and not er.never.is_never(first)
        and not _derived_place(first, er)
    )


def _demote_unmarked_model_orgs(doc: Doc, cands: list[Cand], er: EntityRules) -> list[Cand]:
    """A model ORG that swallows a known place but has no organisation word in it
    (`Dorfen Polstermöbel`, `Salzburger Altstadt`, `Bahnhof Bern`) loses to the place,
    unless it is a name + the place at its end (`Borussia Dortmund`, `Hannover 96`)."""
    places = [c for c in cands if c.label == "LOC" and c.source != "model"]
    out = []
    for c in cands:
        if c.source == "model" and c.label == "ORG" and not _org_marked(doc, c, er):
            inner = [p for p in places if c.start <= p.start and p.end <= c.end and (p.start, p.end) != (c.start, c.end)]
            if inner and not _name_with_place(doc, c, inner, er):
                continue
            t = doc[c.start].text
            if c.end - c.start >= 2 and any(t.endswith(s) for s in er.never.derived_suffixes) and _derived_place(t, er):
                continue
        out.append(c)
    return out


def _derived_place(t: str, er: EntityRules) -> bool:
    for suf in er.never.derived_suffixes:
        if t.endswith(suf) and t[:1].isupper() and len(t) > len(suf) + 2:
            stem = t[: -len(suf)]
            if phrase_key(stem) in er.loc_phrases or phrase_key(stem + "e") in er.loc_phrases or phrase_key(stem.rstrip("s")) in er.loc_phrases:
                return True
    return False


def _resolve(cands: list[Cand]) -> list[Cand]:
    order = sorted(cands, key=lambda c: (-(c.end - c.start), -c.tier, c.label == "MISC", c.start, c.label, c.source))
    taken: set[int] = set()
    kept = []
    for c in order:
        if any(i in taken for i in range(c.start, c.end)):
            continue
        kept.append(c)
        taken.update(range(c.start, c.end))
    return sorted(kept, key=lambda c: c.start)


def _to_spans(doc: Doc, cands: list[Cand]) -> list[Span]:
    spans = []
    for c in cands:
        span = Span(doc, c.start, c.end, label=c.label, span_id=c.canonical or "")
        spans.append(span)
    return spans


def _set_ents(doc: Doc, cands: list[Cand]) -> None:
    doc.ents = _to_spans(doc, cands)
    by_pos = {(c.start, c.end): c for c in cands}
    for ent in doc.ents:
        c = by_pos.get((ent.start, ent.end))
        if c is None:
            continue
        ent._.source = c.source
        ent._.canonical_hint = c.canonical
        ent._.role = c.role
        ent._.admin_type = c.admin_type


def _cand_ok(doc: Doc, c: Cand, er: EntityRules) -> Cand | None:
    if in_regions(doc, doc[c.start].idx, doc[c.end - 1].idx + len(doc[c.end - 1].text)):
        return None
    c = _trim(doc, c, er)
    if c is None or _is_never(doc, c, er):
        return None
    return c


_ABBR = re.compile(r"^[A-ZÄÖÜ][A-ZÄÖÜ0-9&-]{1,7}$")


def _link_abbreviations(doc: Doc, cands: list[Cand], er: EntityRules) -> list[Cand]:
    """`Schweizerische Bundesbahnen (SBB)`: the name and its abbreviation are two mentions
    of the same label; later uses of the abbreviation in the document are found too."""
    out, abbrs = [], {}
    n = len(doc)
    for c in cands:
        if c.label != "PER" and c.end - c.start >= 4 and doc[c.end - 1].text == ")" and doc[c.end - 3].text == "(" and _ABBR.match(doc[c.end - 2].text):
            out.append(Cand(c.start, c.end - 3, c.label, c.source, c.tier, None, c.exact, c.role, c.admin_type))
            out.append(Cand(c.end - 2, c.end - 1, c.label, "link:abbreviation", TIER_RULE))
            abbrs[doc[c.end - 2].text] = c.label
            continue
        out.append(c)
        if c.label != "PER" and c.end + 2 < n and doc[c.end].text == "(" and doc[c.end + 2].text == ")" and _ABBR.match(doc[c.end + 1].text):
            abbrs.setdefault(doc[c.end + 1].text, c.label)
    if not abbrs:
        return out
    taken = {i for c in out for i in range(c.start, c.end)}
    for tok in doc:
        if tok.i not in taken and tok.text in abbrs and not in_regions(doc, tok.idx, tok.idx + len(tok.text)):
            out.append(Cand(tok.i, tok.i + 1, abbrs[tok.text], "link:abbreviation", TIER_RULE))
    return sorted(out, key=lambda c: c.start)


def _link_surnames(doc: Doc, cands: list[Cand], er: EntityRules) -> list[Cand]:
    surnames = {}
    for c in cands:
        if c.label == "PER" and c.end - c.start >= 2:
            surnames.setdefault(doc[c.end - 1].text, c)
    if not surnames:
        return cands
    taken = {i for c in cands for i in range(c.start, c.end)}
    extra = []
    for tok in doc:
        if tok.i in taken:
            continue
        t = tok.text
        base = t if t in surnames else (t[:-1] if t.endswith("s") and t[:-1] in surnames else None)
        if base is None or er.never.is_never(t) or in_regions(doc, tok.idx, tok.idx + len(t)):
            continue
        extra.append(Cand(tok.i, tok.i + 1, "PER", "link:surname", TIER_RULE))
    # a gazetteer LOC equal to a surname of this document's persons is that person
    out = []
    for c in cands:
        if c.tier == TIER_GAZ and c.end - c.start == 1 and doc[c.start].text in surnames:
            c = Cand(c.start, c.end, "PER", "link:surname", TIER_RULE)
        out.append(c)
    return sorted(out + extra, key=lambda c: c.start)


# --------------------------------------------------------------------------- the component
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


class EntityRecognizer:
    def __init__(self, nlp: Language, er: EntityRules):
        self.er = er
        self.matcher = Matcher(nlp.vocab, validate=True)
        self.rule_ids: dict[int, tuple[str, str, bool]] = {}
        self.needs_flags = False
        for i, (label, rid, pattern, where, weak) in enumerate(er.token_patterns):
            pattern = compile_token_pattern(pattern, er)
            self.needs_flags = self.needs_flags or any(isinstance(t, dict) and "_" in t for t in pattern)
            key = f"{label}\x1f{rid}\x1f{i}"
            try:
                self.matcher.add(key, [pattern], greedy="LONGEST")
            except (ValueError, KeyError, TypeError) as exc:
                path, _, line = where.rpartition(":")
                raise RuleError(path, int(line) if line.isdigit() else None, f"invalid token pattern: {str(exc).strip().splitlines()[0][:200]}") from None
            self.rule_ids[nlp.vocab.strings[key]] = (label, rid, weak)

    def __call__(self, doc: Doc) -> Doc:
        er = self.er
        doc._.ent_lexicons = _token_flags(doc, er) if self.needs_flags else None
        cands: list[Cand] = []
        for ent in doc.ents:
            if not _model_span_ok(doc, ent, er):
                continue
            tier = TIER_MODEL_MISC if ent.label_ == "MISC" else TIER_MODEL
            c = _cand_ok(doc, Cand(ent.start, ent.end, ent.label_, ent._.source or "model", tier), er)
            if c and _single_word_ok(doc, c, er):
                cands.append(c)
        for c in _phrase_matches(doc, er):
            c = _cand_ok(doc, c, er)
            if c:
                cands.append(c)
        stage1 = _resolve(cands)
        _set_ents_plain(doc, stage1)
        for key, s, e in self.matcher(doc):
            label, rid, weak = self.rule_ids[key]
            c = _cand_ok(doc, Cand(s, e, label, f"rule:{rid}", TIER_WEAK if weak else TIER_RULE), er)
            if c:
                cands.append(c)
        final = _resolve(_demote_unmarked_model_orgs(doc, cands, er))
        final = _link_abbreviations(doc, final, er)
        final = _link_surnames(doc, final, er)
        _set_ents(doc, final)
        doc._.ent_lexicons = None
        return doc


def _set_ents_plain(doc: Doc, cands: list[Cand]) -> None:
    doc.ents = [Span(doc, c.start, c.end, label=c.label) for c in cands]


@Language.factory("de_entities", default_config={"rules_dirs": []})
def make_entities(nlp: Language, name: str, rules_dirs: list[str]):
    er = entity_rules(load_rules(rules_dirs))
    return EntityRecognizer(nlp, er)


# --------------------------------------------------------------------------- checks
def _ents_of(nlp: Language, text: str) -> list[tuple[str, str]]:
    doc = nlp(text)
    return [(e.text, e.label_) for e in doc.ents]


@rule_checker("entities")
def check_entity_rules(rules: Rules, config: dict, nlp) -> list[RuleError]:
    problems: list[RuleError] = []
    try:
        er = entity_rules(rules)
    except RuleError as exc:
        return [exc]
    from spacy.lang.de import German

    try:
        EntityRecognizer(German(), er)
    except RuleError as exc:
        problems.append(exc)
    if nlp is None or "de_entities" not in nlp.pipe_names:
        return problems
    for rel in (EXAMPLES, NEVER, ADMIN, GENDER):
        f = rules.file(rel)
        if f is None:
            continue
        for ex in (rules.yaml(f) or {}).get("examples") or []:
            problems.extend(run_example(nlp, ex, f.path))
    f = rules.file(ROLES)
    if f is not None:
        for ex in (rules.yaml(f) or {}).get("examples") or []:
            problems.extend(run_role_example(nlp, ex, f.path))
    return problems


def run_role_example(nlp: Language, ex: dict, path) -> list[RuleError]:
    """A roles.yaml example: `person` gets `role` (and `org_or_place`); person null = no role rows."""
    line = line_of(ex)
    doc = nlp(ex["text"])
    rows = (doc._.rows or {}).get("roles", [])
    if ex.get("person") is None:
        return [RuleError(path, line, f"example {ex['text']!r}: expected no role, got {[(r['person'], r['role']) for r in rows]}")] if rows else []
    hit = [r for r in rows if r["person"] == ex["person"]]
    if not hit:
        return [RuleError(path, line, f"example {ex['text']!r}: no role row for {ex['person']!r} (got {[(r['person'], r['role']) for r in rows]})")]
    r = hit[0]
    problems = []
    if "role" in ex and r["role"] != ex["role"]:
        problems.append(RuleError(path, line, f"example {ex['text']!r}: role {r['role']!r} != {ex['role']!r}"))
    if "org_or_place" in ex and r["org_or_place"] != ex["org_or_place"]:
        problems.append(RuleError(path, line, f"example {ex['text']!r}: org_or_place {r['org_or_place']!r} != {ex['org_or_place']!r}"))
    return problems


def run_example(nlp: Language, ex: dict, path) -> list[RuleError]:
    """Check one `examples:` entry: `ents` must be found, `never` / `not` must not be."""
    line = line_of(ex)
    doc = nlp(ex["text"])
    found = {(e.text, e.label_) for e in doc.ents}
    texts = {e.text for e in doc.ents}
    problems = []
    for item in ex.get("ents") or []:
        text, label = item[0], item[1]
        if (text, label) not in found:
            problems.append(RuleError(path, line, f"example {ex['text']!r}: expected {label} {text!r}, got {sorted(found)}"))
    for text in list(ex.get("never") or []) + list(ex.get("not") or []):
        if text in texts:
            problems.append(RuleError(path, line, f"example {ex['text']!r}: {text!r} must not be an entity"))
    if "mention" in ex:
        rows = (doc._.rows or {}).get("mentions", [])
        hit = [r for r in rows if r["text"] == ex["mention"]]
        if not hit:
            problems.append(RuleError(path, line, f"example {ex['text']!r}: no mention {ex['mention']!r}"))
        elif "admin_type" in ex and hit[0].get("admin_type") != ex["admin_type"]:
            problems.append(RuleError(path, line, f"example {ex['text']!r}: admin_type {hit[0].get('admin_type')!r} != {ex['admin_type']!r}"))
    if "canonical" in ex:
        rows = (doc._.rows or {}).get("mentions", [])
        want = ex["canonical"]
        if not any(r["canonical"] == want for r in rows):
            problems.append(RuleError(path, line, f"example {ex['text']!r}: no mention with canonical {want!r}"))
    return problems
