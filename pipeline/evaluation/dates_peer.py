"""Orientation-free peer date cases (issue 11): the Duckling and dateparser German date
cases whose value does not depend on which way the reader looks from the reference date.

A case is **orientation-free** when its text names an explicit year (`2015`, `31.10.74`,
`März 3 2015`) or a day with its month (`15. februar`, `Aug 8`, `15.2.`).  Deictic and
relative cases (`nächsten dienstag`, `vor 2 Stunden`, bare weekdays, bare clock times) are
left out: there the peers resolve forward and reports backward, a convention, not an error.
Duckling's holiday cases (`Jom Kippur 2018`, `Ramadan 2050`, `Orthodoxer Karfreitag`) are
left out too: they test calendars of other countries and religions, not the reading of a
date; the DE/AT/CH holidays are tested by the examples of `holidays.yaml`'s rule.

A case passes when one row of the stage has the expected value at the expected grain
(Duckling's exclusive interval ends moved back one grain unit; a date with a clock time at
minute grain, so a date and a time found as two rows do not pass).  Where the text names
no year, only month, day and clock time are compared (the year is orientation).  dateparser
search cases are scored per expected match that has a value; its `Die` read as Tuesday is
orientation-bound and not a date here, so it never enters the set.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

from ..temporal.extract import extract

_MONTH = (r"(?:jan(?:uar)?|jän(?:ner)?|feb(?:ruar)?|mär(?:z)?|mrz|apr(?:il)?|mai|jun[i]?|jul[i]?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|okt(?:ober)?|nov(?:ember)?|dez(?:ember)?)\.?")
_YEAR = re.compile(r"(?<![\d:])(?:1[0-9]{3}|20[0-9]{2})(?![\d:])|\b\d{1,2}\.\d{1,2}\.\d{2}\b")
_DAY_MONTH = re.compile(
    rf"(?<![\d:])\d{{1,2}}(?:\.|te|ten)?[ -]*{_MONTH}(?!\w)|(?<!\w){_MONTH}[ -]*\d{{1,2}}(?![\d:])"
    r"|(?<![\d:.])\d{1,2}\.\d{1,2}\.", re.IGNORECASE)

_GRAIN_FORMAT = {"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d", "hour": "%Y-%m-%dT%H:%M",
                 "minute": "%Y-%m-%dT%H:%M", "second": "%Y-%m-%dT%H:%M"}


def has_year(text: str) -> bool:
    return bool(_YEAR.search(text))


def orientation_free(text: str) -> bool:
    """An explicit year, or a day with its month."""
    return has_year(text) or bool(_DAY_MONTH.search(text))


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value[:19])


def _minus_grain(d: datetime, grain: str) -> datetime:
    if grain in ("hour", "minute", "second"):
        return d - timedelta(minutes=1) if grain != "hour" else d - timedelta(hours=1)
    if grain == "day":
        return d - timedelta(days=1)
    if grain == "month":
        return (d.replace(day=1) - timedelta(days=1)).replace(day=1)
    return d.replace(year=d.year - 1)


def _fmt(d: datetime, grain: str) -> str | None:
    form = _GRAIN_FORMAT.get(grain)
    return d.strftime(form) if form else None


def duckling_value(expected: dict) -> str | None:
    """Duckling's expected value in our notation (None for grains we cannot compare)."""
    if expected.get("type") == "value":
        return _fmt(_dt(expected["value"]), expected["grain"])
    if expected.get("type") == "interval" and "from" in expected and "to" in expected:
        f, t = expected["from"], expected["to"]
        start = _fmt(_dt(f["value"]), f["grain"])
        end = _fmt(_minus_grain(_dt(t["value"]), t["grain"]), t["grain"])
        return f"{start}/{end}" if start and end else None
    return None


def dateparser_value(dt: str, period: str | None = None) -> str:
    d = _dt(dt)
    if d.hour or d.minute:
        return d.strftime("%Y-%m-%dT%H:%M")
    return d.strftime({"month": "%Y-%m", "year": "%Y"}.get(period or "day", "%Y-%m-%d"))


def _yearless(value: str) -> str:
    return "/".join(p[4:] if p[:4].isdigit() or p.startswith("XXXX") else p for p in value.split("/"))


def agrees(ours: str, expected: str, with_year: bool) -> bool:
    if not ours:
        return False
    if with_year:
        return ours == expected
    return _yearless(ours) == _yearless(expected)


def cases(eval_dir: Path) -> list[dict]:
    """(source, text, reference, expected value) of every orientation-free case."""
    out = []
    duck = eval_dir / "peer" / "duckling_de.jsonl"
    if duck.exists():
        for line in duck.read_text(encoding="utf-8").splitlines():
            c = json.loads(line)
            if c["kind"] != "time" or "holiday" in c["expected"] or not orientation_free(c["text"]):
                continue
            value = duckling_value(c["expected"])
            if value:
                out.append({"source": "duckling", "text": c["text"], "reference": c["reference"], "value": value,
                            "match": c["text"]})
    dp = eval_dir / "peer" / "dateparser_de.jsonl"
    if dp.exists():
        for line in dp.read_text(encoding="utf-8").splitlines():
            c = json.loads(line)
            exp = c["expected"]
            if c["kind"] == "time" and orientation_free(c["text"]):
                out.append({"source": "dateparser", "text": c["text"], "reference": c["reference"],
                            "value": dateparser_value(exp["datetime"], exp.get("period")), "match": c["text"]})
            elif c["kind"] == "time_search":
                for m in exp.get("matches", []):
                    if m.get("datetime") and orientation_free(m["text"]):
                        out.append({"source": "dateparser", "text": c["text"], "reference": c["reference"],
                                    "value": dateparser_value(m["datetime"]), "match": m["text"]})
    return out


def score_orientation_free(eval_dir: Path, grammar) -> str:
    """The pass rate per source and the list of failures."""
    items = cases(eval_dir)
    if not items:
        return "\nOrientation-free peer date cases: not found (skipped)"
    per: dict[str, list[int]] = {}
    failures = []
    for c in items:
        ref = c["reference"][:10] if c["reference"] else None
        rows = extract(c["text"], ref, grammar)
        with_year = has_year(c["match"])
        ok = any(agrees(r["value"] or "", c["value"], with_year) for r in rows)
        st = per.setdefault(c["source"], [0, 0])
        st[0] += ok
        st[1] += 1
        if not ok:
            got = [f"{r['text']}={r['value']}" for r in rows]
            failures.append(f"  [{c['source']}] {c['match']!r}: expected {c['value']}"
                            f"{'' if with_year else ' (year not compared)'}, ours {got}")
    total_ok = sum(v[0] for v in per.values())
    total = sum(v[1] for v in per.values())
    lines = ["\nOrientation-free Duckling + dateparser date cases (explicit year, or day with its month)"]
    for src, (ok, n) in sorted(per.items()):
        lines.append(f"  {src:11s} {ok:3d}/{n:<3d} {ok / n:.1%}")
    lines.append(f"  {'ALL':11s} {total_ok:3d}/{total:<3d} {total_ok / total:.1%}")
    lines.append("Failures:" if failures else "Failures: none")
    return "\n".join(lines + failures)
