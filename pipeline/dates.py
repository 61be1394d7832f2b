"""Stage 4, dates: German temporal expressions -> `dates` rows with TIMEX3 values.

Where things live
- Rules and vocabularies are data: `pipeline/rules/dates/` (start with its README.md;
  a rule is found by the id in the `rule` column: `calendar.month_year` is in
  `rules/calendar.yaml`).  Every rule carries positive and negative examples that run in
  `python -m pipeline rules check` and in `tests/dates/`.
- Mechanism: `pipeline/temporal/` (grammar compilation, matching, TIMEX3 resolution).

Detection is by these rules only.  `dateparser` is never the detector (its
`search_dates` turns `Die` into Tuesday, `70%` into 1970 and `1,5` into 5 January); the
evaluation (`make eval-dates`) compares against it.

Ownership rule with the figures stage: the dates stage runs first and owns every number
inside a temporal expression, including durations (`vor 50 Jahren`, `drei Monaten`,
`seit 2011`, `zweimal pro Woche`).  Ages (`20 Jahre alt`, `28-jährige`, `im Alter von 20
Jahren`) are NOT dates: they are figures.  The figures stage skips characters covered by
a `dates` row (`date_spans(doc)`).

Values are TIMEX3 (ISO 8601 extended), resolved against `doc._.doc_date`: a day, month or
quarter without a year takes the document's year (last year's when its clause is past and
it would start after the document's month: `seit Dezember`, `im Dezember stieg`, written in
January; `rules/dates/tense.yaml`), weekdays the latest such day on or before the document
date (next one in future clauses, after `ab` or `kommenden`), clock times the day named in
the same sentence.  Without a document date the year stays `XXXX`, and
purely deictic expressions (`gestern`, `heuer`) get an empty value.

Header/footer regions are not prose and are skipped, except that a header value that is a
date or time (`Uhrzeit | 16:00 |`) gives a row (offsets of the value in the text; a time
there takes the document date when there is one).
"""

from __future__ import annotations

import re
from datetime import date

from spacy.language import Language
from spacy.tokens import Doc

from .checks import rule_checker
from .rules import RuleError, Rules, load_rules
from .temporal.extract import extract
from .temporal.grammar import Grammar, compile_grammar
from .temporal.timex import granularity
from .tokenize import add_rows

_GRAMMARS: dict[str, Grammar] = {}


def grammar_for(rules: Rules) -> Grammar:
    """The compiled date grammar for these rules (cached by the rules' fingerprint)."""
    key = rules.fingerprint()
    g = _GRAMMARS.get(key)
    if g is None:
        g = _GRAMMARS[key] = compile_grammar(rules)
    return g


def _month_table(rules: Rules) -> dict[str, int]:
    data = rules.yaml("dates/months.yaml")
    return {name: int(num) for num, names in data["months"].items() for name in names}


def anchor_date(text: str, rules: Rules) -> str | None:
    """The first full calendar date in `text` as ISO; of a day range, its last day.

    `8. – 11. November 2018` -> 2018-11-11; `13.07.2016` -> 2016-07-13.
    """
    months = _month_table(rules)
    names = "|".join(sorted((re.escape(m) for m in months), key=len, reverse=True))
    pattern = re.compile(
        rf"(?:(?P<d1>\d{{1,2}})\.\s*(?:(?P<m1>{names})\s*)?[–—-]\s*)?(?P<d>\d{{1,2}})\.\s*(?P<m>{names})\s*(?P<y>\d{{4}})"
        rf"|(?P<nd>\d{{1,2}})\.(?P<nm>\d{{1,2}})\.(?P<ny>\d{{4}})"
        rf"|(?P<iy>\d{{4}})-(?P<im>\d{{2}})-(?P<id>\d{{2}})"
    )
    for m in pattern.finditer(text):
        try:
            if m.group("y"):
                value = date(int(m.group("y")), months[m.group("m")], int(m.group("d")))
            elif m.group("ny"):
                value = date(int(m.group("ny")), int(m.group("nm")), int(m.group("nd")))
            else:
                value = date(int(m.group("iy")), int(m.group("im")), int(m.group("id")))
        except ValueError:
            continue
        return value.isoformat()
    return None


