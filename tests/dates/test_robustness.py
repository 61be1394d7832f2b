"""Property tests: random German-ish text and digit strings never crash the stage, every
row's offsets slice the text, and every value is TIMEX3."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.dates import grammar_for
from pipeline.rulebook import load_rules
from pipeline.temporal.extract import extract
from pipeline.temporal.timex import is_timex

G = grammar_for(load_rules())
WORDS = ["am", "im", "seit", "vor", "bis", "ab", "Jahren", "Jahre", "Mai", "Jänner", "März", "Dienstag",
         "Wochenende", "heuer", "gestern", "morgen", "Uhr", "Mitte", "Ende", "drei", "zweimal", "pro",
         "Woche", "Die", "der", "alt", "-", "–", ".", ",", ":", "/", "%", "2018", "11.", "8.", "16:00", "\n"]
ANCHORS = st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()))


def _check(text, anchor):
    for r in extract(text, anchor, G):
        assert text[r["start_char"] : r["end_char"]] == r["text"]
        assert r["value"] == "" or is_timex(r["value"]), r


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS) | st.from_regex(r"[0-9]{1,5}", fullmatch=True), max_size=25), ANCHORS)
def test_random_german_tokens(tokens, anchor):
    _check(" ".join(tokens), anchor)


@settings(max_examples=150, deadline=None)
@given(st.from_regex(r"[0-9 .,:/\-–]{0,40}", fullmatch=True), ANCHORS)
def test_random_digit_strings(text, anchor):
    _check(text, anchor)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200), ANCHORS)
def test_random_unicode(text, anchor):
    _check(text, anchor)
