"""`make eval-dates`: score the dates stage.

    python -m pipeline.evaluation.dates --eval ../shared/eval --data ../shared/data --gold tests/gold

1. Own gold (`tests/gold/dates/*.yaml`: the seed reports and the report texts): detection
   P/R/F1 (exact span and overlapping span) and value accuracy over overlapping pairs.
   The same tables again for the held-out texts (`tests/gold/dates/heldout/*.yaml`, texts
   in `tests/gold/texts/heldout/`, annotated without running the pipeline or reading the
   rules), not part of the own-gold totals.  For dates it is no longer blind: its errors
   (first run: F1 97.0 % exact, value accuracy 87.8 %) were used to fix the rules.
2. Microsoft Recognizers-Text German cases (`recognizers_de/`: date, datetime, dateperiod,
   time, timeperiod, duration, set), each resolved against its reference date: detection
   recall/precision (overlap) and value agreement per kind, next to the same figures for
   `dateparser.search_dates` (languages=de, RELATIVE_BASE = the reference).
3. Peer cases (`peer/`: Duckling, dateparser, HeidelTime-ext): detection rate on positive
   cases, false-alarm rate on negative ones (evaluation only; nothing is copied).
4. Orientation-free Duckling + dateparser date cases (`dates_peer.py`: an explicit year,
   or a day with its month): pass rate and the list of failures.
5. Speed: words per second of the stage and of `search_dates` over the same benchmark
   texts (`data/text/`), and their ratio, measured in one run.

Where Recognizers' conventions differ from ours, values are mapped before comparing:
- period ends are exclusive there (`(2016-11-08,2016-11-12,P4D)`), inclusive here
  (`2016-11-08/2016-11-11`): their end is moved back one unit;
- an hour is `T16` there, `T16:00` here; seconds are dropped;
- ambiguous expressions have a past and a future value there: either one agrees;
- a resolved date (`value`) or the unresolved timex (`XXXX-10-02`) agrees.
Cases whose expected value is of a kind we deliberately do not produce (bare `um 7`,
spans that include a locating preposition) count as value disagreement only when we
detect them; they are listed by the `--errors` option.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from ..dates import grammar_for
from ..rulebook import load_rules
from ..temporal.extract import extract
from . import REPO, gnad_texts, shared_dir
from .dates_peer import score_orientation_free

RECOGNIZER_KINDS = ["date", "datetime", "dateperiod", "datetimepoint", "datetimeperiod", "time", "timeperiod", "duration", "set"]


# --------------------------------------------------------------------------- helpers
def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _table(title: str, header: list[str], rows: list[list]) -> str:
    cells = [[str(c) for c in header]] + [[f"{c:.1%}" if isinstance(c, float) else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    out = [f"\n{title}", "| " + " | ".join(h.ljust(w) for h, w in zip(cells[0], widths)) + " |",
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in cells[1:]]
    return "\n".join(out)


# --------------------------------------------------------------------------- own gold
BLIND = "heldout"  # subfolder of dates/ with the blind held-out gold
BLIND2 = "blind2"  # second blind set: measured, never used to change rules
BLIND3 = "blind3"  # third blind set (issues 10/11): measured, never used to change rules


def gold_documents(gold_root: Path, subdir: str | None = None) -> list[dict]:
    """(text, anchor, metadata, regions, gold entries) per gold file of `dates/` (or of
    `dates/<subdir>/`)."""
    from ..layout import normalise_text, parse_structure

    docs = []
    folder = gold_root / "dates" / subdir if subdir else gold_root / "dates"
    for path in sorted(folder.glob("*.yaml")):
        g = yaml.safe_load(path.read_text(encoding="utf-8"))
        src = REPO / (g.get("text") or g.get("source"))
        text = normalise_text(src.read_text(encoding="utf-8"))
        meta, regions = parse_structure(text)
        entries = [dict(e, value=str(e["value"] or "")) for e in g.get("dates") or []]
        docs.append({"name": path.stem, "text": text, "anchor": g.get("anchor"), "meta": meta, "regions": regions, "gold": entries})
    return docs


def score_gold(gold_root: Path, show_errors: bool = False, subdir: str | None = None,
               title: str = "Own gold") -> str:
    from ..assembly import nlp_for_text
    from ..ingest import DocRecord
    from ..runner import process_batch

    nlp = nlp_for_text("blank")
    totals = {"exact": [0, 0, 0], "overlap": [0, 0, 0]}
    value_ok = value_n = type_ok = mod_ok = 0
    rows_out, errors = [], []
    for d in gold_documents(gold_root, subdir):
        rec = DocRecord(d["name"], d["name"], d["text"], "", "utf-8", doc_date=d["anchor"], metadata=d["meta"], regions=d["regions"])
        (res,) = process_batch(nlp, [rec])
        sys_rows = res.tables.get("dates", [])
        gold = d["gold"]
        gspans = [(g["start_char"], g["start_char"] + len(g["text"])) for g in gold]
        sspans = [(r["start_char"], r["end_char"]) for r in sys_rows]
        ex_tp = len(set(gspans) & set(sspans))
        totals["exact"][0] += ex_tp
        totals["exact"][1] += len(sspans) - ex_tp
        totals["exact"][2] += len(gspans) - ex_tp
        matched_sys = set()
        doc_tp = 0
        for gi, gs in enumerate(gspans):
            cand = [i for i, ss in enumerate(sspans) if _overlap(gs, ss) and i not in matched_sys]
            if not cand:
                errors.append(f"  {d['name']}: missed {gold[gi]['text']!r} ({gold[gi]['value']})")
                continue
            i = min(cand, key=lambda i: (sspans[i] != gs, i))
            matched_sys.add(i)
            doc_tp += 1
            value_n += 1
            s, g = sys_rows[i], gold[gi]
            if (s["value"] or "") == g["value"]:
                value_ok += 1
            else:
                errors.append(f"  {d['name']}: {g['text']!r} value {s['value']!r}, gold {g['value']!r}")
            type_ok += s["type"] == g["type"]
            mod_ok += (s["modifier"] or None) == (g.get("modifier") or None)
        for i, s in enumerate(sys_rows):
            if i not in matched_sys:
                errors.append(f"  {d['name']}: spurious {s['text']!r} ({s['value']}, {s['rule']})")
        fp, fn = len(sspans) - len(matched_sys), len(gspans) - doc_tp
        totals["overlap"][0] += doc_tp
        totals["overlap"][1] += fp
        totals["overlap"][2] += fn
        p, r, f = prf(doc_tp, fp, fn)
        rows_out.append([d["name"], len(gspans), len(sspans), p, r, f])
    table = _table(f"{title}: per document (overlapping spans)", ["document", "gold", "system", "P", "R", "F1"], rows_out)
    summary = []
    for k in ("exact", "overlap"):
        p, r, f = prf(*totals[k])
        summary.append([k, *totals[k], p, r, f])
    out = table + _table(f"{title}: detection", ["match", "tp", "fp", "fn", "P", "R", "F1"], summary)
    out += _table(f"{title}: normalisation (over overlapping pairs)", ["measure", "correct", "pairs", "accuracy"], [
        ["value", value_ok, value_n, value_ok / value_n if value_n else 0.0],
        ["type", type_ok, value_n, type_ok / value_n if value_n else 0.0],
        ["modifier", mod_ok, value_n, mod_ok / value_n if value_n else 0.0],
    ])
    if show_errors and errors:
        out += f"\n\n{title}: errors\n" + "\n".join(errors)
    return out


# --------------------------------------------------------------------------- Recognizers
def _norm_time(t: str) -> str:
    """`T16` -> `T16:00`; `T16:30:00` -> `T16:30`."""
    m = re.match(r"^(.*T)(\d\d)(?::(\d\d))?(?::\d\d)?$", t)
    if not m:
        return t
    return f"{m.group(1)}{m.group(2)}:{m.group(3) or '00'}"


def _minus_one(end: str) -> str:
    """Exclusive period end -> inclusive (day, month or year precision)."""
    try:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", end):
            return (date.fromisoformat(end) - timedelta(days=1)).isoformat()
    except ValueError:
        return end
    return end


def _period_variants(start: str, end: str) -> set[str]:
    out = {f"{start}/{end}"}
    try:
        date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return out
    if re.fullmatch(r"\d{4}-\d\d-\d\d", start) and re.fullmatch(r"\d{4}-\d\d-\d\d", end):
        inc = _minus_one(end)
        out.add(f"{start}/{inc}")
        s, e = date.fromisoformat(start), date.fromisoformat(end)
        if s.day == 1 and e.day == 1:  # whole months
            last = date.fromisoformat(inc)
            out.add(f"{s:%Y-%m}/{last:%Y-%m}" if (s.year, s.month) != (last.year, last.month) else f"{s:%Y-%m}")
            if s.month == 1 and e.month == 1:
                out.add(f"{s.year}" if e.year == s.year + 1 else f"{s.year}/{last.year}")
        if (e - s).days == 7 and s.isoweekday() == 1:
            y, w, _ = s.isocalendar()
            out.add(f"{y}-W{w:02d}")
        if (e - s).days == 2 and s.isoweekday() == 6:
            y, w, _ = s.isocalendar()
            out.add(f"{y}-W{w:02d}-WE")
    return out


def _timex_variants(timex: str) -> set[str]:
    out = {timex, _norm_time(timex)}
    m = re.match(r"^\((.+?),(.+?),(P.+)\)$", timex)
    if m:
        s, e = _norm_time(m.group(1)), _norm_time(m.group(2))
        out |= _period_variants(s, e)
        out.add(f"{s}/{e}")
    return out


def _as_date(value: str) -> str:
    return value


def _as_datetime(value: str) -> str:
    """`2016-11-08 16:00:00` -> `2016-11-08T16:00`."""
    return _norm_time(value.replace(" ", "T"))


def _as_time(value: str) -> str:
    """`16:00:00` -> `T16:00`."""
    return _norm_time("T" + value)


# how a resolved point of each Recognizers type is written in our convention
_POINT_FORMS = {"date": _as_date, "datetime": _as_datetime, "time": _as_time}


def expected_values(result: dict) -> set[str]:
    """Every value of a Recognizers result we accept as agreeing (see module doc)."""
    vals: set[str] = set()
    if "Resolution" in result:
        for v in (result.get("Resolution") or {}).get("values") or []:
            vals |= _resolution_values(v)
    elif "Value" in result:
        vals = _future_past_values(result["Value"] or {})
    return {v for v in vals if v}


def _resolution_values(v: dict) -> set[str]:
    """The values of one `Resolution.values` entry (the newer result format): its timex,
    its resolved point (`value`) or its resolved range (`start`, `end`)."""
    vals: set[str] = set()
    if v.get("timex"):
        vals |= _timex_variants(v["timex"])
    typ = v.get("type", "")
    if "value" in v:
        if typ in _POINT_FORMS:
            vals.add(_POINT_FORMS[typ](v["value"]))
        elif typ == "duration" and v.get("timex"):
            vals.add(v["timex"])
    if "start" in v and "end" in v:
        vals |= _range_values(v["start"], v["end"])
    return vals


def _range_values(start: str, end: str) -> set[str]:
    """A resolved range: date-times and times as `start/end`; dates with every period
    form they can be written as (exclusive end, whole months, weeks, weekends)."""
    if " " in start or " " in end:
        return {f"{_as_datetime(start)}/{_as_datetime(end)}"}
    if ":" in start:
        return {f"{_as_time(start)}/{_as_time(end)}"}
    return _period_variants(start, end)


def _future_past_values(v: dict) -> set[str]:
    """The values of a `Value` result (the older format): its timex, and both its future
    and its past resolution (an ambiguous expression agrees with either)."""
    vals = _timex_variants(v["Timex"]) if v.get("Timex") else set()
    for res in (v.get("FutureResolution") or {}, v.get("PastResolution") or {}):
        for key, form in (("date", _as_date), ("time", _as_time), ("dateTime", _as_datetime)):
            if key in res:
                vals.add(form(res[key]))
        if "startDate" in res and "endDate" in res:
            vals |= _period_variants(res["startDate"], res["endDate"])
        if "startTime" in res and "endTime" in res:
            vals.add(f"{_as_time(res['startTime'])}/{_as_time(res['endTime'])}")
    return vals


# Documented convention differences (expected text, lower-case -> reason).  Cases matching
# one are scored, but left out of the "common ground" value agreement.
CONVENTIONS = [
    (r"^(in|für die nächsten|die nächsten|nächsten) (\d+|[a-zäöü]+)(,\d+)? ?(tag|tg|woche|monat|jahr|stunde|minute|min|sek)",
     "`in 3 Tagen`: we give a DATE at the unit's precision (`in 3 Wochen` -> week); Recognizers a duration or a day"),
    (r"halb|viertel|minuten nach|uhr \d|uhr und|uhr vierzig|\d h \d",
     "colloquial clock readings (`halb acht`, `viertel 8`, `18 uhr 12`): deliberately not produced"),
    (r"^(um )?(\d{1,2}|eins|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf)$|um (\d+|sieben)$|^(am )?\d{1,2}\.( um|$)|vom \d+\. bis zum \d+\.$|zwischen dem \d+\. und dem \d+\.$|von \d+ bis \d+( am|$)",
     "bare numbers without `Uhr` or month (`um 7`, `am 15.`): deliberately not detected as such"),
    (r"wochenende|nächste woche montag",
     "deixis without tense: Recognizers resolves forward, we resolve to the past (reports)"),
    (r"mittagszeit|vormittagszeit|12 uhr abends|12 abends",
     "meal times / `12 Uhr abends`: part of day (TMI) here, a clock time there"),
]


def convention_difference(expected_text: str) -> str | None:
    t = " ".join((expected_text or "").lower().split())
    for pattern, reason in CONVENTIONS:
        if re.search(pattern, t):
            return reason
    return None


def agrees(ours: str, evals: set[str]) -> bool:
    """Our value agrees with one of Recognizers' (seconds dropped; their unresolved weekday
    timex `XXXX-WXX-2TEV` agrees with any resolved Tuesday evening)."""
    if not ours:
        return False
    o = "/".join(_norm_time(p) for p in ours.split("/"))
    if o in evals or ours in evals:
        return True
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)(.*)", o)
    if m:
        wd = date.fromisoformat(m.group(1)).isoweekday()
        for e in evals:
            w = re.fullmatch(r"XXXX-WXX-([1-7])(.*)", e)
            if w and int(w.group(1)) == wd and _norm_time(w.group(2)) == m.group(2) if w and w.group(2) else w and int(w.group(1)) == wd and not m.group(2):
                return True
    return False


def _span(result: dict, text: str) -> tuple[int, int]:
    start = result["Start"]
    if "Length" in result:
        return start, start + result["Length"]
    return start, result["End"] + 1


def load_cases(eval_dir: Path) -> list[dict]:
    cases = []
    for kind in RECOGNIZER_KINDS:
        path = eval_dir / "recognizers_de" / f"{kind}.jsonl"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                cases.append(json.loads(line))
    return cases


def _anchor(reference: str | None) -> str | None:
    return reference[:10] if reference else None


@lru_cache(maxsize=4096)
def _dp_search(text: str, reference: str | None):
    from dateparser.search import search_dates

    settings = {"RELATIVE_BASE": datetime.fromisoformat(reference)} if reference else {}
    try:
        return tuple(search_dates(text, languages=["de"], settings=settings) or ())
    except Exception:  # dateparser raises on odd input; count as nothing found
        return ()


def _dp_rows(text: str, reference: str | None) -> list[dict]:
    rows, pos = [], 0
    for sub, dt in _dp_search(text, reference):
        i = text.find(sub, pos)
        if i < 0:
            i = text.find(sub)
        if i < 0:
            continue
        pos = i + len(sub)
        has_time = dt.hour or dt.minute
        vals = {dt.date().isoformat(), f"{dt:%Y-%m}", f"{dt:%Y}", f"T{dt:%H:%M}"}
        if has_time:
            vals.add(f"{dt.date().isoformat()}T{dt:%H:%M}")
        rows.append({"start_char": i, "end_char": i + len(sub), "values": vals})
    return rows


_COUNTS = ("exp", "found", "sys", "correct_sys", "vexp", "vfound", "vok", "cfound", "cok")
_SYSTEMS = ("stage", "dateparser")


@dataclass
class _StageLog:
    """What is recorded for the stage only (not for dateparser): its errors, and how many
    expected values each documented convention difference leaves out."""
    errors: list[str] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)


def score_recognizers(eval_dir: Path, grammar, show_errors: bool = False) -> str:
    cases = load_cases(eval_dir)
    if not cases:
        return "\nRecognizers-Text: no cases found (skipped)"
    stats: dict[str, dict[str, dict[str, int]]] = {}
    log = _StageLog()
    for case in cases:
        _score_case(case, grammar, stats, log)
    header = ["kind", "system", "expected", "recall", "precision", "with value", "value agr. (detected)", "value agr. (all)", "value agr. (common ground)"]
    out = _table("Recognizers-Text German date/time cases (overlapping spans; values mapped to our conventions)", header, _recognizer_rows(stats))
    out += "\nLeft out of the common ground (expected values, by documented convention difference):\n"
    out += "\n".join(f"  {n:3d}  {reason}" for reason, n in sorted(log.excluded.items(), key=lambda x: -x[1]))
    if show_errors and log.errors:
        out += "\n\nRecognizers: stage errors\n" + "\n".join(log.errors)
    return out


def _score_case(case: dict, grammar, stats: dict, log: _StageLog) -> None:
    """One Recognizers case, for the stage and for dateparser, into `stats[kind][system]`."""
    kind, text, ref = case["kind"], case["text"], case["reference"]
    expected = case["expected"]["results"]
    ours = extract(text, _anchor(ref), grammar)
    ours_sys = [{"start_char": r["start_char"], "end_char": r["end_char"], "values": {r["value"]}, "row": r} for r in ours]
    theirs = _dp_rows(text, ref)
    for system, rows in (("stage", ours_sys), ("dateparser", theirs)):
        st = stats.setdefault(kind, {}).setdefault(system, dict.fromkeys(_COUNTS, 0))
        st["sys"] += len(rows)
        st["correct_sys"] += sum(1 for r in rows if any(_overlap((r["start_char"], r["end_char"]), _span(e, text)) for e in expected))
        stage_log = log if system == "stage" else None
        for e in expected:
            _score_expected(e, rows, text, f"  [{kind}] {text!r}", st, stage_log)


def _score_expected(e: dict, rows: list[dict], text: str, where: str, st: dict, log: _StageLog | None) -> None:
    """One expected result against one system's rows: detected when a row overlaps it;
    its value scored when Recognizers gives one; a stage miss is logged."""
    span = _span(e, text)
    st["exp"] += 1
    hit = [r for r in rows if _overlap((r["start_char"], r["end_char"]), span)]
    if hit:
        st["found"] += 1
    evals = expected_values(e)
    if evals:
        _score_value(e, evals, hit, where, st, log)
    if log is not None and not hit:
        log.errors.append(f"{where}: missed {e.get('Text')!r}")


def _score_value(e: dict, evals: set[str], hit: list[dict], where: str, st: dict, log: _StageLog | None) -> None:
    """Value agreement of the rows that detected an expected result; a case with a
    documented convention difference counts, but not towards the common ground."""
    st["vexp"] += 1
    conv = convention_difference(e.get("Text", ""))
    if conv and log is not None:
        log.excluded[conv] = log.excluded.get(conv, 0) + 1
    if not hit:
        return
    st["vfound"] += 1
    ok = any(agrees(v, evals) for r in hit for v in r["values"])
    st["cfound"] += conv is None
    st["cok"] += ok and conv is None
    if ok:
        st["vok"] += 1
    elif log is not None:
        log.errors.append(f"{where}: ours {[r['row']['text'] + '=' + r['row']['value'] for r in hit]}, expected {sorted(evals)[:4]}")


def _recognizer_rows(stats: dict) -> list[list]:
    """A table row per kind and system, in the order of RECOGNIZER_KINDS, then the totals."""
    rows = []
    agg = {s: dict.fromkeys(_COUNTS, 0) for s in _SYSTEMS}
    for kind in RECOGNIZER_KINDS:
        for system in _SYSTEMS:
            st = stats.get(kind, {}).get(system)
            if not st:
                continue
            for k in agg[system]:
                agg[system][k] += st[k]
            rows.append(_rec_row(kind, system, st))
    for system in _SYSTEMS:
        rows.append(_rec_row("ALL", system, agg[system]))
    return rows


def _rec_row(kind: str, system: str, st: dict) -> list:
    return [kind, system, st["exp"], st["found"] / st["exp"] if st["exp"] else 0.0,
            st["correct_sys"] / st["sys"] if st["sys"] else 0.0, st["vexp"],
            st["vok"] / st["vfound"] if st["vfound"] else 0.0, st["vok"] / st["vexp"] if st["vexp"] else 0.0,
            st["cok"] / st["cfound"] if st["cfound"] else 0.0]


# --------------------------------------------------------------------------- peers
PEER_KINDS = {"time", "time_relative", "time_search", "duration", "time_interval", "set"}


def score_peers(eval_dir: Path, grammar) -> str:
    rows = []
    for name in ("duckling_de", "dateparser_de", "heideltime_de"):
        path = eval_dir / "peer" / f"{name}.jsonl"
        if not path.exists():
            continue
        pos = pos_hit = neg = neg_fp = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            c = json.loads(line)
            if c["kind"] not in PEER_KINDS:
                continue
            exp = c["expected"]
            negative = exp.get("match") is False or exp.get("timex3") is False
            found = extract(c["text"], _anchor(c.get("reference")), grammar)
            if negative:
                neg += 1
                neg_fp += bool(found)
            else:
                pos += 1
                pos_hit += bool(found)
        rows.append([name, pos, pos_hit / pos if pos else 0.0, neg, neg_fp / neg if neg else 0.0])
    if not rows:
        return "\nPeer cases: not found (skipped)"
    return _table("Peer cases (date/time kinds): something found on positives, false alarms on negatives",
                  ["source", "positive", "detected", "negative", "false alarms"], rows)


# --------------------------------------------------------------------------- speed
def bench_texts(data_dir: Path, max_docs: int) -> list[str]:
    gnad = data_dir / "text" / "10kgnad-test.csv"
    texts = gnad_texts(gnad, max_docs // 2) if gnad.exists() else []
    speeches = data_dir / "text" / "speeches.json"
    if speeches.exists():
        data = json.loads(speeches.read_text(encoding="utf-8"))
        col = data.get("speech") or {}
        for k in sorted(col, key=lambda x: int(x) if str(x).isdigit() else 0)[: max_docs - len(texts)]:
            texts.append(str(col[k])[:6000])
    return texts


def score_speed(data_dir: Path, grammar, max_docs: int) -> str:
    texts = bench_texts(data_dir, max_docs)
    if not texts:
        return "\nSpeed: no benchmark texts found (skipped)"
    words = sum(len(t.split()) for t in texts)
    from dateparser.search import search_dates

    search_dates("Am 3. März 2020", languages=["de"])  # warm-up (loads language data)
    t0 = time.perf_counter()
    n_stage = sum(len(extract(t, "2020-01-01", grammar)) for t in texts)
    t_stage = time.perf_counter() - t0
    t0 = time.perf_counter()
    n_dp = 0
    for t in texts:
        try:
            n_dp += len(search_dates(t, languages=["de"]) or ())
        except Exception:
            pass
    t_dp = time.perf_counter() - t0
    rows = [["dates stage", len(texts), words, n_stage, f"{t_stage:.2f}", f"{words / t_stage:,.0f}"],
            ["dateparser.search_dates", len(texts), words, n_dp, f"{t_dp:.2f}", f"{words / t_dp:,.0f}"]]
    out = _table(f"Speed over benchmark texts ({data_dir / 'text'})", ["system", "docs", "words", "found", "seconds", "words/s"], rows)
    return out + f"\nspeed ratio (stage vs search_dates): {t_dp / t_stage:.1f}x"


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = shared_dir()
    ap.add_argument("--eval", type=Path, default=shared / "eval")
    ap.add_argument("--data", type=Path, default=shared / "data")
    ap.add_argument("--gold", type=Path, default=REPO / "tests" / "gold")
    ap.add_argument("--bench-docs", type=int, default=40, help="benchmark documents for the speed comparison")
    ap.add_argument("--errors", action="store_true", help="list every error")
    ap.add_argument("--skip", nargs="*", default=[], choices=["gold", "recognizers", "peers", "orientation", "speed"])
    args = ap.parse_args(argv)
    grammar = grammar_for(load_rules())
    parts = []
    if "gold" not in args.skip:
        parts.append(score_gold(args.gold, args.errors))
        if (args.gold / "dates" / BLIND).is_dir():
            parts.append(score_gold(args.gold, args.errors, BLIND, "Held-out (no longer blind for dates)"))
        for sub in (BLIND2, BLIND3):  # scores only: their errors must not drive rule changes
            if (args.gold / "dates" / sub).is_dir():
                parts.append(score_gold(args.gold, False, sub, f"{sub} (blind: never used to change rules)"))
    if "recognizers" not in args.skip:
        parts.append(score_recognizers(args.eval, grammar, args.errors))
    if "peers" not in args.skip:
        parts.append(score_peers(args.eval, grammar))
    if "orientation" not in args.skip:
        parts.append(score_orientation_free(args.eval, grammar))
    if "speed" not in args.skip:
        parts.append(score_speed(args.data, grammar, args.bench_docs))
    print("\n".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