def date_spans(doc: Doc) -> list[tuple[int, int]]:
    """Character ranges owned by the dates stage (for the figures stage to skip)."""
    return [(r["start_char"], r["end_char"]) for r in (doc._.rows or {}).get("dates", [])]


def find_dates(doc: Doc, grammar: Grammar) -> list[dict]:
    """The `dates` rows for one Doc (prose outside header/footer + header date values)."""
    text = doc.text
    anchor = doc._.doc_date or None
    regions = [(s, e) for s, e, k in (doc._.regions or ()) if k in ("header", "footer", "code")]
    sentences = None
    if doc.has_annotation("SENT_START"):
        sentences = [(s.start_char, s.end_char) for s in doc.sents]
    rows = extract(text, anchor, grammar, sentences=sentences, skip=regions)
    rows.extend(header_dates(text, doc._.metadata or [], anchor, grammar))
    rows.sort(key=lambda r: (r["start_char"], r["end_char"], r["rule"]))
    return rows


def header_dates(text: str, metadata: list[dict], anchor: str | None, grammar: Grammar) -> list[dict]:
    """Rows for header values that are dates or times (`Uhrzeit | 16:00 |`)."""
    out = []
    for meta in metadata:
        if meta.get("section") != "header" or meta.get("start_char") is None:
            continue
        s, e = int(meta["start_char"]), int(meta["end_char"])
        value_text = text[s:e]
        for r in extract(value_text, anchor, grammar):
            r["start_char"] += s
            r["end_char"] += s
            if r["type"] == "TIME" and anchor and r["value"].startswith("T"):
                r["value"] = "/".join(anchor + p for p in r["value"].split("/"))
                r["granularity"] = granularity(r["value"])
                r["anchor"] = anchor
            out.append(r)
    return out


@Language.factory("de_dates", default_config={"rules_dirs": []})
def make_dates(nlp: Language, name: str, rules_dirs: list[str]):
    grammar = grammar_for(load_rules(rules_dirs))

    def dates(doc: Doc) -> Doc:
        add_rows(doc, "dates", find_dates(doc, grammar))
        return doc

    return dates


# --------------------------------------------------------------------------- rule check
def run_example(grammar: Grammar, text: str, anchor: str | None) -> list[dict]:
    return extract(text, anchor, grammar)


def example_problems(grammar: Grammar) -> list[RuleError]:
    """Run every rule's and veto's examples; each failure is a RuleError at its line."""
    problems: list[RuleError] = []
    for rule in grammar.rules:
        for ex in rule.examples:
            msg = check_example(grammar, rule.id, ex)
            if msg:
                problems.append(RuleError(rule.path, ex.line, f"{rule.id}: example {ex.text!r}: {msg}"))
        for text, line, anchor in rule.negatives:
            rows = [r for r in run_example(grammar, text, anchor) if r["rule"] == rule.id]
            if rows:
                problems.append(RuleError(rule.path, line, f"{rule.id}: negative example {text!r} matched {rows[0]['text']!r}"))
    for veto in grammar.vetoes:
        for text in veto.examples:
            rows = run_example(grammar, text, "2018-11-11")
            if rows:
                problems.append(RuleError(veto.path, veto.line, f"veto {veto.id}: example {text!r} still gives {rows[0]['text']!r}"))
    return problems


def check_example(grammar: Grammar, rule_id: str, ex) -> str | None:
    """None when the example passes, else what went wrong."""
    rows = run_example(grammar, ex.text, ex.anchor)
    target = ex.match or ex.text
    hit = [r for r in rows if r["text"] == target]
    if not hit:
        return f"expected {target!r}, found {[r['text'] for r in rows]}"
    r = hit[0]
    if r["rule"] != rule_id:
        return f"{target!r} was matched by rule {r['rule']}"
    if ex.value is not None and r["value"] != ex.value:
        return f"value {r['value']!r}, expected {ex.value!r}"
    for key, want in ex.expect.items():
        if (r.get(key) or None) != want:
            return f"{key} {r.get(key)!r}, expected {want!r}"
    return None


@rule_checker("dates")
def check_date_rules(rules: Rules, config: dict, nlp) -> list[RuleError]:
    try:
        grammar = compile_grammar(rules)
    except RuleError as exc:
        return [exc]
    return example_problems(grammar) if nlp is not None else []
