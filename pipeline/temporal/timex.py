"""TIMEX3 values: resolving underspecified values against the document date, validation,
granularity.

Rules produce values that may still contain tokens (documented in
`pipeline/rules/dates/README.md`):

- `XXXX` at the start of a point: the year is unknown -> the document's year;
- `REF±N<unit>`: the document date shifted by N units, written at that unit's precision
  (`REF-1Y` -> `2017`, `REF+0W` -> `2018-W45`, `REF-1D` -> `2018-11-10`);
- `WD<k><dir>`: weekday k (1 = Monday); dir T = by tense (latest on/before the anchor in
  past sentences, next on/after in future ones), L = last before, N = next after,
  C = in the anchor's week;
- `WE<dir>`: a weekend (`2018-W45-WE`), directions as for weekdays;
- `<year>-EASTER±N`: a day relative to Easter Sunday of that year.

Without a document date, `XXXX` stays (`XXXX-01-24`) and purely deictic tokens give an
empty value: never a silently wrong year.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_DATE_PART = r"(?:\d{4}|XXXX|\d{3}|\d{2})(?:-(?:0[1-9]|1[0-2]|SP|SU|FA|WI|Q[1-4]|H[12]|W(?:0[1-9]|[1-4]\d|5[0-3])|WXX)(?:-(?:0[1-9]|[12]\d|3[01]|WE|[1-7]))?)?"
_TIME_PART = r"T(?:(?:[01]\d|2[0-4])(?::[0-5]\d(?::[0-5]\d)?)?|MO|MI|AF|EV|NI)"
_POINT = rf"(?:{_DATE_PART}(?:{_TIME_PART})?|{_TIME_PART})"
_DURATION = (r"(?:P(?:\d+(?:\.\d+)?|X)(?:Y|Q|M|W|D|DE|CE)"
             r"|PT(?=[\dX])(?:(?:\d+(?:\.\d+)?|X)H)?(?:(?:\d+(?:\.\d+)?|X)M)?(?:(?:\d+(?:\.\d+)?|X)S)?)")
TIMEX_VALUE = re.compile(rf"^(?:{_POINT}(?:/{_POINT})?|{_DURATION}|PAST_REF|FUTURE_REF|PRESENT_REF)$")

_TOKEN = re.compile(
    r"^(?:REF(?P<sign>[+-])(?P<num>\d+(?:\.\d+)?|X)(?P<unit>MIN|DE|CE|Y|Q|M|W|D|H|S)"
    r"|WD(?P<wd>[1-7])(?P<wdir>[TLNC])"
    r"|WE(?P<wedir>[TLNC])"
    r"|(?P<xxxx>XXXX))(?P<rest>.*)$"
)
_EASTER = re.compile(r"^(\d{4})-EASTER([+-]\d+)(.*)$")
_NTH_WEEKDAY = re.compile(r"^(\d{4})-(\d\d)-WD([1-7])N([1-5L])(.*)$")
_SHIFT = re.compile(r"^(\d{4}-\d\d-\d\d)@([+-]\d+)(.*)$")
# the rest of an `XXXX` value that names a part of the year: month (day), quarter, half
# year, season; with the months it spans (a winter is taken as its December)
_PERIOD_REST = re.compile(r"^-(?:(?P<m>\d\d)(?:-\d\d)?|Q(?P<q>[1-4])|H(?P<h>[12])|(?P<s>SP|SU|FA|WI))(?:T.*)?$")
_SEASON_MONTHS = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11), "WI": (12, 12)}


def _period_months(rest: str) -> tuple[int, int] | None:
    m = _PERIOD_REST.match(rest)
    if not m:
        return None
    if m.group("m"):
        return int(m.group("m")), int(m.group("m"))
    if m.group("q"):
        q = int(m.group("q"))
        return 3 * q - 2, 3 * q
    if m.group("h"):
        h = int(m.group("h"))
        return 6 * h - 5, 6 * h
    return _SEASON_MONTHS[m.group("s")]


def is_timex(value: str) -> bool:
    return bool(TIMEX_VALUE.match(value))


def easter(year: int) -> date:
    """Easter Sunday (Gregorian, anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _week(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def _add_months(d: date, months: int) -> date:
    total = d.year * 12 + d.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def _shift(anchor: date, sign: int, num: float, unit: str) -> str:
    """The anchor shifted by num units, at that unit's precision."""
    if unit in ("Y", "DE", "CE") and num != int(num):
        unit, num = "M", num * 12
    if unit == "W" and num != int(num):
        unit, num = "D", num * 7
    n = sign * int(round(num))
    if unit == "Y":
        return f"{anchor.year + n:04d}"
    if unit == "DE":
        return f"{(anchor.year + 10 * n) // 10:03d}"
    if unit == "CE":
        return f"{(anchor.year + 100 * n) // 100:02d}"
    if unit == "Q":
        m = _add_months(anchor, 3 * n)
        return f"{m.year:04d}-Q{(m.month - 1) // 3 + 1}"
    if unit == "M":
        m = _add_months(anchor, n)
        return f"{m.year:04d}-{m.month:02d}"
    if unit == "W":
        return _week(anchor + timedelta(weeks=n))
    if unit == "D":
        return (anchor + timedelta(days=n)).isoformat()
    # hours, minutes, seconds: the day they fall on
    secs = {"H": 3600, "MIN": 60, "S": 1}[unit] * n
    return (anchor + timedelta(seconds=secs)).isoformat() if abs(secs) >= 86400 else anchor.isoformat()


def _weekday(anchor: date, k: int, direction: str, future: bool) -> date:
    wd = anchor.isoweekday()
    if direction == "T":
        direction = "F" if future else "P"
    if direction == "P":  # latest on or before
        return anchor - timedelta(days=(wd - k) % 7)
    if direction == "F":  # next on or after
        return anchor + timedelta(days=(k - wd) % 7)
    if direction == "L":  # strictly before
        return anchor - timedelta(days=(wd - k) % 7 or 7)
    if direction == "N":  # strictly after
        return anchor + timedelta(days=(k - wd) % 7 or 7)
    return anchor + timedelta(days=k - wd)  # C: same ISO week


def _weekend(anchor: date, direction: str, future: bool) -> str:
    wd = anchor.isoweekday()
    if direction == "T":
        direction = "F" if future else "P"
    if direction == "P":  # latest weekend that has started by the anchor
        sat = anchor - timedelta(days=(wd - 6) % 7)
    elif direction == "F":  # next weekend not over yet
        sat = anchor + timedelta(days=(6 - wd) % 7) if wd < 7 else anchor - timedelta(days=1)
    elif direction == "L":  # the weekend before the current/latest one
        sat = anchor - timedelta(days=(wd - 6) % 7 or 7) if wd != 7 else anchor - timedelta(days=8)
    elif direction == "N":
        sat = anchor + timedelta(days=(6 - wd) % 7 or 7)
    else:
        sat = anchor + timedelta(days=6 - wd)
    return f"{_week(sat)}-WE"


def _interval_tense(first: int, last: int, anchor: str | None, tense: str) -> str | None:
    """The tense the two ends of an interval from month `first` to month `last` are
    resolved with: only a shift of the whole interval is kept."""
    if anchor is None or last < first:
        return tense  # a wrapping interval (`Dezember bis Februar`): each end by itself
    month = date.fromisoformat(anchor).month
    if tense == "past":
        return "past" if first > month else None
    return "future" if last < month else None


def resolve(value: str, anchor: str | None, tense: str | None = None) -> tuple[str, bool]:
    """Underspecified value -> (TIMEX3 value, whether the anchor was used).

    `tense` (`past`, `future` or None) is the clause's: it turns bare weekdays and
    weekends, and moves a month, quarter, half year or season without year that starts
    after (past) / ended before (future) the document's month to the previous / next year.
    Returns ("", used) when the value cannot be resolved without a document date.
    """
    if not value:
        return "", False
    if "/" in value:
        return _resolve_interval(value, anchor, tense)
    a = date.fromisoformat(anchor) if anchor else None
    if value == "NEWYEAR":  # `im neuen Jahr`: next year in the second half, else this one
        return (str(a.year + (a.month >= 7)) if a else ""), a is not None
    if value.startswith("XXXX-WXX"):
        return value, False  # a weekly pattern is not anchored
    m = _TOKEN.match(value)
    if not m:
        return _expand_days(value), False
    if a is None:
        return _unanchored(m, value), False
    if m.group("xxxx"):
        value = _with_year(m.group("rest"), a, tense)
    elif m.group("unit") and m.group("num") == "X":
        return ("PAST_REF" if m.group("sign") == "-" else "FUTURE_REF"), True
    else:
        value = _deictic(m, a, tense == "future")
    return _expand_days(value), True


def _resolve_interval(value: str, anchor: str | None, tense: str | None) -> tuple[str, bool]:
    """`start/end`: each end resolved by itself, except that a month-like interval without
    year moves as a whole (`10. Juni bis 10. Juli` in a past clause written in June stays
    in this year: it does not end before it starts), and one whose end falls before its
    start ends in the next year (`Dezember bis Februar`)."""
    pieces = value.split("/")
    spans = [_period_months(p[4:]) if p.startswith("XXXX") else None for p in pieces]
    if len(pieces) == 2 and tense and all(spans):
        tense = _interval_tense(spans[0][0], spans[1][1], anchor, tense)
    parts = [resolve(p, anchor, tense) for p in pieces]
    if any(not v for v, _ in parts):
        return "", any(u for _, u in parts)
    (v0, u0), (v1, u1) = parts[0], parts[-1]
    if len(parts) == 2 and all(spans) and v0[:4].isdigit() and v1[:4].isdigit() and v1 < v0:
        parts[1] = (f"{int(v1[:4]) + 1:04d}{v1[4:]}", u1)  # ends in the next year
    return "/".join(v for v, _ in parts), any(u for _, u in parts)


def _unanchored(m: re.Match, value: str) -> str:
    """A token value without a document date: an unknown year stays `XXXX` (never a
    silently wrong year), unless the day depends on it (Easter, an nth weekday); a
    deictic token (`REF`, `WD`, `WE`) has no value at all."""
    if m.group("xxxx"):
        rest = m.group("rest")
        return "" if "EASTER" in rest or "WD" in rest else value
    return ""


def _with_year(rest: str, a: date, tense: str | None) -> str:
    """`XXXX<rest>` with the document's year; a part of the year (month, quarter, season)
    that a past clause places after the document's month is last year's, one a future
    clause places before it next year's."""
    year = a.year
    span = _period_months(rest)
    if span and tense == "past" and span[0] > a.month:
        year -= 1  # a past period that would start after the document's month
    elif span and tense == "future" and span[1] < a.month:
        year += 1  # a future one that would have ended before it
    return f"{year:04d}{rest}"


def _deictic(m: re.Match, a: date, future: bool) -> str:
    """A `REF±N<unit>`, `WD<k><dir>` or `WE<dir>` token resolved against the anchor."""
    rest = m.group("rest")
    if m.group("unit"):
        return _shift(a, 1 if m.group("sign") == "+" else -1, float(m.group("num")), m.group("unit")) + rest
    if m.group("wd"):
        return _weekday(a, int(m.group("wd")), m.group("wdir"), future).isoformat() + rest
    return _weekend(a, m.group("wedir"), future) + rest


def _easter_day(m: re.Match) -> date:
    """`<year>-EASTER±N`: N days from Easter Sunday (movable holidays)."""
    return easter(int(m.group(1))) + timedelta(days=int(m.group(2)))


def _nth_weekday_day(m: re.Match) -> date:
    """`<year>-<month>-WD<k>N<n>`: the nth weekday k of the month (`Muttertag`); `NL` the
    last one (`am letzten Sonntag im März`)."""
    year, month, wd = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if m.group(4) == "L":
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return last - timedelta(days=(last.isoweekday() - wd) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(wd - first.isoweekday()) % 7 + 7 * (int(m.group(4)) - 1))


def _shifted_day(m: re.Match) -> date:
    """`<day>@±N`: N days from a day (`am Tag danach`)."""
    return date.fromisoformat(m.group(1)) + timedelta(days=int(m.group(2)))


# days written relative to a known year or day, as (form, the day it names); each form's
# last group is the rest of the value (a time), kept as it is
_DAY_FORMS = (
    (_EASTER, _easter_day),  # `2024-EASTER-2`: Good Friday
    (_NTH_WEEKDAY, _nth_weekday_day),  # `2024-05-WD7N2`: the second Sunday in May
    (_SHIFT, _shifted_day),  # `2024-03-01@+3`: three days after
)


def _expand_days(value: str) -> str:
    """The calendar day of a value written as one of `_DAY_FORMS`, in their order (a
    form's result may be the next form's input)."""
    for form, day_of in _DAY_FORMS:
        m = form.match(value)
        if m:
            value = day_of(m).isoformat() + m.group(m.re.groups)
    return value


def valid(value: str) -> bool:
    """A TIMEX3 value whose calendar parts exist (no 31 February)."""
    if not value or not TIMEX_VALUE.match(value):
        return False
    for part in value.split("/"):
        m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", part)
        if m and not _day_exists(int(m.group(1)), int(m.group(2)), int(m.group(3))):
            return False
        m = re.match(r"^XXXX-(\d{2})-(\d{2})", part)
        if m and not _day_exists(2000, int(m.group(1)), int(m.group(2))):  # a leap year: 29 February exists
            return False
        t = re.search(r"T(\d{2}):(\d{2})", part)
        if t and int(t.group(1)) == 24 and t.group(2) != "00":
            return False
    return True


def _day_exists(year: int, month: int, day: int) -> bool:
    """Whether the calendar has this day (no 31 February)."""
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


_GRAN_DUR = {"Y": "year", "Q": "quarter", "M": "month", "W": "week", "D": "day", "DE": "decade", "CE": "century"}
_GRAN_TDUR = {"H": "hour", "M": "minute", "S": "second"}
# the precision of a date point by its form, the first that matches (`\A`/`\Z`: the whole value)
_GRAN_POINT = [(re.compile(form), gran) for form, gran in (
    (r"\A\d{3}\Z", "decade"),
    (r"\A\d{2}\Z", "century"),
    (r"\A(?:\d{4}|XXXX)\Z", "year"),
    (r"-WE\Z", "weekend"),
    (r"-W(?:\d\d|XX)-[1-7]$|\A(?:\d{4}|XXXX)-\d\d-\d\d\Z", "day"),
    (r"-W\d\d$", "week"),
    (r"-(?:SP|SU|FA|WI)$", "season"),
    (r"-Q\d$", "quarter"),
    (r"-H\d$", "halfyear"),
    (r"\A(?:\d{4}|XXXX)-\d\d\Z", "month"),
)]


def granularity(value: str) -> str | None:
    """The precision of a TIMEX3 value (`2019-01` -> month, `P3M` -> month)."""
    if not value or value.endswith("_REF"):
        return None
    v = value.split("/")[0]
    if v.startswith("PT"):
        return _GRAN_TDUR.get(v[-1])  # the finest part: `PT3M2S` -> second
    if v.startswith("P"):
        return _GRAN_DUR.get(re.sub(r"^P(?:\d+(?:\.\d+)?|X)", "", v))
    if "T" in v:
        t = v[v.index("T") + 1 :]
        if t in ("MO", "MI", "AF", "EV", "NI"):
            return "partofday"
        return "second" if t.count(":") == 2 else "minute" if ":" in t else "hour"
    return next((gran for form, gran in _GRAN_POINT if form.search(v)), None)
