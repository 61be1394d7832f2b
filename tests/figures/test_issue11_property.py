"""Property tests for the parsers of issue 11: multiplier verbs, glued scale letters, vague
amounts and coordinated compounds, over the vocabulary of the rule files."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipeline.figures import figures_of
from pipeline.numbers import format_german
from pipeline.quantities import compile_rules
from pipeline.rulebook import load_rules

FR = compile_rules(load_rules())
STEMS = sorted(FR.mult_verbs)
ENDINGS = sorted(FR.mult_verb_endings)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(STEMS), st.sampled_from(ENDINGS))
def test_every_multiplier_verb_form_has_its_stems_value(stem, ending):
    assert FR.mult_verb(stem + ending) == FR.mult_verbs[stem]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdefghilnorstuvwzäöü", min_size=1, max_size=16))
def test_words_without_a_multiplier_stem_are_no_multiplier(word):
    assume(not any(word.startswith(s) for s in STEMS))
    assert FR.mult_verb(word) is None


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(STEMS), st.text(alphabet="abcdefghklmnoprsz", min_size=1, max_size=8))
def test_a_stem_with_any_other_ending_is_no_multiplier(stem, tail):
    assume(tail not in ENDINGS)
    assert FR.mult_verb(stem + tail) is None


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=10, max_value=999_999), st.sampled_from(["k", "K"]))
def test_glued_thousands_on_two_or_more_digits(blank_nlp, n, letter):
    got = [(r["text"], r["value"], r["unit"]) for r in figures_of(blank_nlp, f"Das Video hatte {n}{letter} Aufrufe im Netz.")]
    assert got == [(f"{n}{letter} Aufrufe", float(n) * 1000, "Aufruf")]


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=1, max_value=99_999), st.integers(min_value=1, max_value=9), st.sampled_from(["M", "G"]))
def test_glued_millions_only_on_decimals(blank_nlp, whole, tenth, letter):
    number = f"{format_german(whole, 0, '.')},{tenth}"
    got = [r["value"] for r in figures_of(blank_nlp, f"Der Kanal hat {number}{letter} Abonnenten.")]
    factor = 1e6 if letter == "M" else 1e9
    assert got == [pytest.approx((whole + tenth / 10) * factor)]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["mehrere", "einige", "etliche", "ein paar"]), st.sampled_from([("hundert", 100), ("tausend", 1000), ("Dutzend", 12)]),
       st.sampled_from([("Besucher", "Besucher"), ("Menschen", "Mensch"), ("Anwohner", "Anwohner")]))
def test_vague_amounts_are_at_least_two_of_the_scale(blank_nlp, vague, scale, noun):
    text = f"Am Samstag kamen {vague} {scale[0]} {noun[0]} in die Innenstadt."
    got = [(r["text"], r["value"], r["qualifier"], r["unit"], r["rule"]) for r in figures_of(blank_nlp, text)]
    assert got == [(f"{vague} {scale[0]} {noun[0]}", 2.0 * scale[1], ">=", noun[1], "count.vague")]


PARTS = ["Einbruchs", "Diebstahls", "Betrugs", "Raub", "Verkehrs", "Drogen"]


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=5000), st.lists(st.sampled_from(PARTS), min_size=2, max_size=3, unique=True),
       st.sampled_from(["und", "oder"]))
def test_coordinated_compounds_keep_every_part(blank_nlp, n, parts, conj):
    *heads, last = parts
    written = ", ".join(f"{h}-" for h in heads[:-1]) + (", " if len(heads) > 1 else "") + f"{heads[-1]}- {conj} {last}delikte"
    unit = written[: -len("delikte")] + "delikt"
    got = [(r["value"], r["unit"], r["rule"]) for r in figures_of(blank_nlp, f"Die Polizei zählte {n} {written} im Jahr.")]
    assert got == [(float(n), unit, "count.coordinated_compound")]
