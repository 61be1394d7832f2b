"""The document date found in a text: the first full calendar date (the dateline rule).

Layer 1: used by ingest (document date from the header table or the dateline) and by the
dates stage; the month names come from `rules/dates/months.yaml`.
"""

from __future__ import annotations

import re
from datetime import date

from ..rulebook import Rules


def _month_table(rules: Rules) -> dict[str, int]:
    data = rules.yaml("dates/months.yaml")
    return {name: int(num) for num, names in data["months"].items() for name in names}


def _anchor_pattern(rules: Rules) -> tuple[dict[str, int], re.Pattern]:
    months = _month_table(rules)
    names = "|".join(sorted((re.escape(m) for m in months), key=len, reverse=True))
    pattern = re.compile(
        rf"(?:(?P<d1>\d{{1,2}})\.\s*(?:(?P<m1>{names})\s*)?[–—-]\s*)?(?P<d>\d{{1,2}})\.\s*(?P<m>{names})\s*(?P<y>\d{{4}})"
        rf"|(?P<nd>\d{{1,2}})\.(?P<nm>\d{{1,2}})\.(?P<ny>\d{{4}})"
        rf"|(?P<iy>\d{{4}})-(?P<im>\d{{2}})-(?P<id>\d{{2}})"
    )
    return months, pattern


def anchor_date(text: str, rules: Rules) -> str | None:
    """The first full calendar date in `text` as ISO; of a day range, its last day.

    `8. – 11. November 2018` -> 2018-11-11; `13.07.2016` -> 2016-07-13.
    """
    months, pattern = rules.compiled("anchor_date", _anchor_pattern)  # built once per process
    for m in pattern.finditer(text):
        try:
            if m.group("y"):
                value = date(int(m.group("y")), months[m.group("m")], int(m.group("d")))
            elif m.group("ny"):
                value = date(int(m.group("ny")), int(m.group("nm")), int(m.group("nd")))
            else:
                value = date(int(m.group("iy")), int(m.group("im")), int(m.group("id")))
        except ValueError:
            continue
        return value.isoformat()
    return None
