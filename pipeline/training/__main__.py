"""CLI: ``python -m pipeline.training {train,experiment,eval-ner,eval-lemma,bench} --data DIR``."""

from __future__ import annotations

import os

# One core per process: the machine is shared, and the throughput target is per core.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from . import corpora, train  # noqa: E402

EXPERIMENTS_LOG = Path(__file__).resolve().parent / "experiments.jsonl"


def _default_data() -> Path:
    shared = os.environ.get("PIPELINE_SHARED") or str(train.REPO.parent / "shared")
    return Path(shared) / "data"


def _recipe(args) -> corpora.Recipe:
    return corpora.Recipe(
        gold_repeat=args.gold_repeat,
        wikiann=[s for s in args.wikiann.split(",") if s],
        wikiann_limit=args.wikiann_limit,
        wikiann_o_missing=args.wikiann_o_missing,
        wikiann_labels=[s for s in args.wikiann_labels.split(",") if s],
        europeana=[s for s in args.europeana.split(",") if s],
        ler=[s for s in args.ler.split(",") if s],
        ler_limit=args.ler_limit,
        misc=args.misc,
        ud=args.ud,
    )


def _overrides(args) -> dict:
    ov = {}
    for item in args.set or []:
        k, v = item.split("=", 1)
        try:
            ov[k] = json.loads(v)
        except json.JSONDecodeError:
            ov[k] = v
    if args.max_steps:
        ov["training.max_steps"] = args.max_steps
    if getattr(args, "init_tok2vec", None):
        ov["paths.init_tok2vec"] = str(Path(args.init_tok2vec).resolve())
    return ov


def _add_train_args(p):
    p.add_argument("--data", type=Path, default=_default_data())
    p.add_argument("--config", type=Path, default=train.DEFAULT_CONFIG)
    p.add_argument("--work", type=Path, default=train.DEFAULT_WORK)
    # defaults = the shipped recipe (experiment e16 in MODEL_CARD.md)
    p.add_argument("--gold-repeat", type=int, default=3)
    p.add_argument("--wikiann", default="train", help="comma list of splits, '' for none")
    p.add_argument("--wikiann-limit", type=int, default=8000)
    p.add_argument("--wikiann-o-missing", default="none", choices=["none", "upper", "all"])
    p.add_argument("--wikiann-labels", default="PER,LOC",
                   help="silver labels kept; others become missing (WikiANN ORG hurts)")
    p.add_argument("--europeana", default="lft,sbb", help="comma list: lft,onb,sbb; '' for none")
    p.add_argument("--ler", default="", help="comma list of German LER splits "
                   "(ner/ler-de/ler_<split>.conll); '' for none")
    p.add_argument("--ler-limit", type=int, default=0, help="LER sentences sampled (0 = all)")
    p.add_argument("--misc", dest="misc", action="store_true", default=False,
                   help="keep GermEval OTH as MISC (default: OTH -> O, model has PER/LOC/ORG)")
    p.add_argument("--no-misc", dest="misc", action="store_false")
    p.add_argument("--ud", action="store_true", help="add UD GSD for a morphologizer (UPOS)")
    p.add_argument("--cluster-vectors", action="store_true", default=True,
                   help="static vectors from Brown clusters (spacy-lookups-data; default)")
    p.add_argument("--no-cluster-vectors", dest="cluster_vectors", action="store_false")
    p.add_argument("--cluster-top-n", type=int, default=600_000)
    p.add_argument("--cluster-dim", type=int, default=96)
    p.add_argument("--max-steps", type=int, default=0)
    p.add_argument("--pos-max-steps", type=int, default=1500)
    p.add_argument("--set", action="append", help="config override key=value (JSON value)")
    p.add_argument("--init-tok2vec", type=Path, default=None,
                   help="pretrained tok2vec weights (`pretrain` output, e.g. training-work/pretrain-e3/model-last.bin)")


def _cluster_vectors(args) -> Path:
    from . import clusters

    return clusters.build_vectors_model(
        args.work / f"cluster-vectors-{args.cluster_top_n}-{args.cluster_dim}",
        top_n=args.cluster_top_n, dim=args.cluster_dim)


