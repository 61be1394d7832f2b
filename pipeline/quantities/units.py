"""Unit attachment: the unit of a number, after it (percent, currency, measure, age, counted
noun -- first that matches) or glued to it (`75ml`, `12.345$`).  A time unit after a number
(`drei Monate`, `16 Uhr`) drops it: durations and times are the dates stage's."""

from __future__ import annotations

from . import count, measure, money, percent
from .scan import Num, Scan

GLUED = {"percent": percent.GLUED, "money": money.GLUED, "measure": measure.GLUED}


def glued(scan: Scan, num: Num, row: dict, end: int) -> None:
    row.update(unit=num.unit, kind=num.kind, unit_source="symbol", rule=GLUED[num.kind], _factor=num.factor)
    if num.kind == "percent":
        percent.share_of(scan, end, row)


def _time_unit(scan: Scan, j: int) -> bool:
    fr, t = scan.fr, scan.doc[j]
    tl = t.lemma_.lower() if t.lemma_ else t.text.lower()
    return t.text.lower() in fr.date_units or tl in fr.date_units or t.text.lower() in fr.date_nouns


def _ends_sentence(scan: Scan, num: Num) -> bool:
    """The number's token carries the sentence's full stop (`knapp 1.700. Allerdings`): the
    word after it starts the next sentence and is no unit."""
    t = scan.doc[num.end - 1]
    return num.end_char is not None and t.text.endswith(".") and num.end_char == t.idx + len(t.text) - 1


def after(scan: Scan, num: Num, end: int, row: dict) -> bool:
    """Find the unit after the number; False when the number must be dropped."""
    j = scan.next(end)
    if j >= scan.n or _ends_sentence(scan, num):
        return True
    if percent.after(scan, j, row) or money.after(scan, num, j, row) or measure.after(scan, j, row):
        return True
    if measure.age_after(scan, num, j, row):
        return True
    if _time_unit(scan, j):
        return False  # a duration or a time: the dates stage's
    return count.counted_noun(scan, num, end, j, row)
