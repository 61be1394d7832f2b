"""The per-rule literal prefilter (temporal/prefilter.py): every match of a pattern
contains one of its required literals, so skipping windows without them loses nothing."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.dates import grammar_for
from pipeline.rulebook import load_rules
from pipeline.temporal.extract import extract
from pipeline.temporal.prefilter import required_literals


def test_literals_of_plain_patterns():
    assert required_literals(r"(?<!\w)(?:am|im)\s+(?P<m>Mai|Juni)\b") == {"Mai", "Juni"}
    assert required_literals(r"\d+\s*(?:Uhr|h)") == {"Uhr", "h"}
    assert required_literals(r"[Hh]eute") == {"eute"}
    assert required_literals(r"(?:Jahr)?\d+") is None  # optional: nothing required
    assert required_literals(r"(?i:jahr)\s+\d+") is None  # case-insensitive: not literal
    assert required_literals(r"(?:Jahr|\d)") is None  # a branch without literal


def test_every_rule_example_contains_a_literal_of_its_rule():
    grammar = grammar_for(load_rules([]))
    checked = 0
    for rule in grammar.rules:
        if rule.literals is None:
            continue
        for ex in rule.examples:
            hit = [r for r in extract(ex.text, ex.anchor, grammar) if r["rule"] == rule.id]
            for row in hit:
                text = ex.text[row["start_char"]:row["end_char"]]
                assert any(lit in ex.text for lit in rule.literals), (rule.id, text)
                checked += 1
    assert checked > 100


PIECES = ["Mai", "Juni", "am ", "im ", r"\d+", r"\s*", "[Hh]eute", "(?:Uhr|h)", "(?:Jahr)?", "(?:ab|bis)+", "x{2}", r"\.",
          "(?:Woche|Tag)n?", "(?i:mai)", "(?<!a)", "(?:)"]
ALPHABET = "MaiJunhHeutUrWochTgbsx .0123456789"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=5), st.text(ALPHABET, max_size=40))
def test_a_match_always_contains_a_required_literal(pieces, text):
    pattern = "".join(pieces)
    lits = required_literals(pattern)
    m = regex.search(pattern, text)
    if lits is not None and m is not None:
        assert any(lit in m.group(0) for lit in lits), (pattern, text, lits)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text("0123456789", min_size=1, max_size=5), st.integers(min_value=0, max_value=400),
                          st.sampled_from([" ", "a", ".", "\n", "ä"])), max_size=12),
       st.sampled_from([1, 30, 60]))
def test_digit_windows_match_the_merging_loop(parts, window):
    """`digit_windows` (one regex over digit runs and their gaps) gives the windows of the
    per-match merging loop `windows(text, grammar, digits)`, gaps around 6 windows included."""
    from dataclasses import replace

    from pipeline.temporal.extract import _DIGITS, digit_windows, windows

    grammar = replace(grammar_for(load_rules([])), window=window)
    text = "".join(fill * gap + digits for digits, gap, fill in parts)
    assert digit_windows(text, grammar) == windows(text, grammar, _DIGITS)
