"""Pure German number parsing: digit strings and number words -> values.

Mechanism only.  The vocabulary of number words (units, teens, tens, scale words,
ordinal stems, fractions) comes from `pipeline/rules/figures/numbers.yaml` and is passed
in as a `NumberWords`; nothing here reads files or knows a spaCy `Doc`, so every function
is a pure function of its arguments (and property-tested with hypothesis).

Digit formats (German conventions):
- thousands groups with `.`, space, no-break/narrow no-break space or Swiss apostrophe:
  `2.113`, `1.200.000`, `40 000`, `40\u202f000`, `670'000`;
- decimal comma: `1,5`, `12.500,00`, `-0,20`; a comma followed by three digits is still
  a decimal comma (`4,800` = 4.8, as in German);
- a sign `-`, `−` (U+2212), `–` or `+` in front.
A dot followed by anything but exact three-digit groups is not a number (`16.00`,
`13.07.2016`, `1.5`): those are times, dates or versions, never figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SIGNS = "-−–+"
_GROUP_SEPS = ".'’ \u00a0\u202f\u2009"
_DIGITS_RE = re.compile(
    r"^(?P<sign>[-−–+])?"
    r"(?P<int>\d{1,3}(?:(?P<sep>[.'’ \u00a0\u202f\u2009])\d{3})(?:(?P=sep)\d{3})*|\d+)"
    r"(?:,(?P<frac>\d+))?$"
)


def parse_digits(text: str) -> float | None:
    """`2.113` -> 2113.0, `12.500,00` -> 12500.0, `-0,20` -> -0.2; None if not a number."""
    m = _DIGITS_RE.match(text.strip())
    if not m:
        return None
    digits = m.group("int")
    if m.group("sep"):
        digits = digits.replace(m.group("sep"), "")
    value = float(f"{digits}.{m.group('frac')}" if m.group("frac") else digits)
    if m.group("sign") and m.group("sign") != "+":
        value = -value
    return value


def format_german(value: float | int, decimals: int = 0, group: str | None = ".") -> str:
    """Format a number the German way (inverse of `parse_digits`, for tests and docs).

    `group` is the thousands separator (`.`, ` `, `\u202f`, `'`) or None for none.
    """
    neg = value < 0
    s = f"{abs(value):.{decimals}f}"
    whole, _, frac = s.partition(".")
    if group:
        parts = []
        while len(whole) > 3:
            parts.insert(0, whole[-3:])
            whole = whole[:-3]
        parts.insert(0, whole)
        whole = group.join(parts)
    out = whole + ("," + frac if frac else "")
    return ("-" if neg else "") + out


# --------------------------------------------------------------------------- words
@dataclass
class NumberWords:
    """The number-word vocabulary (from `figures/numbers.yaml`), lower-cased."""

    atoms: dict[str, int] = field(default_factory=dict)  # eins, zwei, zwölf, zwanzig, null ...
    unit_prefixes: dict[str, int] = field(default_factory=dict)  # ein, zwei .. neun (before und/hundert)
    hundred: tuple[str, ...] = ()  # hundert
    thousand: tuple[str, ...] = ()  # tausend
    conjunction: str = ""  # und (`einundzwanzig`)
    scales: dict[str, float] = field(default_factory=dict)  # million, millionen, mio., mrd. ...
    ordinal_stems: dict[str, int] = field(default_factory=dict)  # erst, dritt, siebt, acht
    ordinal_endings: tuple[str, ...] = ()  # e, en, er, es, em
    # regular ordinals: cardinal + suffix -> (min, max or None, other cardinals allowed):
    # st -> (20, None, (0,)) `zwanzigste`, `nullte`; t -> (2, 19, ()) `zweite`
    ordinal_suffixes: dict[str, tuple[int, int | None, tuple[int, ...]]] = field(default_factory=dict)
    fractions: dict[str, float] = field(default_factory=dict)  # drittel, viertel, hälfte, halb..
    specials: dict[str, float] = field(default_factory=dict)  # dutzend, anderthalb, eineinhalb


def _below_100(s: str, w: NumberWords) -> int | None:
    if s in w.atoms and w.atoms[s] < 100:
        return w.atoms[s]
    c = w.conjunction
    if c in s:
        left, _, right = s.partition(c)
        u = w.unit_prefixes.get(left)
        t = w.atoms.get(right)
        if u is not None and t is not None and 20 <= t < 100 and t % 10 == 0:
            return u + t
    return None


def _after_conjunction(right: str, w: NumberWords, below=None) -> int | None:
    """`und zwölf` after `hundert`/`tausend` (`hundertundzwölf` 112, `tausendundzwölf` 1012,
    `tausendundsiebenhundert` 1700): the rest after the conjunction."""
    c = w.conjunction
    if right.startswith(c) and len(right) > len(c):
        return (below or _below_100)(right[len(c):], w)
    return None


def _below_1000(s: str, w: NumberWords) -> int | None:
    for h in w.hundred:
        if h in s:
            left, _, right = s.partition(h)
            mult = 1 if left == "" else w.unit_prefixes.get(left)
            if mult is None and left:
                # `achtzehnhundert` 1800, `zweiundzwanzighundert` 2200
                m = _below_100(left, w)
                mult = m if m is not None and m >= 10 else None
            if mult is None:
                return None
            rest = 0 if right == "" else _below_100(right, w)
            if rest is None:
                rest = _after_conjunction(right, w)
            if rest is None:
                return None
            return mult * 100 + rest
    return _below_100(s, w)


def parse_number_word(word: str, w: NumberWords) -> int | None:
    """A single German number word: `zwölf` 12, `einundzwanzig` 21,
    `eintausendachthundertzweiundfünfzig` 1852, `achtzehnhundertzweiundfünfzig` 1852,
    `hunderttausend` 100000, `tausendundzwölf` 1012; else None."""
    s = word.lower().replace("-", "")
    if not s:
        return None
    if s in w.atoms:
        return w.atoms[s]
    for t in w.thousand:
        if t in s:
            left, _, right = s.partition(t)
            mult = 1 if left == "" else (w.unit_prefixes.get(left) or _below_1000(left, w))
            if mult is None and left:
                # `hunderteintausend`: a unit prefix ends the multiplier (ein -> eins)
                for pre, val in w.unit_prefixes.items():
                    if left.endswith(pre):
                        head = left[: -len(pre)]
                        hv = _below_1000(head, w) if head else 0
                        if hv is not None and (hv % 100) == 0:
                            mult = hv + val
                            break
            if mult is None or mult == 0:
                return None
            rest = 0 if right == "" else _below_1000(right, w)
            if rest is None:
                rest = _after_conjunction(right, w, _below_1000)
            if rest is None:
                return None
            return mult * 1000 + rest
    return _below_1000(s, w)


def parse_ordinal_word(word: str, w: NumberWords) -> int | None:
    """`dritte` 3, `fünfundzwanzigster` 25, `hundertsten` 100, `siebte` 7; else None."""
    s = word.lower()
    for ending in sorted(w.ordinal_endings, key=len, reverse=True):
        if ending and not s.endswith(ending):
            continue
        stem = s[: len(s) - len(ending)] if ending else s
        if not stem:
            continue
        if stem in w.ordinal_stems:
            return w.ordinal_stems[stem]
        # compounds ending in an irregular stem: hundertdritt, einundzwanzigst is regular
        for irr, val in w.ordinal_stems.items():
            if stem.endswith(irr) and len(stem) > len(irr):
                head = parse_number_word(stem[: -len(irr)], w)
                if head is not None and head >= 100:
                    return head + val
        v = _regular_ordinal(stem, w)
        if v is not None:
            return v
    return None


def _regular_ordinal(stem: str, w: NumberWords) -> int | None:
    """`zwanzigst` 20, `zweit` 2: a cardinal and the suffix of its range."""
    for suffix, (low, high, also) in w.ordinal_suffixes.items():
        if stem.endswith(suffix):
            v = parse_number_word(stem[: -len(suffix)], w)
            if v is not None and ((v >= low and (high is None or v <= high)) or v in also):
                return v
    return None
