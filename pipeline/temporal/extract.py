"""Detection and normalisation of temporal expressions in a text (no spaCy needed).

`extract(text, anchor, grammar)` runs every compiled rule over the text, drops matches a
veto (negatives.yaml) forbids, keeps the longest non-overlapping matches, attaches the
prefix modifier (`ab`, `seit`, `gegen`), fills the value template from the groups and
resolves it against the document date.  Clock times then take the day named in their
sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from .grammar import Grammar, Rule
from .timex import granularity, resolve, valid

_FIELD = re.compile(r"\{([a-z][a-z0-9]*)\}")
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
_SENT_END = re.compile(r"(?<![0-9])[.!?](?=\s+[A-ZÄÖÜ„\"])|\n\s*\n|\n(?=[A-ZÄÖÜ#>*-])")
_WORD = re.compile(r"\w+")
_TIME_ONLY = re.compile(r"^T[^/]*(?:/T.*)?$")
_DIRECTED = re.compile(r"WD|WE|XXXX-")  # values whose resolution depends on the tense
_DAY_VALUE = re.compile(r"^(?:\d{4}|XXXX)-\d\d-\d\d(?:T(?:MO|MI|AF|EV|NI))?$")
# a date-time written as one phrase (`datetime.*` rules) names its day too; a clock time
# that took its day from an earlier row does not pass it on (no chains across a text)
_DATETIME_VALUE = re.compile(r"^(?:\d{4}|XXXX)-\d\d-\d\dT\d\d:\d\d$")


@dataclass
class Match:
    start: int
    end: int
    rule: Rule
    groups: dict
    # prefix words before the match, innermost first: (word, its modifiers.yaml entry)
    prefixes: list = field(default_factory=list)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """A cheap sentence split for texts without a spaCy Doc (headline lines count)."""
    spans, start = [], 0
    for m in _SENT_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def _vetoed(grammar: Grammar, rule: Rule, text: str, s: int, e: int) -> bool:
    for v in grammar.vetoes:
        if not v.applies(rule.id):
            continue
        if v.before is not None and not v.before.search(text[max(0, s - 40) : s]):
            continue
        if v.after is not None and not v.after.search(text[e : e + 40]):
            continue
        if v.text is not None and not v.text.search(text[s:e]):
            continue
        return True
    return False


_DIGITS = re.compile(r"\d+")


def windows(text: str, grammar: Grammar, trigger=None) -> list[tuple[int, int]]:
    """Merged character windows around trigger tokens: the only places rules run."""
    trigger = trigger or grammar.trigger
    if trigger is None:
        return [(0, len(text))]
    w = grammar.window
    out: list[list[int]] = []
    for m in trigger.finditer(text):
        s, e = max(0, m.start() - w), min(len(text), m.end() + w)
        if out and s <= out[-1][1] + 4 * w:  # merge near windows: fewer regex calls
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


_DIGIT_RUNS: dict[int, re.Pattern] = {}


def digit_windows(text: str, grammar: Grammar) -> list[tuple[int, int]]:
    """`windows(text, grammar, _DIGITS)` in one regex pass: digit runs whose gaps are at most
    6w characters (the windows of two runs merge when the second starts at most 4w after the
    first one's window ends) form one window, widened by w on each side."""
    w = grammar.window
    if w <= 0:
        return windows(text, grammar, _DIGITS)
    rx = _DIGIT_RUNS.get(w)
    if rx is None:
        rx = _DIGIT_RUNS[w] = re.compile(rf"\d+(?:\D{{1,{6 * w}}}\d+)*")
    n = len(text)
    return [(max(0, m.start() - w), min(n, m.end() + w)) for m in rx.finditer(text)]


def candidates(text: str, grammar: Grammar, skip: list[tuple[int, int]] = ()) -> list[Match]:
    found: list[Match] = []
    wins = {"any": windows(text, grammar), "digit": digit_windows(text, grammar)}
    n = len(text)
    chunks: dict[tuple[int, int], str] = {}
    for rule in grammar.rules:
        seen: set[tuple[int, int]] = set()
        for ws, we in wins[rule.trigger]:
            end = min(n, we + grammar.window)
            if rule.literals is not None:
                chunk = chunks.get((ws, end))
                if chunk is None:
                    chunk = chunks[(ws, end)] = text[ws:end]
                if not any(lit in chunk for lit in rule.literals):
                    continue  # no match can lie in this window (prefilter.py)
            for m in rule.regex.finditer(text, ws, end):
                if m.start() >= we:
                    break
                s, e = m.span()
                if s == e or (s, e) in seen:
                    continue
                seen.add((s, e))
                # trailing blanks are never part of an expression
                while e > s and text[e - 1].isspace():
                    e -= 1
                if any(a < e and s < b for a, b in skip):
                    continue
                if _vetoed(grammar, rule, text, s, e):
                    continue
                found.append(Match(s, e, rule, {k: v for k, v in m.groupdict().items() if v is not None}))
    # longest first, then rule priority, then position: deterministic
    found.sort(key=lambda c: (-(c.end - c.start), c.rule.priority, c.start, c.rule.id))
    chosen: list[Match] = []
    taken: list[tuple[int, int]] = []
    for c in found:
        if any(a < c.end and c.start < b for a, b in taken):
            continue
        chosen.append(c)
        taken.append((c.start, c.end))
    chosen.sort(key=lambda c: (c.start, c.end))
    return chosen


def _apply_prefix(text: str, c: Match, grammar: Grammar, lower_bound: int) -> None:
    """Prefix words before the match (`ab`, `seit`, `bis etwa`), innermost first; a
    `keep` prefix moves the start of the span."""
    pos = c.start
    for _ in range(2):
        m = grammar.prefix_regex.search(text, max(lower_bound, pos - 40), pos)
        if not m:
            return
        word = " ".join(m.group("prep").lower().split())
        info = grammar.prefixes.get(word)
        if not info:
            return
        types, rule_ids = info.get("types"), info.get("rules")
        if (not types or c.rule.type in types) and (not rule_ids or c.rule.id.startswith(tuple(rule_ids))):
            c.prefixes.append((word, info))
            if info.get("keep"):
                c.start = m.start()
        pos = m.start()


def _prefix_modifier(c: Match, value: str) -> str | None:
    """The modifier of the outermost prefix that applies to this value (`zum` is `from`
    only before a day: `zum 1. Januar`, not `zum Jahresende`)."""
    gran = granularity(value) if value else None
    for _, info in reversed(c.prefixes):
        grans = info.get("granularity")
        if grans and gran not in grans:
            continue
        return info.get("modifier")
    return None


def _number(word: str, grammar: Grammar) -> str | None:
    w = word.strip().lower()
    if re.fullmatch(r"\d+", w):
        return str(int(w))
    if re.fullmatch(r"\d+,\d+", w):
        return str(float(w.replace(",", "."))).rstrip("0").rstrip(".")
    return grammar.lookup.get("n", {}).get(" ".join(w.split()))


def _group_value(name: str, raw: str, grammar: Grammar) -> str | None:
    base = name.rstrip("0123456789")
    key = " ".join(raw.lower().split())
    if base == "n":
        return _number(raw, grammar)
    table = grammar.lookup.get(base)
    if table is not None and key in table:
        return table[key]
    if base in ("y", "d", "m", "h", "min", "o"):
        digits = re.sub(r"\D", "", raw)
        return digits or None
    return raw if table is None else None


_DUR_TIME_UNITS = {"H": "H", "MIN": "M", "S": "S"}


def _fields(groups: dict, grammar: Grammar, pivot: int = 50) -> dict[str, str]:
    """Normalised template fields from a match's groups."""
    f: dict[str, str] = {}
    for name, raw in groups.items():
        v = _group_value(name, raw, grammar)
        if v is not None:
            f[name] = v
    _pair_fields(f)
    _date_fields(f, pivot)
    _hour_fields(f)
    if "dec" in f:
        d = re.sub(r"\D", "", groups["dec"])
        f["dec"] = d[:3] if len(d) == 4 else "19" + d[0]
    # a stopwatch reading (`3:02 Minuten`, `2:08:15 Stunden`): groups dh / dmin / dsec
    if any(k in groups for k in ("dh", "dmin", "dsec")):
        f["dur"] = _clock_duration(groups)
    _duration_fields(f)
    rel = f.get("rel")
    f["wddir"] = {"-1": "L", "+1": "N", "0": "C"}.get(rel or "", "T")
    if rel is not None:
        f["rel"] = rel if rel.startswith(("+", "-")) else "+" + rel
    return f


_PAIRED = ("y", "m", "d", "pod", "wd")


def _pair_fields(f: dict[str, str]) -> None:
    """Pairs: x2 defaults to x and x to x2, so that a range names its shared parts once
    (`8. - 11. November 2018`: the month and year of the end are the start's too)."""
    for base in _PAIRED:
        if base in f and base + "2" not in f:
            f[base + "2"] = f[base]
        if base + "2" in f and base not in f:
            f[base] = f[base + "2"]


def _date_fields(f: dict[str, str], pivot: int) -> None:
    """Years with four digits (a two-digit year below `pivot` is 20xx, else 19xx), months
    and days with two: the forms TIMEX3 values are written in."""
    if "y" in f:
        for k in ("y", "y2"):
            y = int(f[k])
            f[k] = f"{(1900 + y if y >= pivot else 2000 + y) if y < 100 else y:04d}"
    for k in ("m", "m2", "d", "d2"):
        if k in f:
            f[k] = f"{int(f[k]):02d}"


def _hour_fields(f: dict[str, str]) -> None:
    """Hours on the 24-hour clock by the part of day named with them (`8 Uhr abends` is
    20:00, `12 Uhr nachts` 00:00), minutes `00` when not given."""
    for k in ("h", "h2"):
        if k in f:
            h = int(f[k])
            pod = f.get("pod" + k[1:]) or f.get("pod")
            if pod in ("AF", "EV") and h < 12 or pod == "NI" and 6 <= h < 12:
                h += 12
            elif pod == "NI" and h == 12:
                h = 0
            f[k] = f"{h:02d}"
            mk = "min" + k[1:]
            f.setdefault(mk, "00")


def _duration_fields(f: dict[str, str]) -> None:
    """`dur` (a duration: `P3D`, `PT2H`) and `per` (a set's period, one unit when the
    number is unknown) from the number `n` and the unit `u`."""
    unit = f.get("u")
    if not unit:
        return
    n = f.get("n", "X")
    if unit in _DUR_TIME_UNITS:
        f["dur"] = f"PT{n}{_DUR_TIME_UNITS[unit]}"
        f["per"] = f"PT{n if n != 'X' else 1}{_DUR_TIME_UNITS[unit]}"
    else:
        f["dur"] = f"P{n}{unit}"
        f["per"] = f"P{n if n != 'X' else 1}{unit}"


def _clock_duration(groups: dict) -> str:
    """`PT3M2S` from the parts of a stopwatch reading; zero parts are left out."""
    parts = []
    for key, unit in (("dh", "H"), ("dmin", "M"), ("dsec", "S")):
        raw = groups.get(key)
        if raw is None:
            continue
        num = float(raw.replace(",", "."))
        if num:
            parts.append(f"{num:g}{unit}")
    return "PT" + ("".join(parts) or "0S")


def fill(template: str, fields: dict[str, str]) -> str | None:
    """Fill a value template; `[...]` parts are dropped when a field inside is missing."""

    def opt(m: re.Match) -> str:
        inner = m.group(1)
        names = _FIELD.findall(inner)
        if all(n in fields for n in names):
            return _FIELD.sub(lambda x: fields[x.group(1)], inner)
        return ""

    out = _OPTIONAL.sub(opt, template)
    missing = [n for n in _FIELD.findall(out) if n not in fields]
    for n in missing:
        if n.rstrip("2") == "y":
            fields = {**fields, n: "XXXX"}
        elif n == "rel":
            fields = {**fields, n: "+0"}
        else:
            return None
    return _FIELD.sub(lambda x: fields[x.group(1)], out)


_CLAUSE_BREAK = re.compile(r"[,:](?!\d)|[;–]")


def _clause(text: str, s0: int, s1: int, start: int, end: int) -> str:
    """The clause around an expression: its sentence cut at `,;:–` (not inside it; a
    comma or colon before a digit is a number or a clock time, not a break)."""
    left = s0
    for m in _CLAUSE_BREAK.finditer(text, s0, start):
        left = m.end()
    m = _CLAUSE_BREAK.search(text, end, s1)
    return text[left : m.start() if m else s1]


def _tense(clause: str, grammar: Grammar) -> str | None:
    """`past`, `future` or None for a clause, by the words of `tense.yaml`."""
    t = grammar.tense
    words = _WORD.findall(clause)
    lower = [w.lower() for w in words]
    for i, w in enumerate(words):
        if w in t.past_words and (i == 0 or lower[i - 1] not in t.adjective_context):
            return "past"
    if t.participle is not None and len(words) >= 2 and t.perfect_auxiliaries.intersection(lower):
        # the participle closes the clause: `hat ... erhalten` / `... erhalten hat`
        k = len(words) - 2 if lower[-1] in t.perfect_auxiliaries else len(words) - 1
        part = words[k]
        if (k > 0 and lower[k - 1] != "zu" and part not in t.perfect_exceptions
                and t.participle.fullmatch(part)):
            return "past"
    if t.future_words.intersection(lower):
        return "future"
    return None


def _direction(c: Match, clause: str, grammar: Grammar) -> str | None:
    """The tense an expression is resolved with: a `seit` prefix always points back, an
    `ab` prefix forward unless the clause is in the past, else the clause's tense."""
    t = grammar.tense
    prefixes = {w for w, _ in c.prefixes}
    if prefixes & t.past_prefixes:
        return "past"
    tense = _tense(clause, grammar)
    if tense != "past" and prefixes & t.future_prefixes:
        return "future"
    return tense


def extract(text: str, anchor: str | None, grammar: Grammar,
            sentences: list[tuple[int, int]] | None = None,
            skip: list[tuple[int, int]] = ()) -> list[dict]:
    """Rows (without doc_id) for every temporal expression in `text`."""
    if sentences is None:
        sentences = sentence_spans(text)
    rows: list[dict] = []
    sent_of: list[int] = []
    chosen = candidates(text, grammar, skip)
    prev_end = 0
    for c in chosen:
        _apply_prefix(text, c, grammar, prev_end)
        prev_end = c.end
        f = _fields(c.groups, grammar)
        raw_value = fill(c.rule.value, f)
        if raw_value is None:
            continue
        si = _sentence_index(sentences, c.start)
        s0, s1 = sentences[si] if sentences else (0, len(text))
        tense = _direction(c, _clause(text, s0, s1, c.start, c.end), grammar) if _DIRECTED.search(raw_value) else None
        ref = anchor
        if c.rule.reference == "sentence" and anchor:
            earlier = [r for r, s in zip(rows, sent_of) if s == si and not _GENITIVE_GAP.fullmatch(text[r["end_char"] : c.start])]
            ref = _sentence_reference(raw_value, earlier) or anchor
        if c.rule.type == "SET":
            value, used = raw_value, False  # a set is not anchored (`XXXX-WXX-1`)
        else:
            value, used = resolve(raw_value, ref, tense)
        if value and not valid(value):
            continue
        modifier = _prefix_modifier(c, value) or c.rule.modifier or f.get("pos") or f.get("q")
        freq = fill(c.rule.frequency, f) if c.rule.frequency else None
        rows.append({
            "start_char": c.start, "end_char": c.end, "text": text[c.start : c.end],
            "type": c.rule.type, "value": value, "granularity": granularity(value),
            "modifier": modifier, "anchor": ref if used else None,
            "frequency": freq, "rule": c.rule.id,
        })
        sent_of.append(si)
    _attach_days(rows, sent_of)
    if not anchor:
        _narrative_years(rows, sent_of)
    return rows


_EXPLICIT_YEAR = re.compile(r"^(\d{4})(?:$|[-T/])")


def _narrative_years(rows: list[dict], sent_of: list[int]) -> None:
    """Without a document date, a day or month without year (`XXXX-03-05`) takes the year
    of the nearest row before it that names one explicitly as a point (`im März 2021 ...
    am 5. Mai`; not a bound like `bis 2024`, not an interval) in the same sentence, or in
    the previous one as a month or day (`im März 2021`, not a bare `2010`) -- HeidelTime's
    narrative strategy, kept local: in news without a date a bare year or a year further
    back is mostly background history, not the year of the event; none: `XXXX` stays."""
    years = [(i, m.group(1)) for i, r in enumerate(rows)
             if (m := _EXPLICIT_YEAR.match(r["value"] or "")) and m.group(1) in r["text"]
             and "/" not in r["value"] and r["modifier"] not in _BOUND_MODIFIERS]
    for i, r in enumerate(rows):
        if not (r["value"] or "").startswith("XXXX-") or r["value"].startswith("XXXX-WXX"):
            continue
        before = [y for j, y in years if j < i and (sent_of[j] == sent_of[i] or sent_of[i] - sent_of[j] == 1
                                                    and rows[j]["value"][4:5] == "-")]
        if before:
            r["value"] = r["value"].replace("XXXX", before[-1])
            r["granularity"] = granularity(r["value"])


_REF_UNIT = re.compile(r"REF[+-](?:\d+(?:\.\d+)?|X)(?P<unit>MIN|DE|CE|Y|Q|M|W|D|H|S)")
_POINT_DATE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d\d)(?:-(?P<d>\d\d))?)?(?:$|[-T])")
# a period that is only a bound, not the period talked about (`seit 2011`, `bis 2030`)
_BOUND_MODIFIERS = {"since", "from", "until", "before", "after"}
# `am 21. September des Vorjahres`: the period qualifies the date, it is not relative to it
_GENITIVE_GAP = re.compile(r"\s+des\s+")