def _train_run(args, name: str) -> tuple[Path, float]:
    recipe = _recipe(args)
    cdir = train.prepare_corpus(args.data, args.work, recipe)
    ov = _overrides(args)
    if args.cluster_vectors:
        vec_dir = _cluster_vectors(args)
        ov["paths.vectors"] = str(vec_dir)
        if "[components.tok2vec.model.embed]" in args.config.read_text():
            ov["components.tok2vec.model.embed.include_static_vectors"] = True
    run_dir = args.work / "runs" / name
    minutes = train.run_spacy_train(args.config, cdir, run_dir, ov)
    return run_dir, minutes


def cmd_train(args) -> int:
    run_dir, minutes = _train_run(args, "final")
    pos_best = None
    if not args.no_pos:
        pos_dir, pos_minutes = _train_run(pos_args(args), "final-upos")
        minutes += pos_minutes
        pos_best = pos_dir / "model-best"
    perf = train.package(run_dir / "model-best", args.out, args.data, pos_model=pos_best,
                         europeana_used=bool(_recipe(args).europeana),
                         extra_meta={"training_minutes": round(minutes, 1)})
    print(f"packaged {args.out} ({minutes:.1f} min training); {json.dumps(perf)}")
    return 0


def cmd_experiment(args) -> int:
    """Train a variant into training-work/runs/NAME, score it, log one JSON line."""
    import spacy

    from . import evaluate

    run_dir, minutes = _train_run(args, args.name)
    best = run_dir / "model-best"
    nlp = spacy.load(best)
    res = evaluate.eval_ner(nlp, corpora.load_benchmark(args.data))
    meta = json.loads((best / "meta.json").read_text())
    texts = evaluate.load_speeches(args.data / "text" / "speeches.json")
    wps = evaluate.bench(nlp, texts[:120])["words_per_second"]
    row = {
        "name": args.name, "note": args.note, "time": time.strftime("%Y-%m-%d %H:%M"),
        "recipe": json.loads((train.prepare_corpus(args.data, args.work, _recipe(args)) /
                              "corpus.json").read_text()),
        "overrides": _overrides(args),
        "cluster_vectors": (f"{args.cluster_top_n}x{args.cluster_dim}" if args.cluster_vectors else False),
        "config": str(args.config.name), "minutes": round(minutes, 1),
        "quick_dev_ents_f": meta.get("performance", {}).get("ents_f"),
        "germeval_dev": {l: v["f"] for l, v in res["per_label"].items()},
        "germeval_dev_micro": res["micro_PER_LOC_ORG"],
        "words_per_second_ner_only": wps,
    }
    with EXPERIMENTS_LOG.open("a") as fh:
        fh.write(json.dumps(row) + "\n")
    print(evaluate.format_ner(res))
    print(json.dumps(row))
    return 0


def cmd_pretrain(args) -> int:
    """Pretrain the NER config's tok2vec on unlabelled text into training-work/pretrain-NAME/."""
    from . import pretrain

    raw = args.work / "pretrain-text" / "raw.jsonl"
    if not raw.exists():
        stats = pretrain.build_raw_text(args.data, raw)
        print(f"pretraining text {raw}: {json.dumps(stats)}")
    vectors = _cluster_vectors(args) if args.cluster_vectors else None
    out = args.work / f"pretrain-{args.name}"
    minutes = pretrain.run_pretrain(args.config, raw, vectors, out, args.epochs, _overrides(args))
    print(f"pretrained tok2vec in {out} ({minutes:.1f} min); use --init-tok2vec {out / 'model-last.bin'}")
    return 0


POS_CONFIG = Path(__file__).resolve().parent / "config_pos.cfg"


def pos_args(args) -> argparse.Namespace:
    """Arguments of the UPOS (morphologizer) run that goes with a NER run."""
    ns = argparse.Namespace(**vars(args))
    ns.config, ns.gold_repeat, ns.wikiann, ns.europeana, ns.ud = POS_CONFIG, 0, "", "", True
    ns.max_steps, ns.set = args.pos_max_steps, []
    return ns


