"""Entity evaluation: `make eval-entities` = `python -m pipeline.evaluation.entities --gold tests/gold`.

Gold: `tests/gold/entities/*.yaml`, one file per document:

    file: texts/01_polizei_ulm.txt        # relative to the gold folder
    entities:
      - {text: Ulm, start_char: 12, label: LOC, canonical: Ulm}

Offsets are into the text as ingest stores it (`documents.text`).  A mention is correct
when (start_char, end_char, label) match exactly; canonical accuracy is measured on the
correctly found mentions.  Scored labels: PER, LOC, ORG (MISC is optional in the output
contract and not scored).  Reports P/R/F1 per label and micro-averaged, separately for
the seed reports (`seed_*.yaml`), the gold texts, and the held-out texts
(`heldout_*.yaml`, texts in `tests/gold/entities/heldout/`: annotated before the
pipeline was run on them and not used for tuning).  A last block, "held-out (blind)",
scores `tests/gold/entities/heldout/*.yaml` (texts in `tests/gold/texts/heldout/`), written
and annotated without running the pipeline or reading the rules: a measurement, not a
regression test; it is not part of "all".

`--dump DIR` writes the pipeline's current mentions in the gold format (a starting point
for annotating a new text; every entry must then be checked by hand).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import yaml

LABELS = ("PER", "LOC", "ORG")


BLIND = "heldout"  # subfolder of entities/ with the blind held-out gold


def load_gold(gold_dir: Path, subdir: str | None = None) -> list[dict]:
    """Gold files `entities/*.yaml`, or `entities/<subdir>/*.yaml` (named `<subdir>/<stem>`)."""
    out = []
    folder = gold_dir / "entities" / subdir if subdir else gold_dir / "entities"
    for f in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        data["_name"] = f"{subdir}/{f.stem}" if subdir else f.stem
        data["_path"] = (gold_dir / data["file"]).resolve()
        out.append(data)
    return out


def predict(nlp, config: dict, rules, path: Path) -> tuple[str, list[dict], list[dict]]:
    from pipeline.ingest import ingest_document
    from pipeline.tokenize import make_doc

    rec = ingest_document(path, path.parent, None, config, rules)
    doc = make_doc(nlp, rec)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    rows = (doc._.rows or {})
    return rec.text, rows.get("mentions", []), rows.get("roles", [])


def score(gold_docs: list[dict], preds: dict[str, list[dict]]) -> dict:
    tp, fp, fn = defaultdict(int), defaultdict(int), defaultdict(int)
    canon_ok = canon_n = 0
    errors = []
    for g in gold_docs:
        gold = {(e["start_char"], e["start_char"] + len(e["text"]), e["label"]): e for e in g.get("entities") or [] if e["label"] in LABELS}
        pred = {(m["start_char"], m["end_char"], m["label"]): m for m in preds[g["_name"]] if m["label"] in LABELS}
        for k, e in gold.items():
            if k in pred:
                tp[k[2]] += 1
                canon_n += 1
                if pred[k]["canonical"] == e.get("canonical", e["text"]):
                    canon_ok += 1
                else:
                    errors.append((g["_name"], "canonical", e["text"], k[2], f"{pred[k]['canonical']!r} != {e.get('canonical')!r}"))
            else:
                fn[k[2]] += 1
                errors.append((g["_name"], "missed", e["text"], k[2], str(k[0])))
        for k, m in pred.items():
            if k not in gold:
                fp[k[2]] += 1
                errors.append((g["_name"], "spurious", m["text"], k[2], f"{k[0]} ({m['source']})"))
    per_label = {}
    for lab in LABELS + ("ALL",):
        t = sum(tp.values()) if lab == "ALL" else tp[lab]
        p_ = sum(fp.values()) if lab == "ALL" else fp[lab]
        n_ = sum(fn.values()) if lab == "ALL" else fn[lab]
        prec = t / (t + p_) if t + p_ else 0.0
        rec = t / (t + n_) if t + n_ else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_label[lab] = {"tp": t, "fp": p_, "fn": n_, "precision": round(prec, 3), "recall": round(rec, 3), "f1": round(f1, 3)}
    return {
        "per_label": per_label,
        "canonical_accuracy": round(canon_ok / canon_n, 3) if canon_n else None,
        "n_docs": len(gold_docs),
        "errors": errors,
    }


def _print(title: str, res: dict) -> None:
    print(f"\n== {title}: {res['n_docs']} documents")
    print(f"{'label':6} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}")
    for lab, s in res["per_label"].items():
        print(f"{lab:6} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f} {s['tp']:4d} {s['fp']:4d} {s['fn']:4d}")
    print(f"canonical accuracy (on found mentions): {res['canonical_accuracy']}")


def dump(path: Path, text: str, mentions: list[dict], rel: str) -> None:
    ents = [
        {"text": m["text"], "start_char": m["start_char"], "label": m["label"], "canonical": m["canonical"]}
        for m in sorted(mentions, key=lambda m: m["start_char"])
    ]
    path.write_text(yaml.safe_dump({"file": rel, "entities": ents}, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.evaluation.entities")
    ap.add_argument("--gold", default="tests/gold", type=Path)
    ap.add_argument("--model", default="auto")
    ap.add_argument("--rules", action="append", default=[])
    ap.add_argument("--errors", action="store_true", help="list every error")
    ap.add_argument("--json", type=Path, help="write the scores as JSON")
    ap.add_argument("--dump", type=Path, help="write predictions in gold format for texts/*.txt into DIR")
    args = ap.parse_args(argv)

    from pipeline.config import load_config
    from pipeline.rules import load_rules
    from pipeline.tokenize import build_nlp

    config = load_config(model=args.model, rules=args.rules)
    nlp, info = build_nlp(config)
    rules = load_rules(args.rules)
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        for f in sorted((args.gold / "texts").glob("*.txt")):
            text, mentions, _ = predict(nlp, config, rules, f)
            dump(args.dump / f"{f.stem}.yaml", text, mentions, f"texts/{f.name}")
        print(f"wrote {args.dump}")
        return 0
    gold = load_gold(args.gold)
    if not gold:
        print(f"no gold files under {args.gold}/entities", file=sys.stderr)
        return 2
    blind = load_gold(args.gold, BLIND)
    preds = {}
    for g in gold + blind:
        text, mentions, _ = predict(nlp, config, rules, g["_path"])
        for e in g.get("entities") or []:
            if text[e["start_char"] : e["start_char"] + len(e["text"])] != e["text"]:
                print(f"gold error {g['_name']}: {e['text']!r} not at {e['start_char']}", file=sys.stderr)
        preds[g["_name"]] = mentions
    print(f"model: {info.get('name')} ({info.get('kind')})")
    seeds = [g for g in gold if g["_name"].startswith("seed_")]
    heldout = [g for g in gold if g["_name"].startswith("heldout_")]
    rest = [g for g in gold if not g["_name"].startswith(("seed_", "heldout_"))]
    out = {"model": info.get("name")}
    groups = (("seed reports", seeds), ("gold texts", rest), ("held-out", heldout), ("all", gold))
    for title, docs in groups:
        if not docs:
            continue
        res = score(docs, preds)
        _print(title, res)
        out[title] = {k: v for k, v in res.items() if k != "errors"}
        if args.errors and title == "all":
            print("\nerrors:")
            for e in res["errors"]:
                print("  " + " | ".join(map(str, e)))
    if blind:
        res = score(blind, preds)
        _print("held-out (blind)", res)
        out["held-out (blind)"] = {k: v for k, v in res.items() if k != "errors"}
        if args.errors:
            print("\nerrors (held-out, blind):")
            for e in res["errors"]:
                print("  " + " | ".join(map(str, e)))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
