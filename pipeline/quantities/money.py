"""Money: a currency after the number (`12.500,00 €`, `2,5 Mio. USD`, `fünfzig Cent`) or before
it (`€ 12.500`, `Fr. 3.40`), glued (`12.345$`), and sums (`zwei Euro und fünfzig Cent`,
`15 Dollar 50`).  Values in the currency's ISO 4217 unit (Cent: factor 0.01)."""

from __future__ import annotations

import re

from .declarations import rule_id
from .modifiers import qualifier
from .scan import Num, Scan

AMOUNT = rule_id("money.amount")
AMOUNT_WITH_SCALE = rule_id("money.amount_with_scale")
GLUED = rule_id("money.glued")
CURRENCY_BEFORE = rule_id("money.currency_before")
SUM = rule_id("money.sum")
CARRIED = rule_id("money.carried")
_CENTS = re.compile(r"\d{1,2}\.?")


def after(scan: Scan, num: Num, j: int, row: dict) -> bool:
    """A currency at token j, possibly after adjectives (`kanadischen Dollar` is a phrase)."""
    hit = scan.match_forward(j, scan.fr.currencies)
    if not hit:
        return False
    code, factor = hit[0]
    row.update(unit=code, kind="money", rule=AMOUNT_WITH_SCALE if num.scaled else AMOUNT,
               value=row["value"] * factor, _factor=factor,
               value_max=row["value_max"] * factor if row["value_max"] is not None else None)
    row["unit_source"] = "symbol" if not scan.doc[j].is_alpha else "word"
    row["_unit_end"] = hit[1]
    return True


def currency_before(scan: Scan, num: Num, row: dict, q_start: int, figures: list[dict]) -> int:
    """`€ 12.500`, `EUR 5 Mio.`: a currency right before the figure; the new start token."""
    before = scan.match_backward(q_start, scan.fr.single_currencies)
    if before and row["unit_source"] != "noun" and figures and figures[-1]["_end_tok"] > before[1]:
        # the currency ends the previous figure: `15 Dollar 50` -> 50 cents of it
        prevf, code = figures[-1], before[0][0]
        if prevf["kind"] == "money" and prevf["unit"] == code and q_start == num.start == before[1] + 1 \
                and num.end == num.start + 1 and _CENTS.fullmatch(scan.doc[num.start].text):
            row.update(unit=code, kind="money", unit_source="symbol", rule=SUM, value=num.value / 100)
        before = None
    if before and row["unit_source"] != "noun":
        code, factor = before[0]
        row.update(unit=code, kind="money", unit_source="symbol", rule=CURRENCY_BEFORE, _factor=factor)
        row["value"] *= factor
        q, q2 = qualifier(scan, before[1])
        if q:
            row["qualifier"] = q
        q_start = q2 if q else before[1]
    return q_start


def carried(scan: Scan, num: Num, row: dict, figures: list[dict]) -> None:
    """`Die Kosten von 2,5 Millionen Euro … davon trägt der Bund zehn Millionen`: a scaled
    number without a unit takes the currency of the money figure before it in its paragraph."""
    fr = scan.fr
    if row["unit"] is not None or row["kind"] != "count" or not num.scaled or abs(row["value"]) < fr.carry_min_value:
        return
    for prev in reversed(figures):
        if num.start - prev["_end_tok"] > fr.carry_max_tokens:
            return
        if prev["kind"] == "money":
            if any("\n\n" in t.text or "\n\n" in t.whitespace_ for t in scan.doc[prev["_end_tok"] : num.start]):
                return  # another paragraph
            row.update(unit=prev["unit"], kind="money", unit_source="carried", rule=CARRIED)
            return


def _joins(scan: Scan, f: dict, nxt: dict) -> bool:
    fr = scan.fr
    if f["kind"] != "money":
        return False
    between = scan.words_between(f["_end_tok"], nxt["_start_tok"])
    if nxt["kind"] == "money":
        small = nxt["value"] < 1
    else:
        small = nxt["kind"] == "count" and nxt["unit"] is None and nxt["value"] < 100
    return f["kind"] == "money" and (not between or between in fr.money_joiners) and small and (
        nxt["unit"] in (f["unit"], None) or nxt["text"].lower().endswith(fr.minor_units)) and f["value_max"] is None


def sums(scan: Scan, figures: list[dict]) -> None:
    """`zwei Euro und fünfzig Cent`, `15 Dollar 50`: one amount."""
    k = 0
    while k + 1 < len(figures):
        f, nxt = figures[k], figures[k + 1]
        if _joins(scan, f, nxt):
            f["value"] += nxt["value"] if nxt["kind"] == "money" else nxt["value"] / 100
            f["end_char"] = nxt["end_char"]
            f["text"] = scan.text[f["start_char"] : f["end_char"]]
            f["_end_tok"] = nxt["_end_tok"]
            f["rule"] = SUM
            del figures[k + 1]
            continue
        k += 1
