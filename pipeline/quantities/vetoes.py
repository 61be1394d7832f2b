"""Numbers that are not figures (`rules/figures/negatives.yaml`).

- `block`: tokens no recogniser may use: characters covered by a `dates` row (the dates stage
  owns them) or by a header/footer region, phone numbers in digit groups, idioms;
- `before_number`: references (`§ 5`, `Nr. 12`), roads (`B 30`, `Kreisstraße PAN 22`), the rest
  of a phone number or identifier (`0221 123456`, `UA/2025/047`), lists of references;
- `year_context`, `bare_year`: years (the dates stage's);
- `inside_name`, `postal_code`: `Clayallee 170`, `1010 Wien`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from ..document import date_spans
from ..numbers import parse_digits
from .scan import Num, Scan, is_cap


def covered_spans(doc) -> list[tuple[int, int]]:
    """Character ranges the figures stage must not read: `dates` rows, header and footer."""
    return date_spans(doc) + [(a, b) for a, b, _ in (doc._.regions or ())]


def block(scan: Scan) -> None:
    doc = scan.doc
    spans = covered_spans(doc)
    if spans:
        # the tokens a span [a, b) overlaps: from the first ending after a to the last
        # starting before b (token offsets and ends ascend)
        idxs = scan.idxs
        ends = [idx + len(text) for idx, text in zip(idxs, scan.texts)]
        for a, b in spans:
            a, b = max(a, 0), max(b, 0)
            if a < b:
                for i in range(bisect_right(ends, a), bisect_left(idxs, b)):
                    scan.blocked[i] = True
    lows = scan.lows
    _block_phones(scan, lows)
    by_first = scan.fr.idioms_by_first
    for i, low in enumerate(lows):
        for idiom in by_first.get(low, ()):
            k = len(idiom)
            if i + k <= scan.n and tuple(lows[i : i + k]) == idiom:
                for j in range(i, i + k):
                    scan.blocked[j] = True


def _phone_start(scan: Scan, lows: list[str], i: int) -> int | None:
    """The first group of a phone number at token i, or right after a phone context phrase."""
    fr, doc = scan.fr, scan.doc
    low = lows[i]
    if low[:1] in "0+" and fr.phone_start is not None and fr.phone_start.match(low) \
            and not (i > 0 and lows[i - 1][-1:].isdigit()):  # not `40 000`
        return i
    if low in fr.phone_context_last and i + 1 < scan.n:
        for c in fr.phone_context:
            k = len(c)
            if c[-1] == low and i - k + 1 >= 0 and tuple(lows[i - k + 1 : i + 1]) == c:
                j = i + 1
                if j < scan.n and lows[j] == ":":
                    j += 1
                if j < scan.n and doc[j - 1].whitespace_ and fr.phone_group.match(lows[j]):
                    return j
                break
    return None


def _block_phones(scan: Scan, lows: list[str]) -> None:
    """Block runs of space-separated digit groups that are phone numbers."""
    fr, doc = scan.fr, scan.doc
    if fr.phone_group is None:
        return
    ctx_last = fr.phone_context_last
    i = 0
    while i < scan.n:
        low = lows[i]  # `_phone_start` looks only at these tokens: skip the call for the rest
        start = _phone_start(scan, lows, i) if low[:1] in "0+" or low in ctx_last else None
        if start is None:
            i += 1
            continue
        j = start
        while True:
            scan.blocked[j] = True
            if lows[j].endswith(".") or doc[j].whitespace_ != " " or j + 1 >= scan.n:
                break
            if not fr.phone_group.match(lows[j + 1]):
                break
            j += 1
        i = j + 1


def _reference_word(scan: Scan, i: int) -> bool:
    fr = scan.fr
    return scan.low(i) in fr.preceding_words or scan.doc[i].lemma_.lower() in fr.preceding_words


def before_number(scan: Scan, start: int) -> bool:
    """The token before the number makes it a reference, road, phone or identifier part."""
    if start == 0:
        return False
    doc, fr = scan.doc, scan.fr
    prev = doc[start - 1]
    prev_low = prev.text.lower()
    if _reference_word(scan, start - 1):
        return True
    if prev_low in fr.road_words or (start >= 2 and fr.road_code is not None and fr.road_code.match(prev.text)
                                     and scan.low(start - 2) in fr.road_words):
        return True  # `B 30`, `Kreisstraße PAN 22`
    if fr.negative_token(prev.text) and any(c.isdigit() for c in prev.text):
        return True  # the rest of a phone number or identifier (`0221 123456`)
    if prev.text in ("-", "/", "–") and not prev.whitespace_ and start >= 2 and doc[start - 2].text[-1:].isdigit():
        return True  # `88-1234`, `UA/2025/047`
    if (prev_low in fr.unit_joiners or prev_low in ("–", "-")) and start >= 3 and parse_digits(doc[start - 2].text) is not None:
        return _reference_word(scan, start - 3) or scan.low(start - 3) in fr.road_words  # `Linien 21 und 95`
    return False


def year_context(scan: Scan, num: Num, row: dict) -> bool:
    """An integer 1900-2099 after a year context word (`seit 2011`, `im Jahr 2020`)."""
    fr = scan.fr
    if num.raw_int and fr.year_min <= num.value <= fr.year_max and row["qualifier"] == "=" and num.start > 0:
        prev = scan.doc[num.start - 1]
        return prev.text.lower() in fr.year_context or prev.lemma_.lower() in fr.year_context
    return False


def bare_year(scan: Scan, num: Num, row: dict) -> bool:
    """An ungrouped integer 1900-2099 without qualifier and without unit: a year."""
    fr = scan.fr
    return num.raw_int and fr.year_min <= num.value <= fr.year_max and row["qualifier"] == "=" \
        and row["unit"] is None and row["kind"] == "count"


def inside_name(scan: Scan, num: Num, row: dict, q_start: int) -> bool:
    """Numbers inside names: `Kuckuck 14`, `Clayallee 170` (no counted noun after)."""
    if row["unit"] is None and row["kind"] == "count" and num.start > 0 and q_start == num.start:
        prev = scan.doc[num.start - 1]
        return is_cap(prev) and prev.is_alpha and not (prev.is_sent_start and prev.lemma_[:1].islower())
    return False


def postal_code(scan: Scan, num: Num, row: dict, noun_i: int | None) -> bool:
    """`1010 Wien`, `80331 München`: a postal code before a place."""
    doc = scan.doc
    if num.raw_int and 1000 <= num.value <= 99999 and len(doc[num.start].text) in (4, 5) and row["unit_source"] == "noun":
        return noun_i is not None and (len(doc[num.start].text) == 5 or _is_place(scan, noun_i, num.start))
    return False


def _is_place(scan: Scan, noun_i: int, num_i: int) -> bool:
    doc = scan.doc
    t = doc[noun_i]
    if t.ent_type_ in ("LOC", "GPE"):
        return True
    for m in (doc._.rows or {}).get("mentions", []):
        if m.get("label") == "LOC" and m["start_char"] <= t.idx < m["end_char"]:
            return True
    if scan.has_pos and t.pos_ == "PROPN":
        return True
    prev = doc[num_i - 1] if num_i > 0 else None
    return prev is None or prev.text in (",", "\n") or prev.is_space
