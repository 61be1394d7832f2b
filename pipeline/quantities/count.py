"""Counts: the counted noun after the number (`über 2.113 Initiativen` -> `Initiative`), a key
before a scaled number (`Mitarbeitende 2,1 Tsd.`), `ein`/`eine` only when coordinated with a
number (`2 versuchte und ein vollendeter Einbruch`), else a bare number."""

from __future__ import annotations

from ..numbers import parse_digits
from .declarations import rule_id
from .nouns import COMPOUND, SPLIT, TERM, is_adjective, is_noun, key_noun, noun_after, noun_unit, unit_lemma
from .scan import Num, Scan, is_cap

NOUN = rule_id("count.noun")
LONGER = {COMPOUND: rule_id("count.coordinated_compound"), SPLIT: rule_id("count.split_compound"),
          TERM: rule_id("count.term")}
VAGUE = rule_id("count.vague")
KEY_VALUE = rule_id("count.key_value")
BARE = rule_id("count.bare")
KEY = rule_id("count.key")
ARTICLE = rule_id("count.article")


def counted_noun(scan: Scan, num: Num, end: int, j: int, row: dict) -> bool:
    """The counted noun after the number; False when it is a time unit (a duration)."""
    doc, fr = scan.doc, scan.fr
    na = None
    if scan.has_dep:
        nt = doc[num.end - 1]
        if nt.dep_ == "nummod" and nt.head.i > nt.i and is_noun(scan, nt.head) and nt.head.i - nt.i <= 4:
            na = (j, nt.head.i)
    if na is None:
        k = scan.next(end)
        if (num.hint == "vague" or num.vague) and scan.low(k) in fr.vague_of:
            end = k + 1  # `Tausende von Fans`
        na = noun_after(scan, end)
    if na:
        noun = doc[na[1]]
        if noun.text.lower() in fr.date_units or noun.lemma_.lower() in fr.date_units or noun.text.lower() in fr.date_nouns:
            return False
        if noun.text.lower() in fr.percent_of:
            return True
        unit, how, unit_end = noun_unit(scan, end, na[1], plural=abs(row["value"]) > 1)
        rule = LONGER[how] if how else VAGUE if num.hint == "vague" or num.vague else NOUN
        row.update(unit=unit, unit_source="noun", rule=rule, _unit_end=unit_end, _noun_i=na[1])
    return True


def _coordinated(scan: Scan, i: int) -> bool:
    """`2 versuchte und ein vollendeter Einbruch` / `ein Tor und 2 Vorlagen`."""
    doc, words = scan.doc, scan.fr.coordination_words
    if i > 0 and scan.low(i - 1) in words:
        k = i - 2
        while k >= 0 and is_adjective(scan, doc[k]) and k > i - 5:
            k -= 1
        if k >= 0 and parse_digits(doc[k].text) is not None:
            return True
    na = noun_after(scan, i + 1)
    if na:
        k = scan.next(na[1] + 1)
        if k < scan.n and (scan.low(k) in words or doc[k].text == ","):
            k2 = scan.next(k + 1)
            if k2 < scan.n and parse_digits(doc[k2].text) is not None:
                return True
    return False


def article(scan: Scan, num: Num, row: dict) -> bool:
    """Is a lone `ein`/`eine` a figure?  Only coordinated counts, money and measures."""
    if row["kind"] == "count":
        if not _coordinated(scan, num.start):
            return False
        row["rule"] = ARTICLE
        return True
    return row["kind"] in ("money", "measure")


def key_unit(scan: Scan, num: Num, row: dict, q_start: int) -> None:
    """A key before a scaled or decimal number (`Mitarbeitende 2,1 Tsd.`): the key is the unit."""
    if row["unit"] is None and row["kind"] == "count" and num.start > 0 and q_start == num.start:
        prev = scan.doc[num.start - 1]
        if is_noun(scan, prev) and (num.end > num.start + 1 or "," in scan.doc[num.start].text):
            row.update(unit=unit_lemma(scan, prev), unit_source="key", rule=KEY)


def _line_edge(scan: Scan, i: int) -> bool:
    """Token i is outside the document or a line break."""
    return not 0 <= i < scan.n or (scan.spaces[i] and "\n" in scan.texts[i])


def key_value(scan: Scan, num: Num, row: dict, q_start: int, end: int) -> None:
    """A line `Mitglieder: 311` inside the text (not a footer): the key's noun is the unit."""
    if row["unit"] is not None or row["kind"] != "count" or q_start != num.start or num.start < 2:
        return
    fr, colon = scan.fr, num.start - 1
    if scan.texts[colon] not in fr.key_value_separators or not (_line_edge(scan, end) or scan.doc[end - 1].whitespace_.count("\n")):
        return
    k = colon - 1
    while k >= 0 and not _line_edge(scan, k) and colon - k <= fr.key_value_max_words:
        k -= 1
    first = k + 1
    if first < scan.n and scan.texts[first] in fr.key_value_bullets:
        first += 1
    if not _line_edge(scan, k) or first >= colon or not all(
            is_cap(t) and t.pos_ not in ("VERB", "AUX") or t.lower_ in fr.key_value_words for t in scan.doc[first:colon]):
        return  # (`Die Antwort lautet: 42`: a sentence, not a key)
    unit = key_noun(scan, first, colon)
    if unit is not None:
        row.update(unit=unit, unit_source="key", rule=KEY_VALUE)
