"""Ordinals that count: `dritte Einrichtung`, `61. Lebensjahr` (unit = the noun).  An office
is `ordinal.title` (`der 2. Vorsitzende`); never figures: names (`1. FC Köln`, `2. Weltkrieg`),
date parts (`8. November`).
A digit ordinal with no noun ending a sentence is a cardinal (`Es waren 50.`)."""

from __future__ import annotations

from .count import BARE
from .declarations import rule_id
from .nouns import noun_after, noun_unit
from .scan import Num, Scan

NOUN = rule_id("ordinal.noun")
TITLE = rule_id("ordinal.title")
DROP = object()


def resolve(scan: Scan, num: Num, row: dict, end: int):
    """The unit end, DROP, or None when the ordinal is a sentence-final cardinal."""
    doc, fr = scan.doc, scan.fr
    na = noun_after(scan, end)
    k = scan.next(end)
    if na is None and k < scan.n and scan.low(k) in fr.ordinal_lower_nouns:
        # `zum dritten mal`: a noun written in lower case
        row.update(unit=fr.ordinal_lower_nouns[scan.low(k)], kind="ordinal", unit_source="noun", rule=NOUN)
        return k + 1
    if na is None:
        t = doc[num.start]
        if num.is_word or not t.text.endswith("."):
            return DROP
        nxt = scan.next(end)
        if nxt < scan.n and not (doc[nxt].is_sent_start or doc[nxt].text[:1].isupper()):
            return DROP
        if nxt < scan.n and doc[nxt].text[:1] in "–—-":
            return DROP
        num.end_char = t.idx + len(t.text) - 1
        num.hint = None
        row["rule"] = BARE
        return None
    noun = doc[na[1]]
    nl = noun.text.lower()
    if nl in fr.title_nouns or nl in fr.date_nouns or noun.lemma_.lower() in fr.title_nouns or nl in fr.date_units:
        return DROP
    unit, _, unit_end = noun_unit(scan, end, na[1])
    office = nl in fr.office_nouns or noun.lemma_.lower() in fr.office_nouns
    row.update(unit=unit, kind="ordinal", unit_source="noun", rule=TITLE if office else NOUN)
    return unit_end
