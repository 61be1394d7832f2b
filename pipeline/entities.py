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
   model spans (`Thilo Ulbert 1986`), an unclosed bracket (`Eva Muster (CDU`) and a trailing
   `und`.  Curated phrase patterns are exact and never trimmed.
3. Never list: a span that is no word (punctuation, digits, one letter: `"E"`, `Frau S.`) is
   dropped; so is a span whose text is in the never list (articles, months, weekdays,
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
5. Linking: `Name (ABK)` gives two mentions and later `ABK`s (two capitals at least); a
   capitalised token equal to the surname of a PER of the same document (`Herter` after
   `Marc Herter`) becomes PER; an institution word that is the title of the person right
   after it (`Stadtrat Peter Müller`) is no ORG.
6. Kind (`span._.kind`, `mentions.kind`): `generic` institution noun, `acronym` or `name`
   (`names/kinds.py`, `kinds.yaml`).  An entity inside a date (`Mariä Himmelfahrt`) is
   dropped later, by the normalise stage, which sees the dates rows.
"""
from __future__ import annotations

import re
from contextlib import contextmanager

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from .names.candidates import (
    Cand,
    demote_unmarked_model_orgs,
    model_span_ok,
    phrase_matches,
    resolve_overlaps,
    set_ents,
    single_word_ok,
    vet,
)
from .names.lexicon import (
    ADMIN,
    EXAMPLES,
    GENDER,
    NEVER,
    ROLES,
    TIER_MODEL,
    TIER_MODEL_MISC,
    TIER_RULE,
    TIER_WEAK,
    EntityRules,
    entity_rules,
    token_flags,
)
from .names.kinds import KINDS, KindRules, kind_rules, mention_kind
from .names.linking import drop_titles_read_as_institutions, link_abbreviations, link_surnames
from .names.patterns import check_token_pattern, compile_token_pattern, flag_word_predicates
from .rulebook import RuleError, Rules, line_of, load_rules, rule_checker


# --------------------------------------------------------------------------- the component
class EntityRecognizer:
    def __init__(self, nlp: Language, er: EntityRules, kinds: KindRules):
        self.er = er
        self.kinds = kinds
        # the validated patterns are compiled once per process (`rules check` and the build
        # share them); here their word predicates become Lexeme flags of this vocabulary
        self.matcher = Matcher(nlp.vocab, validate=False)
        self.rule_ids: dict[int, tuple[str, str, bool]] = {}
        checked = token_patterns(er.rules)
        self.needs_flags = any(isinstance(t, dict) and "_" in t for _, p, _, _ in checked for t in p)
        flagged = flag_word_predicates([p for _, p, _, _ in checked], nlp.vocab)
        for (key, _, where, rule_id), pattern in zip(checked, flagged):
            with _pattern_errors(where):
                self.matcher.add(key, [pattern], greedy="LONGEST")
            self.rule_ids[nlp.vocab.strings[key]] = rule_id

    def __call__(self, doc: Doc) -> Doc:
        er = self.er
        doc._.ent_lexicons = token_flags(doc, er) if self.needs_flags else None
        cands: list[Cand] = []
        for ent in doc.ents:
            if not model_span_ok(doc, ent, er):
                continue
            tier = TIER_MODEL_MISC if ent.label_ == "MISC" else TIER_MODEL
            c = vet(doc, Cand(ent.start, ent.end, ent.label_, ent._.source or "model", tier), er)
            if c and single_word_ok(doc, c, er):
                cands.append(c)
        for c in phrase_matches(doc, er):
            c = vet(doc, c, er)
            if c:
                cands.append(c)
        stage1 = resolve_overlaps(cands)
        _set_ents_plain(doc, stage1)
        for key, s, e in self.matcher(doc):
            label, rid, weak = self.rule_ids[key]
            c = vet(doc, Cand(s, e, label, f"rule:{rid}", TIER_WEAK if weak else TIER_RULE), er)
            if c:
                cands.append(c)
        final = drop_titles_read_as_institutions(doc, resolve_overlaps(demote_unmarked_model_orgs(doc, cands, er)))
        final = link_abbreviations(doc, final, er)
        final = link_surnames(doc, final, er)
        set_ents(doc, final)
        for ent in doc.ents:
            ent._.kind = mention_kind(ent, er, self.kinds)
        doc._.ent_lexicons = None
        return doc


def token_patterns(rules: Rules) -> list[tuple[str, list, str, tuple[str, str, bool]]]:
    """The token patterns of the entity rules as Matcher patterns, validated:
    (matcher key, pattern, `file:line`, (label, rule id, weak)); compiled once per
    process and rules layers."""
    return rules.compiled("entities.token_patterns", _check_token_patterns)


def _check_token_patterns(rules: Rules) -> list[tuple[str, list, str, tuple[str, str, bool]]]:
    er = entity_rules(rules)
    out = []
    for i, (label, rid, pattern, where, weak) in enumerate(er.token_patterns):
        pattern = compile_token_pattern(pattern, er)
        key = f"{label}\x1f{rid}\x1f{i}"
        with _pattern_errors(where):
            check_token_pattern(key, pattern)
        out.append((key, pattern, where, (label, rid, weak)))
    return out


@contextmanager
def _pattern_errors(where: str):
    """A pattern the Matcher refuses -> RuleError at the pattern's line."""
    try:
        yield
    except (ValueError, KeyError, TypeError, re.error) as exc:
        path, _, line = where.rpartition(":")
        raise RuleError(path, int(line) if line.isdigit() else None, f"invalid token pattern: {str(exc).strip().splitlines()[0][:200]}") from None


def _set_ents_plain(doc: Doc, cands: list[Cand]) -> None:
    doc.ents = [Span(doc, c.start, c.end, label=c.label) for c in cands]


@Language.factory(
    "de_entities",
    default_config={"rules_dirs": []},
    assigns=["doc.ents", "span._.source", "span._.canonical_hint", "span._.role", "span._.admin_type", "span._.kind"],
)
def make_entities(nlp: Language, name: str, rules_dirs: list[str]):
    rules = load_rules(rules_dirs)
    er = entity_rules(rules)
    return EntityRecognizer(nlp, er, kind_rules(rules, er))


# --------------------------------------------------------------------------- checks
@rule_checker("entities")
def check_entity_rules(rules: Rules, config: dict, nlp) -> list[RuleError]:
    problems: list[RuleError] = []
    try:
        er = entity_rules(rules)
        kinds = kind_rules(rules, er)
    except RuleError as exc:
        return [exc]
    try:
        token_patterns(rules)
    except RuleError as exc:
        problems.append(exc)
    if nlp is None or "de_entities" not in nlp.pipe_names:
        return problems
    for rel in (EXAMPLES, NEVER, ADMIN, GENDER, KINDS):
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
        else:
            for key in ("admin_type", "kind"):
                if key in ex and hit[0].get(key) != ex[key]:
                    problems.append(RuleError(path, line, f"example {ex['text']!r}: {key} {hit[0].get(key)!r} != {ex[key]!r}"))
    if "canonical" in ex:
        rows = (doc._.rows or {}).get("mentions", [])
        want = ex["canonical"]
        if not any(r["canonical"] == want for r in rows):
            problems.append(RuleError(path, line, f"example {ex['text']!r}: no mention with canonical {want!r}"))
    return problems