def cmd_pos_experiment(args) -> int:
    import spacy

    pargs = pos_args(args)
    run_dir, minutes = _train_run(pargs, args.name)
    nlp = spacy.load(run_dir / "model-best")
    scores = __import__("pipeline.training.evaluate", fromlist=["x"]).upos_scores(nlp, args.data)
    texts = __import__("pipeline.training.evaluate", fromlist=["x"]).load_speeches(
        args.data / "text" / "speeches.json")
    from . import evaluate

    wps = evaluate.bench(nlp, texts[:120])["words_per_second"]
    row = {"name": args.name, "kind": "upos", "minutes": round(minutes, 1), "upos_acc": scores,
           "words_per_second_pos_only": wps, "max_steps": pargs.max_steps}
    with EXPERIMENTS_LOG.open("a") as fh:
        fh.write(json.dumps(row) + "\n")
    print(json.dumps(row))
    return 0


def _load(model: Path):
    import spacy

    import pipeline.lemmatizer  # noqa: F401  (factory, in case the package is not installed)

    return spacy.load(model)


def _write_json(path: Path | None, data) -> None:
    """The results of an evaluation or benchmark as JSON, its folder created (no path: not
    asked for)."""
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2))


def cmd_eval_ner(args) -> int:
    from . import evaluate

    nlp = _load(args.model)
    res = evaluate.eval_ner(nlp, corpora.load_benchmark(args.data))
    print(f"GermEval 2014 dev ({res['sentences']} sentences), exact spans on gold tokens, "
          f"model {args.model}")
    print(evaluate.format_ner(res))
    _write_json(args.json, res)
    return 0


def cmd_eval_lemma(args) -> int:
    from . import convert, evaluate

    nlp = _load(args.model)
    lookup = evaluate.lookup_lemmatizer()
    results = {}
    for rel in corpora.UD_FILES:
        path = args.data / rel
        if not path.exists():
            continue
        sents = convert.parse_conllu(path.read_text(encoding="utf-8"))
        r = {"simplemma (model)": evaluate.lemma_accuracy(nlp, sents)}
        if lookup is not None:
            r["spacy lookup"] = evaluate.lemma_accuracy(lookup, sents)
        results[rel] = r
        for k, v in r.items():
            extra = f"  UPOS {v['upos_acc']:.4f}" if "upos_acc" in v else ""
            print(f"{rel:32} {k:18} lemma {v['lemma_acc']:.4f} "
                  f"(case-insens. {v['lemma_acc_nocase']:.4f}) n={v['tokens']}{extra}")
    print("note: UD GSD dev/test are training data of the morphologizer (if present); "
          "PUD test is held out.")
    _write_json(args.json, results)
    return 0


def cmd_bench(args) -> int:
    from . import evaluate

    nlp = _load(args.model)
    texts = evaluate.load_speeches(args.data / "text" / "speeches.json")
    res = evaluate.bench(nlp, texts, batch_size=args.batch_size, repeat=args.repeat)
    res["model"] = str(args.model)
    print(f"{res['words']} words in {res['seconds']} s wall / {res['cpu_seconds']} s CPU: "
          f"{res['words_per_second']} words/s wall, {res['words_per_cpu_second']} words per "
          f"CPU-second (1 process, 1 thread, pipeline {res['pipeline']})")
    _write_json(args.out, res)
    print(f"wrote {args.out}")
    return 0


def cmd_package(args) -> int:
    """Package an existing run (training-work/runs/NAME/model-best) into --out."""
    best = args.work / "runs" / args.run / "model-best"
    pos = args.work / "runs" / args.pos_run / "model-best" if args.pos_run else None
    perf = train.package(best, args.out, args.data, pos_model=pos,
                         europeana_used=args.europeana_used)
    print(f"packaged {best} -> {args.out}; {json.dumps(perf)}")
    return 0


