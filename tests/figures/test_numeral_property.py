"""The numeral recogniser in running text, property-tested: a German digit number in any
grouping before a unit or counted noun is one figure with that value, unit and rule."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.figures import figures_of
from pipeline.ingest import normalise_text
from pipeline.numbers import format_german

UNITS = {"Mitglieder": ("Mitglied", "count.noun"), "Euro": ("EUR", "money.amount"),
         "Prozent": ("%", "percent.amount"), "Kilometer": ("km", "measure.unit")}


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=2, max_value=10**9), st.sampled_from([None, ".", " ", "\u202f", "'"]), st.sampled_from(sorted(UNITS)))
def test_grouped_number_before_a_unit(blank_nlp, n, group, word):
    number = format_german(n, 0, group)
    if number.isdigit() and len(number) == 5:
        group = "."  # an ungrouped five-digit number before a noun is read as a postal code (`80331 München`)
        number = format_german(n, 0, group)
    got = [(r["text"], r["value"], r["unit"], r["rule"]) for r in figures_of(blank_nlp, f"Der Verein meldet {number} {word} im Bericht.")]
    assert got == [(normalise_text(f"{number} {word}"), float(n), *UNITS[word])]
