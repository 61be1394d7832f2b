"""What stands around a number and changes its value: qualifiers (`über` -> `>`, unless a
preposition after an amount noun: `Scheck über 500 Euro`), vague amounts (`mehrere hundert`),
sign words (`minus 5`) and ranges (`20 bis 30`, `20–30`, `zwischen 19 und 45`)."""

from __future__ import annotations

from ..numbers import parse_digits
from .numeral import extend, number_at
from .scan import Num, Scan, is_cap


def qualifier(scan: Scan, start: int) -> tuple[str | None, int]:
    """The qualifier phrase ending right before token `start`: (symbol, its first token)."""
    hit = scan.fr.qualifiers and scan.match_backward(start, scan.fr.qualifiers)
    if hit:
        sym, s = hit
        if not any(scan.blocked[k] for k in range(s, start)) and not _preposition(scan, s, start):
            return sym, s
    return None, start


def _preposition(scan: Scan, s: int, start: int) -> bool:
    """`den Auftrag über 1,8 Mio. Euro`: the qualifier phrase doc[s:start] follows an amount noun."""
    heads = scan.fr.preposition_after_nouns.get(tuple(t.text.lower() for t in scan.doc[s:start]))
    if not heads or s == 0:
        return False
    noun = scan.doc[s - 1]
    return is_cap(noun) and (noun.lemma_.lower().endswith(heads) or noun.text.lower().endswith(heads))


def prefix_words(scan: Scan, num: Num) -> int:
    """`mehrere hundert` (>= 200), `minus 5` (-5): the word joins the figure; its new start."""
    fr = scan.fr
    start = num.start
    if start == 0:
        return start
    prev = scan.doc[start - 1]
    prev_low = prev.text.lower()
    vague = fr.vague_before_scale and num.is_word and (num.value >= 100 or scan.low(start) in fr.specials) \
        and scan.match_backward(start, fr.vague_before_scale)
    if vague:
        vb, start = vague
        num.value *= float(vb["factor"])
        num.qualifier = vb["qualifier"]
        num.vague = True
    if prev_low in fr.sign_words and num.value > 0 and num.value_max is None \
            and num.hint is None and start == num.start and (prev.text[:1].islower() or prev.is_sent_start):
        # (`das Minus 5,1 Prozent`: the capitalised noun is no sign)
        num.value = -num.value
        start = start - 1
    return start


def _range_end(scan: Scan, num: Num, k: int) -> Num | None:
    """The number closing a range at token k (greater than the first one)."""
    if k >= scan.n or scan.blocked[k]:
        return None
    other = number_at(scan, k)
    if other is None or other.hint is not None or other.article:
        return None
    other = extend(scan, other)
    if other.value > num.value or (other.value >= num.value and other.end > other.start):
        return other
    return None


def attach_range(scan: Scan, num: Num, row: dict, start: int, q_start: int) -> tuple[int, int]:
    """`20 bis 30`, `20 - 30`, `zwischen 19 und 45`: sets value_max; (end, q_start)."""
    fr, doc = scan.fr, scan.doc
    end = num.end
    j = scan.next(end)
    if num.value_max is not None or num.hint is not None or j >= scan.n:
        return end, q_start
    conn = scan.low(j)
    between = q_start == start and scan.low(num.start - 1) in fr.range_openers and num.start > 0
    if not ((conn in fr.range_connectors and not between) or (conn in fr.range_closers and between)):
        return end, q_start
    k = scan.next(j + 1)
    other = _range_end(scan, num, k)
    if other is None:
        return end, q_start
    if other.value / max(num.value, 1e-9) >= 1000 and num.value < 1000:
        # `100 bis 300 Milliarden`: the scale applies to both ends
        scale = other.value / parse_digits(doc[k].text) if parse_digits(doc[k].text) else 1
        num.value *= scale
        row["value"] = num.value
        num.scaled = num.scaled or other.scaled
    row["value_max"] = other.value
    num.raw_int = num.raw_int and other.raw_int
    if between:
        q_start = start - 1
    return other.end, q_start