def cmd_table(args) -> int:
    """Markdown table of the logged experiments (for the model card)."""
    rows = [json.loads(l) for l in EXPERIMENTS_LOG.read_text().splitlines() if l.strip()]
    for r in rows:
        if r.get("kind") == "upos":
            print(f"UPOS run {r['name']}: {r['upos_acc']} ({r['minutes']} min, "
                  f"{r['words_per_second_pos_only']} w/s alone)")
    rows = [r for r in rows if r.get("kind") != "upos"]
    print("| name | data (train docs) | settings | quick-dev F1 | PER | LOC | ORG | MISC "
          "| micro P/L/O | min | w/s (ner) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        rec = r["recipe"]
        rc = rec["recipe"]
        data = (f"GE-test x{rc['gold_repeat']}"
                + (f" + WikiANN {'+'.join(rc['wikiann'])} ({rec['wikiann']}"
                   + ("" if set(rc.get("wikiann_labels", "PER LOC ORG".split())) >= {"PER", "LOC", "ORG"}
                      else f", silver {'/'.join(rc['wikiann_labels'])} only, rest missing")
                   + ("" if rc.get("wikiann_o_missing", "none") == "none"
                      else f", O->missing: {rc['wikiann_o_missing']}") + ")"
                   if rec["wikiann"] else "")
                + (f" + Europeana {'+'.join(rc['europeana'])} ({rec['europeana']})" if rec["europeana"] else "")
                + (f" + LER {'+'.join(rc['ler'])} ({rec['ler']})" if rec.get("ler") else "")
                + (" + UD GSD" if rc.get("ud") else "")
                + ("" if rc["misc"] else ", no MISC") + f" [{rec['train_docs']}]")
        settings = "; ".join([r["config"]] + ([f"Brown-cluster vectors {r['cluster_vectors'] if isinstance(r['cluster_vectors'], str) else '300000x64'}"] if r["cluster_vectors"] else [])
                             + [f"{k.split('.')[-1]}={v}" for k, v in r["overrides"].items()])
        g = r["germeval_dev"]
        fmt = lambda l: f"{g[l]:.3f}" if l in g else "-"
        print(f"| {r['name']} | {data} | {settings} | {r['quick_dev_ents_f'] or 0:.3f} | {fmt('PER')} "
              f"| {fmt('LOC')} | {fmt('ORG')} | {fmt('MISC')} | **{r['germeval_dev_micro']['f']:.3f}** "
              f"| {r['minutes']} | {r['words_per_second_ner_only']} |")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.training")
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("train", help="convert, train, package into --out")
    _add_train_args(p)
    p.add_argument("--out", type=Path, default=train.DEFAULT_OUT)
    p.add_argument("--no-pos", action="store_true", help="skip the UD-trained UPOS tagger")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("experiment", help="train a variant and log its scores")
    _add_train_args(p)
    p.add_argument("--name", required=True)
    p.add_argument("--note", default="")
    p.set_defaults(func=cmd_experiment)

    for name, func in (("eval-ner", cmd_eval_ner), ("eval-lemma", cmd_eval_lemma)):
        p = sub.add_parser(name)
        p.add_argument("--data", type=Path, default=_default_data())
        p.add_argument("--model", type=Path, default=train.DEFAULT_OUT)
        p.add_argument("--json", type=Path, default=None)
        p.set_defaults(func=func)

    p = sub.add_parser("bench", help="words/s of the model over text/speeches.json")
    p.add_argument("--data", type=Path, default=_default_data())
    p.add_argument("--model", type=Path, default=train.DEFAULT_OUT)
    p.add_argument("--out", type=Path, default=train.REPO / "bench" / "model.json")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--repeat", type=int, default=2)
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("pos-experiment", help="train the UPOS morphologizer alone, log UPOS acc")
    _add_train_args(p)
    p.add_argument("--name", required=True)
    p.set_defaults(func=cmd_pos_experiment)

    p = sub.add_parser("package", help="package an experiment run into --out")
    p.add_argument("--run", required=True)
    p.add_argument("--pos-run", default="", help="UPOS run to source the morphologizer from")
    p.add_argument("--europeana-used", action="store_true", help="the run was trained on Europeana")
    p.add_argument("--data", type=Path, default=_default_data())
    p.add_argument("--work", type=Path, default=train.DEFAULT_WORK)
    p.add_argument("--out", type=Path, default=train.DEFAULT_OUT)
    p.set_defaults(func=cmd_package)

    p = sub.add_parser("pretrain", help="spacy pretrain of the NER tok2vec on unlabelled text")
    _add_train_args(p)
    p.add_argument("--name", default="e3")
    p.add_argument("--epochs", type=int, default=3)
    p.set_defaults(func=cmd_pretrain)

    p = sub.add_parser("table", help="markdown table of experiments.jsonl")
    p.set_defaults(func=cmd_table)

    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
