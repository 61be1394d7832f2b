"""The German number parser: a pure function, property-tested by round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.figures import compile_rules
from pipeline.numbers import format_german, parse_digits, parse_number_word, parse_ordinal_word
from pipeline.rulebook import load_rules

GROUPS = [None, ".", " ", "\u202f", "\u00a0", "'"]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-10**12, max_value=10**12), st.sampled_from(GROUPS))
def test_integer_round_trip(n, group):
    assert parse_digits(format_german(n, 0, group)) == n


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-10**9, max_value=10**9), st.integers(min_value=1, max_value=4), st.sampled_from(GROUPS))
def test_decimal_round_trip(cents, decimals, group):
    value = cents / 10**decimals
    text = format_german(value, decimals, group)
    assert "," in text
    assert parse_digits(text) == pytest.approx(value, abs=10 ** -decimals)


@pytest.mark.parametrize("text,value", [
    ("2.113", 2113), ("1.200.000", 1200000), ("1,5", 1.5), ("12.500,00", 12500), ("40 000", 40000),
    ("40\u202f000", 40000), ("670'000", 670000), ("-0,20", -0.2), ("4,800", 4.8), ("2.000,352", 2000.352),
    ("−3", -3), ("+3,2", 3.2),
])
def test_formats(text, value):
    assert parse_digits(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["16.00", "13.07.2016", "1.5", "2.30", "12,", "1.2345", "abc", "", "1..000", "1.000 000"])
def test_not_numbers(text):
    assert parse_digits(text) is None


@pytest.fixture(scope="module")
def words():
    return compile_rules(load_rules()).words


# the German number words 0..9999 written out, parsed back
_U = ["", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
_T = {10: "zehn", 11: "elf", 12: "zwölf", 13: "dreizehn", 14: "vierzehn", 15: "fünfzehn", 16: "sechzehn",
      17: "siebzehn", 18: "achtzehn", 19: "neunzehn"}
_Z = ["", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"]


def _say(n: int) -> str:
    if n == 0:
        return "null"
    out = ""
    if n >= 1000:
        out += _U[n // 1000] + "tausend"
        n %= 1000
    if n >= 100:
        out += _U[n // 100] + "hundert"
        n %= 100
    if n >= 20:
        out += (_U[n % 10] + "und" if n % 10 else "") + _Z[n // 10]
    elif n >= 10:
        out += _T[n]
    elif n > 0:
        out += "eins" if n == 1 else _U[n]
    return out


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=999_999))
def test_number_word_round_trip(words, n):
    if n >= 1000:
        head = _say(n // 1000)
        head = head[:-1] if head.endswith("eins") else head  # einundzwanzigtausend, eintausend
        text = head + "tausend" + (_say(n % 1000) if n % 1000 else "")
    else:
        text = _say(n)
    assert parse_number_word(text, words) == n, text


@pytest.mark.parametrize("text,value", [
    ("eintausendachthundertzweiundfünfzig", 1852), ("einundzwanzig", 21), ("hundert", 100), ("zwölf", 12),
    ("dreihundertneunundneunzigtausendfuenfhundertneun", 399509), ("Hundertschaft", None), ("Einheit", None),
])
def test_number_words(words, text, value):
    assert parse_number_word(text, words) == value


@pytest.mark.parametrize("text,value", [("dritte", 3), ("zweiten", 2), ("siebzigste", 70), ("tausendste", 1000),
                                        ("beste", None), ("Liste", None), ("einhunderteinunddreißigste", 131)])
def test_ordinal_words(words, text, value):
    assert parse_ordinal_word(text, words) == value


@pytest.mark.parametrize("text,value", [
    ("achtzehnhundertzweiundfünfzig", 1852), ("neunzehnhundertneunzig", 1990), ("zweiundzwanzighundert", 2200),
    ("tausendundzwölf", 1012), ("hundertundzwölf", 112), ("siebenhunderteinundzwanzigtausendundzwölf", 721012),
    ("zweihundertsechsundfünfzigtausendundsiebenhunderteinundzwanzig", 256721),
    ("undzwölf", None), ("hundertund", None), ("tausendundtausend", None), ("neunhundert", 900),
])
def test_number_word_variants(words, text, value):
    """Teen/tens hundreds and an `und` after `hundert`/`tausend` (written and spoken German)."""
    assert parse_number_word(text, words) == value


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=999), st.integers(min_value=1, max_value=99))
def test_thousand_und_round_trip(words, thousands, rest):
    """`<n>tausendund<rest>` = n * 1000 + rest for every rest below 100."""
    head = _say(thousands)
    head = head[:-1] if head.endswith("eins") else head
    assert parse_number_word(head + "tausendund" + _say(rest), words) == thousands * 1000 + rest
