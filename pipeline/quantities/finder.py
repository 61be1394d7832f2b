"""The dispatcher: scan a document's tokens, read a number at each (`numeral.py`), apply the
vetoes, modifiers and the recogniser of its dimension, then the cross-figure rules
(`coordination.py`).  Rows carry private `_` keys while being built; `find_figures` drops them."""

from __future__ import annotations

from spacy.tokens import Doc

from . import count, coordination, measure, money, multiplier, ordinal, percent, units, vetoes
from .metadata import metadata_figures
from .modifiers import attach_range, prefix_words, qualifier
from .numeral import extend, may_start, recognise
from .scan import Num, Scan
from .schema import FigureRules

_UNIT_PENDING = (None, "halves", "vague")


def _new_row(num: Num) -> dict:
    return {"value": num.value, "value_max": num.value_max, "qualifier": num.qualifier or "=", "unit": None,
            "kind": "count", "of": None, "unit_source": None, "metadata_key": None, "rule": count.BARE,
            "_num_start": num.start}


def _dimension(scan: Scan, num: Num, row: dict, end: int) -> int | None:
    """Apply the recogniser of the number's dimension; the unit's end token, None = drop."""
    unit_end: object = end
    if num.hint == "age":
        measure.age_adjective(num, row)
    elif num.hint == "multiplier":
        multiplier.resolve(num, row)
    elif num.hint == "unit":
        units.glued(scan, num, row, end)
    elif num.hint == "ordinal":
        unit_end = ordinal.resolve(scan, num, row, end)
    elif num.hint == "fraction":
        unit_end = percent.fraction(scan, num, row, end)
    if unit_end is ordinal.DROP or unit_end is percent.DROP:
        return None
    if unit_end is None:
        unit_end = end
    if num.hint in _UNIT_PENDING and row["unit"] is None:
        if not units.after(scan, num, end, row):
            return None
        unit_end = row.pop("_unit_end", end)
    return unit_end


def _finish(scan: Scan, num: Num, row: dict, q_start: int, end: int, unit_end: int) -> dict:
    doc = scan.doc
    s_char = doc[q_start].idx
    if num.start_char is not None and q_start == num.start:
        s_char = num.start_char
    last = doc[unit_end - 1]
    e_char = last.idx + len(last.text)
    if num.end_char is not None and unit_end == num.end:
        e_char = num.end_char
    row.pop("_noun_i", None)
    row.update(start_char=s_char, end_char=e_char, text=scan.text[s_char:e_char], _end_tok=max(unit_end, end),
               _start_tok=q_start, _num_end=end)
    row["value"] = float(row["value"])
    if row["value_max"] is not None:
        row["value_max"] = float(row["value_max"])
    return row


def resolve(scan: Scan, num: Num, figures: list[dict]) -> dict | None:
    """The figure row of a number (None: not a figure)."""
    if vetoes.before_number(scan, num.start):
        return None
    start = prefix_words(scan, num)
    row = _new_row(num)
    q_start = start
    if num.qualifier is None:
        q, q_start = qualifier(scan, start)
        if q:
            row["qualifier"] = q
    end, q_start = attach_range(scan, num, row, start, q_start)
    if vetoes.year_context(scan, num, row):
        return None
    unit_end = _dimension(scan, num, row, end)
    if unit_end is None:
        return None
    if num.article and num.end == num.start + 1 and not count.article(scan, num, row):
        return None
    if row["unit"] is None or row["kind"] == "count":
        q_start = money.currency_before(scan, num, row, q_start, figures)
    if vetoes.bare_year(scan, num, row):
        return None
    money.carried(scan, num, row, figures)
    count.key_value(scan, num, row, q_start, max(end, unit_end))
    count.key_unit(scan, num, row, q_start)
    if vetoes.inside_name(scan, num, row, q_start) or vetoes.postal_code(scan, num, row, row.get("_noun_i")):
        return None
    return _finish(scan, num, row, q_start, end, unit_end)


def scan_figures(doc: Doc, fr: FigureRules) -> list[dict]:
    """The prose figures of one Doc, with their private keys."""
    scan = Scan(doc, fr)
    vetoes.block(scan)
    figures: list[dict] = []
    texts, blocked, spaces, seen = scan.texts, scan.blocked, scan.spaces, fr.start_cache
    i = 0
    while i < scan.n:
        # `number_at` inlined: most tokens are words the prefilter has seen before
        ok = seen.get(texts[i])
        if blocked[i] or spaces[i] or not (ok if ok is not None else may_start(fr, texts[i])):
            i += 1
            continue
        num = recognise(scan, i)
        if num is None:
            i += 1
            continue
        fig = resolve(scan, extend(scan, num), figures)
        if fig is None:
            i += 1
            continue
        figures.append(fig)
        i = max(fig["_end_tok"], i + 1)
    coordination.post(scan, figures)
    return figures


def find_figures(doc: Doc, fr: FigureRules) -> list[dict]:
    """All figure rows of one document (prose + metadata), sorted by offset."""
    rows = [{k: v for k, v in r.items() if not k.startswith("_")} for r in scan_figures(doc, fr)]
    rows += metadata_figures(doc, fr)
    rows.sort(key=lambda r: (r["start_char"], r["end_char"]))
    return rows
