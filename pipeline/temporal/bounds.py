"""TIMEX3 value -> the time it covers, as a half-open interval [begin, end).

`bounds("2019-01")` is `(2019-01-01 00:00, 2019-02-01 00:00)`: a day is
`[00:00, next day 00:00)`, a month its days, an interval `a/b` from the begin of `a` to the
end of `b`.  Covered: years, decades (`198`), centuries (`19`), months, days, ISO weeks
(`2018-W45`), ISO week days (`2018-W45-3`), weekends (`2018-W45-WE`, Saturday and Sunday),
quarters, half years, seasons (meteorological: spring March-May, summer June-August,
autumn September-November, winter December-February), times of day (`T16:00` is one
minute, `T16` one hour), parts of the day (`TMO` morning 06-12, `TMI` midday 12-14,
`TAF` afternoon 12-18, `TEV` evening 18-22, `TNI` night 22-06) and sets with a calendar
anchor (`2019-WXX-1`, every Monday of 2019 -> the year 2019).

Everything else gives `(None, None)`: durations (`P3Y`), `PAST_REF`/`FUTURE_REF`/
`PRESENT_REF`, values whose year is unknown (`XXXX-12-25`: no document date), sets without
an anchor (`XXXX-WXX-1`), bare times (`T16:00`), and malformed values.  Never raises.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

Bounds = tuple[datetime | None, datetime | None]
NONE: Bounds = (None, None)

_PART = re.compile(
    r"^(?P<year>\d{4}|\d{3}|\d{2})"
    r"(?:-(?:(?P<month>0[1-9]|1[0-2])(?:-(?P<day>0[1-9]|[12]\d|3[01]))?"
    r"|W(?P<week>0[1-9]|[1-4]\d|5[0-3])(?:-(?P<wday>[1-7])|-(?P<we>WE))?"
    r"|(?P<wxx>WXX)(?:-(?:[1-7]|WE))?"
    r"|Q(?P<q>[1-4])|H(?P<h>[12])|(?P<season>SP|SU|FA|WI)))?"
    r"(?:T(?P<time>(?P<hh>[01]\d|2[0-4])(?::(?P<mm>[0-5]\d)(?::(?P<ss>[0-5]\d))?)?|(?P<pod>MO|MI|AF|EV|NI)))?$"
)
_PARTS_OF_DAY = {"MO": (6, 12), "MI": (12, 14), "AF": (12, 18), "EV": (18, 22), "NI": (22, 30)}
_SEASONS = {"SP": (3, 3), "SU": (6, 3), "FA": (9, 3), "WI": (12, 3)}  # first month, months


def _add_months(year: int, month: int, n: int) -> datetime:
    total = year * 12 + month - 1 + n
    return datetime(total // 12, total % 12 + 1, 1)


def _months(year: int, first: int, n: int) -> Bounds:
    return _add_months(year, first, 0), _add_months(year, first, n)


def point_bounds(part: str) -> Bounds:
    """The interval one TIMEX3 point covers (no `/`)."""
    m = _PART.match(part)
    if not m:
        return NONE
    y = m.group("year")
    try:
        if len(y) == 2:  # century
            if m.group(0) != y:
                return NONE
            return datetime(max(int(y) * 100, 1), 1, 1), datetime(int(y) * 100 + 100, 1, 1)
        if len(y) == 3:  # decade
            if m.group(0) != y:
                return NONE
            return datetime(max(int(y) * 10, 1), 1, 1), datetime(int(y) * 10 + 10, 1, 1)
        year = int(y)
        if year < 1:
            return NONE
        if m.group("week"):
            monday = datetime.combine(date.fromisocalendar(year, int(m.group("week")), 1), datetime.min.time())
            if m.group("wday"):
                begin = monday + timedelta(days=int(m.group("wday")) - 1)
                span = _day_span(begin, m)
                return span
            if m.group("we"):
                return monday + timedelta(days=5), monday + timedelta(days=7)
            return monday, monday + timedelta(days=7)
        if m.group("wxx"):
            return datetime(year, 1, 1), datetime(year + 1, 1, 1)
        if m.group("q"):
            return _months(year, 3 * int(m.group("q")) - 2, 3)
        if m.group("h"):
            return _months(year, 6 * int(m.group("h")) - 5, 6)
        if m.group("season"):
            return _months(year, *_SEASONS[m.group("season")])
        if m.group("day"):
            return _day_span(datetime(year, int(m.group("month")), int(m.group("day"))), m)
        if m.group("month"):
            if m.group("time"):
                return NONE
            return _months(year, int(m.group("month")), 1)
        if m.group("time"):
            return NONE
        return datetime(year, 1, 1), datetime(year + 1, 1, 1)
    except (ValueError, OverflowError):  # 31 February, week 53 of a 52-week year, year 9999+
        return NONE


def _day_span(day: datetime, m: re.Match) -> Bounds:
    """A day, or the time of day written with it."""
    if not m.group("time"):
        return day, day + timedelta(days=1)
    if m.group("pod"):
        first, last = _PARTS_OF_DAY[m.group("pod")]
        return day + timedelta(hours=first), day + timedelta(hours=last)
    hh = int(m.group("hh"))
    if m.group("ss") is not None:
        begin = day + timedelta(hours=hh, minutes=int(m.group("mm")), seconds=int(m.group("ss")))
        return begin, begin + timedelta(seconds=1)
    if m.group("mm") is not None:
        begin = day + timedelta(hours=hh, minutes=int(m.group("mm")))
        return begin, begin + timedelta(minutes=1)
    begin = day + timedelta(hours=hh)
    return begin, begin + timedelta(hours=1)


def bounds(value: str | None) -> Bounds:
    """A TIMEX3 value -> (begin, end), half-open; (None, None) when not anchorable."""
    if not value or not isinstance(value, str):
        return NONE
    pieces = value.split("/")
    if len(pieces) == 1:
        return point_bounds(value)
    if len(pieces) != 2:
        return NONE
    b0, _ = point_bounds(pieces[0])
    _, e1 = point_bounds(pieces[1])
    if b0 is None or e1 is None or e1 <= b0:
        return NONE
    return b0, e1


# --------------------------------------------------------------------------- coverage
def value_class(value: str | None) -> str:
    """Why a DATE value has (or has no) bounds: `anchored` when it names a calendar year."""
    if not isinstance(value, str) or not value:
        return "empty (deictic, no document date)"
    if value.startswith("XXXX"):
        return "year unknown (XXXX, no document date)"
    if value.startswith("P"):
        return "duration"
    if value.endswith("_REF"):
        return "past/present/future reference"
    if value.startswith("T"):
        return "time without a day"
    return "anchored"


def coverage(rows) -> dict:
    """Share of DATE rows with a resolvable anchor (a calendar year) that get a begin,
    and the classes of the DATE rows without one (`python -m pipeline.temporal.bounds OUT`)."""
    from collections import Counter

    classes: Counter = Counter()
    anchored = with_begin = 0
    missing: Counter = Counter()
    for r in rows:
        if r.get("type") != "DATE":
            continue
        cls = value_class(r.get("value"))
        classes[cls] += 1
        if cls == "anchored":
            anchored += 1
            begin = r["begin"] if "begin" in r else bounds(r["value"])[0]  # the table's column when given
            if begin is not None and begin == begin:  # NaT != NaT
                with_begin += 1
            else:
                missing[r["value"]] += 1
    return {"date_rows": sum(classes.values()), "anchored": anchored, "anchored_with_begin": with_begin,
            "share": round(with_begin / anchored, 4) if anchored else None,
            "classes": dict(classes.most_common()), "anchored_without_begin": dict(missing.most_common(20))}


if __name__ == "__main__":  # pragma: no cover - a reporting command
    import json
    import sys

    import pandas as pd

    out = sys.argv[1] if len(sys.argv) > 1 else "outputs"
    frame = pd.read_parquet(f"{out}/dates.parquet", columns=["type", "value", "begin"])
    print(json.dumps(coverage(frame.to_dict("records")), indent=2, ensure_ascii=False))
