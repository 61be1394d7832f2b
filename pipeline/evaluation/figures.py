"""`make eval-figures`: the figures stage against Recognizers-Text, Duckling and our gold.

    python -m pipeline.evaluation.figures --eval ../shared/eval --gold tests/gold [--model blank]

1. Microsoft Recognizers-Text German model specs (`recognizers_de/{number,ordinal,percent,
   currency,dimension,age,temperature}.jsonl`): every expected result counts once; it is
   *found* when a figure overlaps its span, *value* agrees when that figure's value equals the
   expected one (a share written as a fraction, rule `percent.fraction`, is compared as value/100),
   *unit* agrees when Recognizers gives a unit and ours maps to it (table `RECOGNIZERS_UNITS`).
   Negative cases (no expected result) count false positives.
2. Duckling German numerals and ordinals (`peer/duckling_de.jsonl`): one figure must cover the
   whole text with the expected value.
3. Our gold (`tests/gold/figures/*.yaml`: the seeds and the gold texts): detection P/R/F1 (a
   predicted figure matches a gold one when their spans overlap) and full agreement
   (value, value_max, qualifier and unit all equal).
4. The same for the held-out texts (`tests/gold/figures/heldout/*.yaml`, texts in
   `tests/gold/texts/heldout/`, annotated without running the pipeline or reading the
   rules): a measurement, not a regression test, and not part of the gold totals.  No longer
   blind for figures: the figure rules were fixed on its errors (phone/road numbers, Swiss
   decimal point, shared units, base forms, dative fractions, `über` as a preposition), so
   its score is now optimistic too; an honest estimate needs new blind texts.

Shared data is optional: a missing folder is reported and skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import yaml

from ..quantities.percent import FRACTION as FRACTION_RULE

REPO = Path(__file__).resolve().parents[2]
RECOGNIZERS_KINDS = ["number", "ordinal", "percent", "currency", "dimension", "age", "temperature"]

# Recognizers' English unit names -> our units (only where the meaning is the same).
RECOGNIZERS_UNITS = {
    "Euro": "EUR", "Dollar": "USD", "United States dollar": "USD", "Canadian dollar": "CAD",
    "British pound": "GBP", "Pound": {"GBP", "Pfund"}, "Cambodian riel": "KHR", "Finnish markka": "FIM",
    "Indian rupee": "INR", "Rupee": "INR", "Swiss franc": "CHF",
    "Milliliter": "ml", "Liter": "l", "Kilometer": "km", "Meter": "m", "Square meter": "m²",
    "Cubic meter": "m³", "Kilometer per hour": "km/h", "Meter per second": "m/s", "Micrometer": "μm",
    "Nanometer": "nm", "Mile": "Meile", "Inch": "Zoll", "Teaspoon": "Teelöffel", "Gigabyte": "GB",
    "Year": "Jahr", "Month": "Monat", "Week": "Woche", "Day": "Tag",
    "C": "°C", "F": "°F", "K": "K", "Degree": "Grad",
}


# --------------------------------------------------------------------------- running
class Runner:
    def __init__(self, model: str = "auto"):
        from ..assembly import build_nlp
        from ..config import load_config

        self.nlp, self.info = build_nlp(load_config(model=model))

    def figures(self, text: str) -> list[dict]:
        from ..layout import normalise_text, parse_structure

        text = normalise_text(text)
        doc = self.nlp.make_doc(text)
        doc._.metadata, doc._.regions = parse_structure(text)
        doc._.rows = {}
        for _, proc in self.nlp.pipeline:
            doc = proc(doc)
        return doc._.rows.get("figures", [])


def _de_float(s) -> float | None:
    if s is None:
        return None
    s = str(s).strip().rstrip("%").replace(".", "").replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b)) or abs(a - b) < 1e-3 * max(1.0, abs(b)) and abs(b) < 1


def _compared_value(f: dict) -> float:
    return f["value"] / 100 if f.get("rule") == FRACTION_RULE else f["value"]


# --------------------------------------------------------------------------- recognizers
def eval_recognizers(runner: Runner, folder: Path) -> list[dict]:
    table = []
    for kind in RECOGNIZERS_KINDS:
        path = folder / f"{kind}.jsonl"
        if not path.exists():
            continue
        c = defaultdict(int)
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            results = case["expected"]["results"]
            got = runner.figures(case["text"])
            if not results:
                c["negatives"] += 1
                c["false_pos"] += bool(got)
                continue
            for r in results:
                start, end = r["Start"], r["End"] + 1
                res = r.get("Resolution") or {}
                exp = _de_float(res.get("value"))
                c["expected"] += 1
                hits = [f for f in got if f["start_char"] < end and start < f["end_char"]]
                if not hits:
                    continue
                c["found"] += 1
                if exp is None or any(_close(_compared_value(f), exp) or _close(f["value"], exp)
                                      or _close(f.get("value_max"), exp) for f in hits):
                    c["value"] += 1
                unit = res.get("unit")
                if unit:
                    c["with_unit"] += 1
                    want = RECOGNIZERS_UNITS.get(unit)
                    want = want if isinstance(want, set) else {want}
                    if any(f.get("unit") in want for f in hits):
                        c["unit"] += 1
        table.append({"kind": kind, **c})
    return table


# --------------------------------------------------------------------------- duckling
def eval_duckling(runner: Runner, path: Path) -> list[dict]:
    c = defaultdict(lambda: defaultdict(int))
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        kind = case["kind"]
        if kind not in ("number", "ordinal"):
            continue
        got = runner.figures(case["text"])
        exp = case["expected"]
        if exp.get("match") is False:
            c[kind]["negatives"] += 1
            c[kind]["false_pos"] += bool(got)
            continue
        c[kind]["expected"] += 1
        whole = [f for f in got if f["start_char"] == 0 and f["end_char"] >= len(case["text"].rstrip())]
        if got:
            c[kind]["found"] += 1
        if any(_close(f["value"], float(exp["value"])) for f in whole):
            c[kind]["value"] += 1
    return [{"kind": k, **v} for k, v in sorted(c.items())]


# --------------------------------------------------------------------------- gold
def _match_key(f: dict) -> tuple:
    vm = f.get("value_max")
    return (round(float(f["value"]), 6), None if vm is None else round(float(vm), 6), f.get("qualifier") or "=", f.get("unit"))


BLIND = "heldout"  # subfolder of figures/ with the held-out gold (written blind)
BLIND2 = "blind2"  # second blind set: measured, never used to change rules
BLIND3 = "blind3"  # third blind set (issues 10/11): measured, never used to change rules


def eval_gold(runner: Runner, gold_dir: Path, subdir: str | None = None) -> tuple[list[dict], list[str]]:
    rows, errors = [], []
    folder = gold_dir / "figures" / subdir if subdir else gold_dir / "figures"
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        src = REPO / data["source"]
        if not src.exists():
            errors.append(f"{path.name}: source {data['source']} missing")
            continue
        gold = data.get("figures") or []
        got = runner.figures(src.read_text(encoding="utf-8"))
        used: set[int] = set()
        tp_det = tp_full = 0
        for g in gold:
            gs, ge = g["start_char"], g["start_char"] + len(g["text"])
            match = None
            for k, f in enumerate(got):
                if k not in used and f["start_char"] < ge and gs < f["end_char"]:
                    match = k
                    break
            if match is None:
                errors.append(f"{path.stem}: missed {g['text']!r} ({g['value']} {g.get('unit')})")
                continue
            used.add(match)
            tp_det += 1
            f = got[match]
            if _match_key(f) == _match_key(g):
                tp_full += 1
            else:
                errors.append(f"{path.stem}: {g['text']!r}: gold {_match_key(g)} got {_match_key(f)}")
        for k, f in enumerate(got):
            if k not in used:
                errors.append(f"{path.stem}: spurious {f['text']!r} ({f['value']} {f.get('unit')})")
        rows.append({"doc": path.stem, "gold": len(gold), "pred": len(got), "tp_det": tp_det, "tp_full": tp_full})
    return rows, errors


def _prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "   - "


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval", type=Path, default=REPO.parent / "shared" / "eval")
    ap.add_argument("--gold", type=Path, default=REPO / "tests" / "gold")
    ap.add_argument("--model", default="auto")
    ap.add_argument("--errors", action="store_true", help="list every gold disagreement")
    args = ap.parse_args(argv)
    runner = Runner(args.model)
    print(f"model: {runner.info.get('name')} ({runner.info.get('kind')})")

    rec = args.eval / "recognizers_de"
    if rec.is_dir():
        print("\nRecognizers-Text German (per expected result)")
        print(f"{'kind':12} {'n':>5} {'found':>7} {'value':>7} {'unit':>7} {'neg FP':>8}")
        for r in eval_recognizers(runner, rec):
            n = r.get("expected", 0)
            unit = _pct(r.get("unit", 0), r.get("with_unit", 0))
            print(f"{r['kind']:12} {n:5} {_pct(r.get('found', 0), n):>7} {_pct(r.get('value', 0), n):>7} {unit:>7}"
                  f" {r.get('false_pos', 0)}/{r.get('negatives', 0):<5}")
    else:
        print(f"\n(skipped Recognizers: {rec} not found)")

    duck = args.eval / "peer" / "duckling_de.jsonl"
    if duck.exists():
        print("\nDuckling German (one figure covering the whole text, value equal)")
        print(f"{'kind':12} {'n':>5} {'found':>7} {'value':>7} {'neg FP':>8}")
        for r in eval_duckling(runner, duck):
            n = r.get("expected", 0)
            print(f"{r['kind']:12} {n:5} {_pct(r.get('found', 0), n):>7} {_pct(r.get('value', 0), n):>7}"
                  f" {r.get('false_pos', 0)}/{r.get('negatives', 0):<5}")
    else:
        print(f"\n(skipped Duckling: {duck} not found)")

    _print_gold("Gold (tests/gold/figures)", *eval_gold(runner, args.gold), args.errors)
    _print_gold(f"Held-out (no longer blind for figures) (tests/gold/figures/{BLIND})",
                *eval_gold(runner, args.gold, BLIND), args.errors)
    for sub in (BLIND2, BLIND3):  # scores only: their errors must not drive rule changes
        if (args.gold / "figures" / sub).is_dir():
            _print_gold(f"{sub} (blind: never used to change rules) (tests/gold/figures/{sub})",
                        *eval_gold(runner, args.gold, sub), False)
    return 0


def _print_gold(title: str, rows: list[dict], errors: list[str], show_errors: bool) -> None:
    if rows:
        print(f"\n{title}: detection and full agreement (value, value_max, qualifier, unit)")
        print(f"{'doc':32} {'gold':>5} {'pred':>5} {'det F1':>7} {'full F1':>8}")
        tg = tp_ = td = tf = 0
        for r in rows:
            _, _, f_det = _prf(r["tp_det"], r["pred"], r["gold"])
            _, _, f_full = _prf(r["tp_full"], r["pred"], r["gold"])
            print(f"{r['doc']:32} {r['gold']:5} {r['pred']:5} {f_det:7.3f} {f_full:8.3f}")
            tg += r["gold"]; tp_ += r["pred"]; td += r["tp_det"]; tf += r["tp_full"]
        p, rr, f = _prf(td, tp_, tg)
        pf, rf, ff = _prf(tf, tp_, tg)
        print(f"{'TOTAL':32} {tg:5} {tp_:5} {f:7.3f} {ff:8.3f}")
        print(f"detection P={p:.3f} R={rr:.3f} F1={f:.3f}; full P={pf:.3f} R={rf:.3f} F1={ff:.3f}")
        if errors:
            print(f"\n{len(errors)} gold disagreement(s)" + (":" if show_errors else " (--errors lists them)"))
            if show_errors:
                for e in errors:
                    print("  " + e)


if __name__ == "__main__":
    sys.exit(main())
