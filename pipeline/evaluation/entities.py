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

Named entities only (NoSta-D / GermEval guidelines: a named entity is a name): a gold
entry or mention of `kind: generic` (an institution noun without a name, `der Kreistag`,
`mentions.kind`) is scored apart, on one line under each block, and never counts as a
named-entity mention; GermEval scoring leaves generic mentions out too.

`--dump DIR` writes the pipeline's current mentions in the gold format (a starting point
for annotating a new text; every entry must then be checked by hand).

Independent measure on real text, GermEval 2014 (CC BY 4.0; Wikipedia and news sentences):

    python -m pipeline.evaluation.entities --germeval ../shared/data/ner/germeval2014/NER-de-dev.tsv [--errors]

Each sentence is one document (tokens joined by single spaces, no document date) run
through the same spaCy pipeline `make run` builds, with `nlp.pipe`.  Scored: exact
character span + label of the PER/LOC/ORG `mentions` rows against the outer-column gold
spans (`deriv`/`part` spans count as O, OTH and MISC are ignored), for three systems in
one run: `model` (the model's raw `doc.ents` before `de_entities`), `rules` (`--model
blank`) and `full` (model + rules, `--model`, default `auto`).  The sentences are split
deterministically by their 0-based position in the file: even = `tune` (the only half to
look at when changing rules), odd = `report` (measured, never inspected).  `--errors`
prints the 15 most frequent error types of the full system on the tune half, with
examples.  The entity stage's cost per sentence is printed for both pipelines.
GermEval dev is also the model's held-out benchmark: read it, never add its sentences or
names to a rule file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

LABELS = ("PER", "LOC", "ORG")
GENERIC = "generic"  # mentions.kind of institution nouns: reported apart from the names


BLIND = "heldout"  # subfolder of entities/ with the blind held-out gold
BLIND2 = "blind2"  # second blind set: measured, never used to change rules (tests/gold/texts/blind2/README.md)
BLIND3 = "blind3"  # third blind set, for issues 10/11 (tests/gold/texts/blind3/README.md)


def prf_per_label(tp: dict, fp: dict, fn: dict) -> dict:
    """Precision/recall/F1 per label and micro-averaged over LABELS (key `ALL`)."""
    out = {}
    for lab in LABELS + ("ALL",):
        t = sum(tp.values()) if lab == "ALL" else tp[lab]
        p_ = sum(fp.values()) if lab == "ALL" else fp[lab]
        n_ = sum(fn.values()) if lab == "ALL" else fn[lab]
        prec = t / (t + p_) if t + p_ else 0.0
        rec = t / (t + n_) if t + n_ else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[lab] = {"tp": t, "fp": p_, "fn": n_, "precision": round(prec, 3), "recall": round(rec, 3), "f1": round(f1, 3)}
    return out


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
    from pipeline.document import make_doc
    from pipeline.ingest import ingest_document

    rec = ingest_document(path, path.parent, None, config, rules)
    doc = make_doc(nlp, rec)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    rows = (doc._.rows or {})
    return rec.text, rows.get("mentions", []), rows.get("roles", [])


def is_generic(row: dict) -> bool:
    """A gold entry or mention row of kind `generic` (an institution noun without a name)."""
    return row.get("kind") == GENERIC


def score(gold_docs: list[dict], preds: dict[str, list[dict]]) -> dict:
    """Named entities (kind `name`/`acronym`), plus the generic rows scored on their own
    (key `generic`: P/R/F1 of gold vs predicted `generic` rows, all labels together)."""
    res = _score(gold_docs, preds, generic=False)
    gen = _score(gold_docs, preds, generic=True)
    res["generic"] = gen["per_label"]["ALL"]
    res["errors"] += [(*e[:1], f"{e[1]} generic", *e[2:]) for e in gen["errors"]]
    return res


def _score(gold_docs: list[dict], preds: dict[str, list[dict]], generic: bool) -> dict:
    tp, fp, fn = defaultdict(int), defaultdict(int), defaultdict(int)
    canon_ok = canon_n = 0
    errors = []
    for g in gold_docs:
        gold = {(e["start_char"], e["start_char"] + len(e["text"]), e["label"]): e for e in g.get("entities") or []
                if e["label"] in LABELS and is_generic(e) == generic}
        pred = {(m["start_char"], m["end_char"], m["label"]): m for m in preds[g["_name"]]
                if m["label"] in LABELS and is_generic(m) == generic}
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
    per_label = prf_per_label(tp, fp, fn)
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
    g = res.get("generic")
    if g is not None:
        print(f"generic institution nouns (kind generic; not named entities, not counted above): "
              f"P {g['precision']:.3f} R {g['recall']:.3f} F1 {g['f1']:.3f} tp {g['tp']} fp {g['fp']} fn {g['fn']}")


def dump(path: Path, text: str, mentions: list[dict], rel: str) -> None:
    ents = [
        {"text": m["text"], "start_char": m["start_char"], "label": m["label"], "canonical": m["canonical"],
         **({"kind": GENERIC} if is_generic(m) else {})}
        for m in sorted(mentions, key=lambda m: m["start_char"])
    ]
    path.write_text(yaml.safe_dump({"file": rel, "entities": ents}, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")


# --------------------------------------------------------------------------- GermEval 2014
GE_SYSTEMS = ("model", "rules", "full")
GE_HALVES = ("tune", "report")


def load_germeval(path: Path) -> list[dict]:
    """Sentences of a GermEval 2014 TSV: text (tokens joined by single spaces), token
    character offsets, gold spans `(start_char, end_char, label)` of the outer column.
    `deriv`/`part` spans are kept with their full tag (e.g. `LOCderiv`) so that errors on
    them can be told apart; scoring uses only PER/LOC/ORG."""
    sents: list[dict] = []
    toks: list[tuple[str, str]] = []
    source = None

    def flush():
        nonlocal toks, source
        if not toks:
            return
        offsets, pos = [], 0
        for tok, _ in toks:
            offsets.append((pos, pos + len(tok)))
            pos += len(tok) + 1
        text = " ".join(t for t, _ in toks)
        spans, cur = [], None  # cur = [start_tok, end_tok, tag]
        for i, (_, tag) in enumerate(toks):
            bio, _, typ = tag.partition("-")
            if bio == "I" and cur is not None and cur[2] == typ:
                cur[1] = i + 1
                continue
            if cur is not None:
                spans.append(cur)
                cur = None
            if bio in ("B", "I") and typ:
                cur = [i, i + 1, typ]
        if cur is not None:
            spans.append(cur)
        gold = [(offsets[s][0], offsets[e - 1][1], typ) for s, e, typ in spans]
        sents.append({"index": len(sents), "text": text, "offsets": offsets, "spans": gold, "source": source})
        toks, source = [], None

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            flush()
            parts = line.split("\t")
            source = parts[1] if len(parts) > 1 else None
            continue
        if not line.strip():
            flush()
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        toks.append((parts[1], parts[2]))
    flush()
    return sents


def germeval_half(index: int) -> str:
    """Deterministic split by 0-based sentence position: even = tune, odd = report."""
    return "tune" if index % 2 == 0 else "report"


_SNAP = "eval_model_ents"
_TIMER = "eval_entity_timer"


def _register_eval_components() -> None:
    from spacy.language import Language

    if _SNAP not in Language.factories:
        @Language.component(_SNAP)
        def snapshot(doc):
            # the model's raw entities, before the entity stage changes them
            doc.user_data["eval_model_ents"] = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
            doc.user_data["eval_t0"] = time.perf_counter()
            return doc

    if _TIMER not in Language.factories:
        @Language.component(_TIMER)
        def timer(doc):
            doc.user_data["eval_entity_seconds"] = time.perf_counter() - doc.user_data.pop("eval_t0", time.perf_counter())
            return doc


def run_germeval_pipeline(nlp, sents: list[dict], batch_size: int = 64) -> tuple[list[list], list[list], float]:
    """(raw model entities, PER/LOC/ORG/... mentions rows, entity-stage seconds) per sentence."""
    _register_eval_components()
    names = nlp.pipe_names
    if "de_entities" not in names:
        raise SystemExit("the pipeline has no de_entities stage")
    nlp.add_pipe(_SNAP, before="de_entities")
    nlp.add_pipe(_TIMER, after="de_entities")
    raw, mentions, seconds = [], [], 0.0
    try:
        for doc in nlp.pipe((s["text"] for s in sents), batch_size=batch_size):
            raw.append(doc.user_data.get("eval_model_ents", []))
            seconds += doc.user_data.get("eval_entity_seconds", 0.0)
            mentions.append([(m["start_char"], m["end_char"], m["label"], m.get("source") or "")
                             for m in (doc._.rows or {}).get("mentions", []) if not is_generic(m)])
    finally:
        nlp.remove_pipe(_SNAP)
        nlp.remove_pipe(_TIMER)
    return raw, mentions, seconds


def _norm_label(label: str) -> str:
    return "LOC" if label == "GPE" else label


def germeval_score(sents: list[dict], preds: list[list]) -> dict:
    """P/R/F1 per label and micro over exact (start_char, end_char, label) of PER/LOC/ORG."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for s, pred in zip(sents, preds):
        gold = {sp for sp in s["spans"] if sp[2] in LABELS}
        got = {(p[0], p[1], _norm_label(p[2])) for p in pred if _norm_label(p[2]) in LABELS}
        for k in gold:
            (tp if k in got else fn)[k[2]] += 1
        for k in got - gold:
            fp[k[2]] += 1
    return prf_per_label(tp, fp, fn)


def germeval_errors(sents: list[dict], preds: list[list]) -> list[tuple[str, str, int]]:
    """Every error of one system as (type, example, sentence index).

    Types: `FP LOC boundary` (overlaps a gold LOC with other offsets), `FP LOC for gold
    ORG` (the gold span has another label), `FP LOC on gold LOCderiv` (a deriv/part/OTH
    span), `FP LOC no gold`, each with the prediction's source (`[gazetteer]`, `[model]`,
    `[rule:<id>]`); `FN PER` (nothing overlaps), `FN PER as MISC [model]`.  A gold span
    overlapped by a wrong PER/LOC/ORG prediction is counted once, as that FP."""
    out = []
    for s, pred in zip(sents, preds):
        text, gold_all = s["text"], s["spans"]
        gold = dict.fromkeys(sp for sp in gold_all if sp[2] in LABELS)  # in sentence order: a set's order changes run to run
        got = {}
        for p in pred:
            lab = _norm_label(p[2])
            if lab in LABELS:
                got[(p[0], p[1], lab)] = _source(p)
        for k, src in got.items():
            if k not in gold:
                kind, ex = _false_positive(text, gold_all, k)
                out.append((f"{kind} [{src}]", ex, s["index"]))
        for k in gold:
            if k in got or any(_overlaps(p, k) for p in got):
                continue  # found, or counted above as a boundary / label error
            out.append((*_false_negative(text, pred, k), s["index"]))
    return out


def _source(p: tuple) -> str:
    """What made a prediction (`gazetteer`, `rule:<id>`); the raw model's have no source."""
    return p[3] if len(p) > 3 else "model"


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _false_positive(text: str, gold_all: list[tuple], k: tuple) -> tuple[str, str]:
    """(type, example) of a wrong PER/LOC/ORG span, by the gold spans it overlaps: one of
    its own label (a boundary error), of another scored label, of an unscored tag, none."""
    over = [g for g in gold_all if _overlaps(g, k)]
    same = [g for g in over if g[2] == k[2]]
    other = [g for g in over if g[2] in LABELS and g[2] != k[2]]
    if same:
        return f"FP {k[2]} boundary", f"{text[k[0]:k[1]]!r} (gold {text[same[0][0]:same[0][1]]!r})"
    if other:
        return f"FP {k[2]} for gold {other[0][2]}", f"{text[k[0]:k[1]]!r} (gold {other[0][2]} {text[other[0][0]:other[0][1]]!r})"
    if over:
        return f"FP {k[2]} on gold {over[0][2]}", f"{text[k[0]:k[1]]!r} (gold {text[over[0][0]:over[0][1]]!r})"
    return f"FP {k[2]} no gold", repr(text[k[0]:k[1]])


def _false_negative(text: str, pred: list[tuple], k: tuple) -> tuple[str, str]:
    """(type, example) of a gold span nothing scored overlaps: seen with an unscored label
    (`FN PER as MISC`) or not at all."""
    misc = [p for p in pred if _overlaps(p, k)]
    if misc:
        p = misc[0]
        return f"FN {k[2]} as {p[2]} [{_source(p)}]", f"{text[k[0]:k[1]]!r} ({p[2]} {text[p[0]:p[1]]!r})"
    return f"FN {k[2]}", repr(text[k[0]:k[1]])


def _print_germeval(table: dict, halves=GE_HALVES) -> None:
    for half in halves:
        print(f"\n== GermEval 2014 {table['file']}, {half} half: {table[half]['n_sentences']} sentences, {table[half]['n_gold']} gold PER/LOC/ORG spans")
        print(f"{'system':7} {'label':6} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}")
        for system in GE_SYSTEMS:
            res = table[half][system]
            for lab, s in res.items():
                print(f"{system:7} {lab:6} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f} {s['tp']:5d} {s['fp']:5d} {s['fn']:5d}")


def evaluate_germeval(path: Path, model: str, rules: list[str], errors: bool = False, n_types: int = 15) -> dict:
    from pipeline.assembly import build_nlp
    from pipeline.config import load_config

    sents = load_germeval(path)
    if not sents:
        raise SystemExit(f"no sentences in {path}")
    preds: dict[str, list] = {}
    timing = {}
    nlp, info = build_nlp(load_config(model=model, rules=rules))
    t = time.perf_counter()
    preds["model"], preds["full"], ent_s = run_germeval_pipeline(nlp, sents)
    timing["full"] = {"pipeline_ms_per_sentence": round(1000 * (time.perf_counter() - t) / len(sents), 2), "entity_stage_ms_per_sentence": round(1000 * ent_s / len(sents), 3)}
    preds["model"] = [[(a, b, lab, "model") for a, b, lab in r] for r in preds["model"]]
    blank, _ = build_nlp(load_config(model="blank", rules=rules))
    t = time.perf_counter()
    _, preds["rules"], ent_s = run_germeval_pipeline(blank, sents)
    timing["rules"] = {"pipeline_ms_per_sentence": round(1000 * (time.perf_counter() - t) / len(sents), 2), "entity_stage_ms_per_sentence": round(1000 * ent_s / len(sents), 3)}
    table = {"file": path.name, "model": info.get("name"), "model_kind": info.get("kind"), "timing": timing}
    for half in GE_HALVES:
        idx = [i for i, s in enumerate(sents) if germeval_half(s["index"]) == half]
        sub = [sents[i] for i in idx]
        table[half] = {
            "n_sentences": len(sub),
            "n_gold": sum(1 for s in sub for sp in s["spans"] if sp[2] in LABELS),
        }
        for system in GE_SYSTEMS:
            table[half][system] = germeval_score(sub, [preds[system][i] for i in idx])
    print(f"\nGermEval model: {info.get('name')} ({info.get('kind')}); rules-only: blank:de")
    _print_germeval(table)
    for system in ("full", "rules"):
        tm = timing[system]
        print(f"{system:5} pipeline {tm['pipeline_ms_per_sentence']:.2f} ms/sentence, entity stage {tm['entity_stage_ms_per_sentence']:.3f} ms/sentence")
    if errors:
        tune = [i for i, s in enumerate(sents) if germeval_half(s["index"]) == "tune"]
        errs = germeval_errors([sents[i] for i in tune], [preds["full"][i] for i in tune])
        counts = Counter(e[0] for e in errs)
        print(f"\n{n_types} most frequent error types, full system, tune half ({len(errs)} errors):")
        for kind, n in counts.most_common(n_types):
            exs = [e[1] for e in errs if e[0] == kind]
            print(f"  {n:4d}  {kind}")
            for ex in exs[:4]:
                print(f"          {ex}")
    return table


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m pipeline.evaluation.entities")
    ap.add_argument("--gold", default="tests/gold", type=Path)
    ap.add_argument("--model", default="auto")
    ap.add_argument("--rules", action="append", default=[])
    ap.add_argument("--errors", action="store_true", help="list every error")
    ap.add_argument("--json", type=Path, help="write the scores as JSON")
    ap.add_argument("--dump", type=Path, help="write predictions in gold format for texts/*.txt into DIR")
    ap.add_argument("--germeval", type=Path, help="also score a GermEval 2014 TSV (model only / rules only / full; tune and report halves)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)

    from pipeline.assembly import build_nlp
    from pipeline.config import load_config
    from pipeline.rulebook import load_rules

    config = load_config(model=args.model, rules=args.rules)
    nlp, info = build_nlp(config)
    rules = load_rules(args.rules)
    if args.dump:
        _dump_texts(args.gold, args.dump, nlp, config, rules)
        return 0
    gold = load_gold(args.gold)
    if not gold:
        print(f"no gold files under {args.gold}/entities", file=sys.stderr)
        return 2
    blind = load_gold(args.gold, BLIND)
    blind2 = load_gold(args.gold, BLIND2)
    blind3 = load_gold(args.gold, BLIND3)
    preds = _predict_gold(gold + blind + blind2 + blind3, nlp, config, rules)
    print(f"model: {info.get('name')} ({info.get('kind')})")
    out = {"model": info.get("name")}
    for title, key, docs, error_heading in _scored_sets(gold, blind, blind2, args.errors, blind3):
        if docs:
            out[key] = _report(title, docs, preds, error_heading)
    if args.germeval:
        if not args.germeval.exists():
            print(f"no GermEval file at {args.germeval}", file=sys.stderr)
            return 2
        out["germeval"] = evaluate_germeval(args.germeval, args.model, args.rules, errors=args.errors)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def _dump_texts(gold_dir: Path, out_dir: Path, nlp, config: dict, rules) -> None:
    """`--dump`: the current mentions of every gold text in the gold format."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for f in sorted((gold_dir / "texts").glob("*.txt")):
        text, mentions, _ = predict(nlp, config, rules, f)
        dump(out_dir / f"{f.stem}.yaml", text, mentions, f"texts/{f.name}")
    print(f"wrote {out_dir}")


def _predict_gold(docs: list[dict], nlp, config: dict, rules) -> dict[str, list[dict]]:
    """The mentions of every gold document by name; a gold entry whose text is not at its
    offset is reported (the gold is wrong, not the pipeline)."""
    preds = {}
    for g in docs:
        text, mentions, _ = predict(nlp, config, rules, g["_path"])
        for e in g.get("entities") or []:
            if text[e["start_char"] : e["start_char"] + len(e["text"])] != e["text"]:
                print(f"gold error {g['_name']}: {e['text']!r} not at {e['start_char']}", file=sys.stderr)
        preds[g["_name"]] = mentions
    return preds


def _scored_sets(gold: list[dict], blind: list[dict], blind2: list[dict], list_errors: bool,
                 blind3: list[dict] | None = None) -> list[tuple]:
    """(title, JSON key, documents, heading of the error listing or None) of every scored
    set, in report order.  Errors are listed only with `--errors`, and never for blind2/blind3:
    their misses must not drive rule changes."""
    seeds = [g for g in gold if g["_name"].startswith("seed_")]
    heldout = [g for g in gold if g["_name"].startswith("heldout_")]
    rest = [g for g in gold if not g["_name"].startswith(("seed_", "heldout_"))]
    return [
        ("seed reports", "seed reports", seeds, None),
        ("gold texts", "gold texts", rest, None),
        ("held-out", "held-out", heldout, None),
        ("all", "all", gold, "errors" if list_errors else None),
        ("held-out (blind)", "held-out (blind)", blind, "errors (held-out, blind)" if list_errors else None),
        ("blind2 (blind: never used to change rules)", "blind2", blind2, None),
        ("blind3 (blind: never used to change rules)", "blind3", blind3 or [], None),
    ]


def _report(title: str, docs: list[dict], preds: dict, error_heading: str | None) -> dict:
    """Score and print one set (and its errors under `error_heading`); the scores without
    the errors, for the JSON."""
    res = score(docs, preds)
    _print(title, res)
    if error_heading:
        print(f"\n{error_heading}:")
        for e in res["errors"]:
            print("  " + " | ".join(map(str, e)))
    return {k: v for k, v in res.items() if k != "errors"}


if __name__ == "__main__":
    sys.exit(main())