def _sentence_reference(raw_value: str, earlier: list[dict]) -> str | None:
    """The date an anaphoric period (`Vorjahr`) is relative to: the nearest DATE named
    before it in the same sentence that is a point at the needed precision (a year for
    `Y`, a month for `M`), not a bound (`seit 2011`); None = the document date."""
    unit = _REF_UNIT.search(raw_value)
    if not unit:
        return None
    for r in reversed(earlier):
        if r["type"] != "DATE" or r["modifier"] in _BOUND_MODIFIERS or "/" in (r["value"] or ""):
            continue
        m = _POINT_DATE.match(r["value"] or "")
        if not m or (unit.group("unit") not in ("Y", "DE", "CE") and not m.group("m")):
            continue
        return date(int(m.group("y")), int(m.group("m") or 1), int(m.group("d") or 1)).isoformat()
    return None


def _sentence_index(sentences: list[tuple[int, int]], pos: int) -> int:
    lo, hi = 0, len(sentences) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sentences[mid][0] <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _attach_days(rows: list[dict], sent_of: list[int], window: int = 800) -> None:
    """A clock time takes the day named in the same sentence (nearest one), else the
    nearest day named before it within `window` characters.  After a night
    (`Nacht zum Mittwoch` = Tuesday TNI) a morning time is on the next day; an interval
    ending before it starts (`22 Uhr bis 5 Uhr`) ends on the next day."""
    for i, r in enumerate(rows):
        if r["type"] != "TIME" or not r["value"] or not _TIME_ONLY.match(r["value"]):
            continue
        j = _day_of_time(rows, sent_of, i, window)
        if j is None:
            continue
        r["value"] = _on_day(r["value"], rows[j]["value"])
        r["granularity"] = granularity(r["value"])
        r["anchor"] = r["anchor"] or rows[j]["anchor"]


