"""Stage 5, figures: German numbers with qualifier, unit and kind -> `figures` rows.

What it finds: digit numbers in German formats (`2.113`, `12.500,00`, `40 000`, `670'000`,
`-0,20`; next to a Swiss currency `Fr. 1.80`), number words (`einundzwanzig`, `zwei
Millionen`, `Dutzend`, `minus 5`), ranges (`20 bis 30`, `20–30`, `zwischen 19 und 45`),
fractions (`ein Drittel`, `die Hälfte`, `jeder zweite`, `zu zwei Dritteln`, `3/4`),
multipliers (`dreimal`, `zweifach`), ordinals that count (`dritte Einrichtung`,
`61. Lebensjahr`), each with its qualifier (`über` -> `>`), unit and kind:
count (the counted noun's lemma), percent (`of` = what it is a share of), money (ISO
code), measure (units, ages), multiplier, ordinal.  Every row names the rule that made it
(`rule`: `money.amount_with_scale`, declared with examples and negatives in
`pipeline/rules/figures/rules/*.yaml`).  The mechanism is the `pipeline/quantities/`
package; this module is the spaCy component and the rule checks.
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
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from .document import add_rows
from .layout import normalise_text, parse_structure
from .numbers import parse_number_word, parse_ordinal_word
from .quantities import RULE_FILES, FigureRules, compile_rules, find_figures
from .rulebook import RuleError, Rules, load_rules, rule_checker

__all__ = ["RULE_FILES", "FiguresComponent", "compile_rules", "find_figures", "run_examples"]


class FiguresComponent:
    """The `de_figures` component: the figure rules are compiled once, kept here."""

    def __init__(self, rules: FigureRules):
        self.rules = rules

    def __call__(self, doc: Doc) -> Doc:
        add_rows(doc, "figures", find_figures(doc, self.rules))
        return doc


def figure_rules(rules: Rules) -> FigureRules:
    """The compiled figure rules for these rules (compiled once per process and rules)."""
    return rules.compiled("figures.rules", compile_rules)


@Language.factory("de_figures", default_config={"rules_dirs": []}, assigns=["doc._.rows"])
def make_figures(nlp: Language, name: str, rules_dirs: list[str]):
    return FiguresComponent(figure_rules(load_rules(rules_dirs)))


# --------------------------------------------------------------------------- checks
def _differs(key: str, want, got) -> bool:
    if key in ("value", "value_max") and want is not None and got is not None:
        return abs(float(want) - float(got)) > 1e-6 * max(1, abs(float(want)))
    return want != got


def _compare(expected: list[dict], got: list[dict]) -> str | None:
    if len(expected) != len(got):
        return f"expected {len(expected)} figure(s), got {len(got)}: {[(g['text'], g['value'], g['unit']) for g in got]}"
    for e, g in zip(expected, got):
        for k, v in e.items():
            if _differs(k, v, g.get(k)):
                return f"{k}: expected {v!r}, got {g.get(k)!r} ({g['text']!r})"
    return None


def figures_of(nlp: Language, text: str) -> list[dict]:
    """The figure rows of one text run through the whole pipeline (as a document would)."""
    text = normalise_text(text)
    doc = nlp.make_doc(text)
    meta, regions = parse_structure(text)
    doc._.metadata, doc._.regions, doc._.rows = meta, regions, {}
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc._.rows.get("figures", [])


def _word_example(ex: dict, fr: FigureRules) -> str | None:
    """A number-word example of `numbers.yaml` (`{text, value}` or `{text, ordinal}`)."""
    if "value" in ex:
        got = parse_number_word(str(ex["text"]), fr.words)
        if got != ex["value"]:
            return f"{ex['text']!r}: expected {ex['value']}, got {got}"
    if "ordinal" in ex:
        got = parse_ordinal_word(str(ex["text"]), fr.words)
        if got != ex["ordinal"]:
            return f"{ex['text']!r}: expected ordinal {ex['ordinal']}, got {got}"
    return None


def run_examples(nlp: Language | None, rules: Rules, fr: FigureRules | None = None) -> list[RuleError]:
    """Run the `examples:` of every figure vocabulary file (nlp None: number words only)."""
    fr = fr or figure_rules(rules)
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
                err = _word_example(ex, fr)
            elif nlp is None:
                continue
            else:
                err = _compare(list(ex["figures"] or []), figures_of(nlp, str(ex["text"])))
                err = err and f"example {ex['text']!r}: {err}"
            if err:
                problems.append(RuleError(f.path, line, err))
    return problems


def check_rule_example(nlp: Language, rule_id: str, ex) -> str | None:
    """None when a rule's example passes: a figure with the `match` text, made by that rule,
    with the expected fields."""
    rows = figures_of(nlp, ex.text)
    hit = [r for r in rows if r["text"] == ex.match]
    if not hit:
        return f"expected {ex.match!r}, found {[r['text'] for r in rows]}"
    if hit[0]["rule"] != rule_id:
        return f"{ex.match!r} was found by rule {hit[0]['rule']}"
    for key, want in ex.expect.items():
        if _differs(key, want, hit[0].get(key)):
            return f"{key} {hit[0].get(key)!r}, expected {want!r}"
    return None


def rule_example_problems(nlp: Language, fr: FigureRules) -> list[RuleError]:
    """Every rule's examples (found by that rule) and negatives (that rule does not fire)."""
    problems = []
    for rule in fr.rules.values():
        for ex in rule.examples:
            msg = check_rule_example(nlp, rule.id, ex)
            if msg:
                problems.append(RuleError(rule.path, ex.line, f"{rule.id}: example {ex.text!r}: {msg}"))
        for text, line in rule.negatives:
            fired = [r["text"] for r in figures_of(nlp, text) if r["rule"] == rule.id]
            if fired:
                problems.append(RuleError(rule.path, line, f"{rule.id}: negative example {text!r} matched {fired[0]!r}"))
    return problems


@rule_checker("figures")
def check_figure_rules(rules: Rules, config: dict, nlp) -> list[RuleError]:
    try:
        fr = figure_rules(rules)
    except RuleError as exc:
        return [exc]
    if nlp is None:
        return []
    return run_examples(nlp, rules, fr) + rule_example_problems(nlp, fr)
