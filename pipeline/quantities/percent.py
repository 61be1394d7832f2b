"""Percentages: a percent unit after the number (`70%`, `15 Prozentpunkte`), what it is a
share of (`70% der Wählerschaft` -> of `Wählerschaft`), and shares written as fractions
(`ein Drittel der Stimmen`, `die Hälfte`, `jeder zweite`, `3/4 der Befragten` -> 33.33 %, …)."""

from __future__ import annotations

from .declarations import rule_id
from .nouns import noun_after, unit_lemma
from .scan import Num, Scan, is_cap

AMOUNT = rule_id("percent.amount")
GLUED = rule_id("percent.glued")
FRACTION = rule_id("percent.fraction")
DROP = object()  # the number is not a figure


def share_of(scan: Scan, end: int, row: dict) -> None:
    """`70% der Wählerschaft`: `of` = the noun after a percent_of word."""
    fr, s = scan.fr, row.get("_num_start")
    if s is not None and s > 0 and scan.low(s - 1) in fr.percent_no_of_after and not (s > 1 and scan.low(s - 2) in fr.percent_of_unless):
        return  # `zu 75 Prozent der Freistaat`: adverbial, the noun is the subject
    k = scan.next(end)
    if k < scan.n and scan.low(k) in fr.percent_of:
        na = noun_after(scan, k + 1)
        if na:
            row["of"] = unit_lemma(scan, scan.doc[na[1]])


def after(scan: Scan, j: int, row: dict) -> bool:
    """A percent unit at token j (`Prozent`, `%`, `v. H.`)."""
    hit = scan.match_forward(j, scan.fr.percent)
    if not hit:
        return False
    source = "symbol" if not scan.doc[j].is_alpha else "word"
    row.update(unit=hit[0], kind="percent", unit_source=source, rule=AMOUNT, _unit_end=hit[1])
    share_of(scan, hit[1], row)
    return True


def _label(scan: Scan, num: Num, end: int) -> bool:
    """`Teil 1/2`, `(1/2)`, `Linz 1/3`: a label or score, not a share."""
    if num.start == 0 or "/" not in scan.doc[num.start : num.end].text or scan.share_after(end):
        return False
    prev = scan.doc[num.start - 1]
    return prev.text == "(" or (is_cap(prev) and prev.is_alpha and not prev.is_sent_start)


def fraction(scan: Scan, num: Num, row: dict, end: int):
    """A share (`ein Drittel der Stimmen` = 33.33 %): the unit end, DROP, or None when the
    fraction is an amount in a unit after it (`drei Viertel Liter`)."""
    if scan.unit_ahead(end):
        num.hint = None
        return None
    if _label(scan, num, end):
        return DROP
    row.update(value=num.value * 100, unit="%", kind="percent", unit_source="fraction", rule=FRACTION)
    unit_end = end
    k = scan.next(end)
    if k < scan.n and scan.low(k) in scan.fr.percent_of:
        na = noun_after(scan, k + 1)
        if na:
            row["of"] = unit_lemma(scan, scan.doc[na[1]])
    elif num.start_char is not None:
        na = noun_after(scan, end)  # `jeder zweite Deutsche`
        if na:
            row["of"] = unit_lemma(scan, scan.doc[na[1]])
            unit_end = na[1] + 1
    return unit_end