def _day_of_time(rows: list[dict], sent_of: list[int], i: int, window: int) -> int | None:
    """The row whose day clock time `i` is on: the nearest DATE naming a day in its
    sentence, else the last day-valued row before it within `window` characters."""
    r = rows[i]
    days = [j for j, o in enumerate(rows) if j != i and o["type"] in ("DATE", "TIME") and _names_day(o)]
    same = [j for j in days if sent_of[j] == sent_of[i] and rows[j]["type"] == "DATE"]
    if same:
        return min(same, key=lambda j: (abs(rows[j]["start_char"] - r["start_char"]), j))
    before = [j for j in days if j < i and r["start_char"] - rows[j]["end_char"] <= window]
    return before[-1] if before else None


def _names_day(row: dict) -> bool:
    value = row["value"] or ""
    return bool(_DAY_VALUE.match(value) or row["rule"].startswith("datetime.") and _DATETIME_VALUE.match(value))


def _on_day(value: str, src: str) -> str:
    """A clock time (or interval) `value` on the day of `src`; its end is on the next day
    when it is earlier than its start, and a morning after a night (`TNI`) is too."""
    day = date.fromisoformat(src[:10]) if src[:4].isdigit() else None
    parts = value.split("/")
    if day is None:
        return "/".join(src[:10] + p for p in parts)
    first = day + timedelta(days=1) if src.endswith("TNI") and _is_morning(parts[0]) else day
    out = [first.isoformat() + parts[0]]
    for p in parts[1:]:
        later = p[1:3].isdigit() and parts[0][1:3].isdigit() and p[1:] < parts[0][1:]
        out.append((first + timedelta(days=1 if later else 0)).isoformat() + p)
    return "/".join(out)


def _is_morning(time_part: str) -> bool:
    return time_part in ("TMO", "TMI") or (time_part[1:3].isdigit() and int(time_part[1:3]) < 12)
