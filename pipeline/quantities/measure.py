"""Measures: a measure unit after the number (`20 km`, `minus 12 Grad`, `2,5 Liter`) or glued
(`75ml`), and ages (`59 Jahre alt`, `im Alter von 95 Jahren`, `28-jährige`), unit `Jahr`."""

from __future__ import annotations

from .declarations import rule_id
from .scan import Num, Scan

UNIT = rule_id("measure.unit")
GLUED = rule_id("measure.glued")
AGE = rule_id("measure.age")
AGE_ADJECTIVE = rule_id("measure.age_adjective")


def after(scan: Scan, j: int, row: dict) -> bool:
    hit = scan.match_forward(j, scan.fr.measures)
    if not hit:
        return False
    row.update(unit=hit[0], kind="measure", rule=UNIT)
    row["unit_source"] = "symbol" if not scan.doc[j].is_alpha else "word"
    row["_unit_end"] = hit[1]
    return True


def age_after(scan: Scan, num: Num, j: int, row: dict) -> bool:
    """`59 Jahre alt`, `im Alter von 95 Jahren`: a time unit that is an age."""
    fr, doc = scan.fr, scan.doc
    t = doc[j]
    tl = t.lemma_.lower() if t.lemma_ else t.text.lower()
    age_unit = fr.age_units.get(tl) or fr.age_units.get(t.text.lower())
    if not age_unit:
        return False
    k = scan.next(j + 1)
    before = scan.match_backward(num.start, fr.age_before_table) is not None
    window = doc[max(0, num.start - 6) : num.start]
    before = before or any(w.lemma_.lower() in fr.age_context or w.text.lower() in fr.age_context for w in window)
    after_word = k < scan.n and (scan.low(k) in fr.age_after or doc[k].lemma_.lower() in fr.age_after)
    if not (after_word or before):
        return False
    row.update(unit=age_unit, kind="measure", unit_source="word", rule=AGE, _unit_end=(k + 1) if after_word else j + 1)
    return True


def age_adjective(num: Num, row: dict) -> None:
    """`28-jährige`, `dreijähriger`: an age glued to an adjective suffix."""
    row.update(unit=num.unit, kind="measure", unit_source="suffix", rule=AGE_ADJECTIVE)
