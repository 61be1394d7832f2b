"""Units across figures, after all figures of a document are found: money sums, then units
for counts without a noun -- shared with the next figure (`sieben von zwölf Rennen`, `von 180
auf 204 Euro`), coordinated (`2 versuchte und ein vollendeter Einbruch`), partitive (`rund 120
der 2,1 Tsd. Stellen`), elided (`von denen 50` -> the previous figure's noun)."""

from __future__ import annotations

from . import count, money
from .declarations import rule_id
from .nouns import is_adjective, noun_after, unit_lemma
from .scan import Scan

SHARED = rule_id("coordination.shared_unit")
COORDINATED = rule_id("coordination.coordinated")
PARTITIVE = rule_id("coordination.partitive")
ELIDED = rule_id("coordination.elided")
_WITH_UNIT = ("count", "money", "measure", "percent")


def _shared(scan: Scan, f: dict, nxt: dict) -> bool:
    if not nxt["unit"] or nxt["kind"] not in _WITH_UNIT or nxt["value_max"] is not None or f["value_max"] is not None:
        return False
    between = scan.words_between(f["_num_end"], nxt["_start_tok"])
    k = f["_start_tok"] - 1
    while k >= 0 and scan.spaces[k]:
        k -= 1
    before = scan.lows[k] if k >= 0 else None
    for conn, need in scan.fr.unit_from_next:
        if between == conn and (need is None or need == before):
            factor = nxt.get("_factor", 1.0) if nxt["kind"] == "money" else 1.0
            f.update(unit=nxt["unit"], kind=nxt["kind"], rule=SHARED, unit_source="shared", value=f["value"] * factor)
            return True
    return False


def _coordinated(scan: Scan, f: dict, nxt: dict) -> bool:
    if not (nxt["kind"] in _WITH_UNIT and nxt["unit"]):
        return False
    between = [t for t in scan.doc[f["_num_end"] : nxt["_start_tok"]] if not t.is_space]
    joiners = scan.fr.unit_joiners
    if nxt["kind"] in _WITH_UNIT and nxt["unit"] and len(between) <= 4 and any(t.text.lower() in joiners for t in between) \
            and all(t.text.lower() in joiners or is_adjective(scan, t) for t in between):
        f["unit"], f["unit_source"] = nxt["unit"], "coordinated"
        f["kind"], f["rule"] = nxt["kind"], COORDINATED
        return True
    return False


def _partitive(scan: Scan, f: dict, nxt: dict | None) -> bool:
    k = scan.next(f["_num_end"])
    if not (k < scan.n and scan.low(k) in scan.fr.partitive):
        return False
    if nxt is not None and nxt["unit"] and nxt["kind"] == "count" and nxt["_start_tok"] - k <= 3:
        f["unit"] = nxt["unit"]
    else:
        na = noun_after(scan, k + 1)
        if not na:
            return False
        f["unit"] = unit_lemma(scan, scan.doc[na[1]])
    f["unit_source"], f["rule"] = "partitive", PARTITIVE
    return True


def _elided(f: dict, before: list[dict]) -> None:
    for prev in reversed(before):
        if prev["kind"] == "count" and prev["unit"] and prev["unit_source"] in ("noun", "coordinated"):
            f["unit"], f["unit_source"], f["rule"] = prev["unit"], "elided", ELIDED
            return


def post(scan: Scan, figures: list[dict]) -> None:
    money.sums(scan, figures)
    for idx, f in enumerate(figures):
        if f["kind"] != "count" or f["unit"] is not None:
            continue
        nxt = figures[idx + 1] if idx + 1 < len(figures) else None
        if nxt is not None and (_shared(scan, f, nxt) or _coordinated(scan, f, nxt)):
            continue
        if _partitive(scan, f, nxt):
            continue
        _elided(f, figures[:idx])
        if f["unit"] is None:
            f["rule"] = count.BARE
