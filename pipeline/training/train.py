"""Train the embedded German pipeline with spaCy's own training loop and package it.

    python -m pipeline.training train --data ../shared/data [--out pipeline/models/de_reports_sm]

1. convert the shared corpora (:mod:`pipeline.training.corpora`) into
   ``training-work/corpus-<recipe>/{train,dev}.spacy`` (dev = quick-dev sample of the
   GermEval *test* file; GermEval dev is never seen);
2. ``spacy.cli.train.train`` with ``pipeline/training/config.cfg`` (+ overrides);
3. load ``model-best``, add ``simplemma_lemmatizer``, score it on GermEval 2014 dev,
   write name/version/sources/performance into meta.json and save to ``--out``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from dataclasses import asdict
from pathlib import Path

from . import corpora, evaluate

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_CONFIG = HERE / "config.cfg"
DEFAULT_OUT = REPO / "pipeline" / "models" / "de_reports_sm"
DEFAULT_WORK = REPO / "training-work"
MODEL_NAME = "de_reports_sm"
MODEL_VERSION = "0.1.0"

SOURCES = [
    {"name": "GermEval 2014 NER (test split used for training; dev split = benchmark)",
     "author": "Benikova, Biemann, Reznicek (2014)",
     "url": "https://sites.google.com/site/germeval2014ner/", "license": "CC BY 4.0"},
    {"name": "WikiANN German (silver)", "author": "Pan et al. (2017)",
     "url": "https://aclanthology.org/P17-1178/", "license": "ODC-BY 1.0"},
    {"name": "Europeana Newspapers German NER", "author": "Neudecker (2016)",
     "url": "https://github.com/EuropeanaNewspapers/ner-corpora", "license": "CC0 1.0"},
    {"name": "Universal Dependencies German GSD (UPOS, only if a morphologizer is present)",
     "author": "UD contributors", "url": "https://universaldependencies.org/treebanks/de_gsd/",
     "license": "CC BY-SA 4.0"},
    {"name": "spacy-lookups-data de_lexeme_cluster (Brown clusters, only if cluster vectors are used)",
     "author": "Explosion AI", "url": "https://github.com/explosion/spacy-lookups-data",
     "license": "MIT"},
]


def recipe_key(recipe: corpora.Recipe) -> str:
    return hashlib.sha1(json.dumps(asdict(recipe), sort_keys=True).encode()).hexdigest()[:10]


def prepare_corpus(data: Path, work: Path, recipe: corpora.Recipe) -> Path:
    cdir = work / f"corpus-{recipe_key(recipe)}"
    if not (cdir / "corpus.json").exists():
        stats = corpora.build(data, cdir, recipe)
        print(f"corpus {cdir.name}: {json.dumps({k: v for k, v in stats.items() if k != 'recipe'})}")
    return cdir


def run_spacy_train(config: Path, corpus_dir: Path, run_dir: Path, overrides: dict) -> float:
    """spaCy's own training loop; returns wall-clock minutes."""
    from spacy.cli.train import train as spacy_train

    ov = {"paths.train": str(corpus_dir / "train.spacy"), "paths.dev": str(corpus_dir / "dev.spacy")}
    ov.update(overrides)
    if run_dir.exists():
        shutil.rmtree(run_dir)
    t0 = time.time()
    spacy_train(config, output_path=run_dir, use_gpu=-1, overrides=ov)
    return (time.time() - t0) / 60


def _scrub_config(model_dir: Path) -> None:
    """Drop machine-specific corpus/vector paths from the saved config."""
    cfg = model_dir / "config.cfg"
    text = cfg.read_text()
    text = re.sub(r"(?m)^(train|dev|vectors|init_tok2vec) = .*$", r"\1 = null", text, count=0)
    cfg.write_text(text)


def _prune_strings(nlp, model_dir: Path) -> None:
    """The string store of a trained pipeline holds every word form of the training
    corpora (~1.7 MB).  Inference hashes words and re-adds strings as it meets them;
    only label strings are worth keeping (scores are identical, see MODEL_CARD.md)."""
    keep: set[str] = set()
    for _, proc in nlp.pipeline:
        labels = getattr(proc, "labels", None) or ()
        keep.update(str(l) for l in labels)
        for attr in ("cfg",):
            cfg = getattr(proc, attr, None) or {}
            for k in ("labels_morph", "labels_pos"):
                if isinstance(cfg.get(k), dict):
                    keep.update(cfg[k].keys())
    keep.update(s for s in nlp.vocab.strings if s in keep)
    (model_dir / "vocab" / "strings.json").write_text(json.dumps(sorted(keep)))


def package(best: Path, out: Path, data: Path | None, extra_meta: dict | None = None,
            pos_model: Path | None = None, europeana_used: bool = False) -> dict:
    """Copy `best` to `out` with the UPOS morphologizer (sourced from `pos_model`, if
    given) and the lemmatizer added, and the meta filled in."""
    import spacy

    import pipeline.lemmatizer  # noqa: F401  (registers the factory)

    nlp = spacy.load(best)
    if pos_model is not None and "morphologizer" not in nlp.pipe_names:
        pos_nlp = spacy.load(pos_model)
        nlp.add_pipe("morphologizer", source=pos_nlp)
    if "simplemma_lemmatizer" not in nlp.pipe_names:
        nlp.add_pipe("simplemma_lemmatizer", last=True)
    meta = nlp.meta
    meta.update({
        "name": MODEL_NAME,
        "lang": "de",
        "version": MODEL_VERSION,
        "description": "German NER (PER/LOC/ORG[/MISC]) + simplemma lemmas, CPU pipeline "
                       "trained by pipeline.training for the report pipeline.",
        "author": "de-report-pipeline",
        "license": ("CC BY-SA 4.0" if "morphologizer" in nlp.pipe_names else "CC BY 4.0")
                   + " (see MODEL_CARD.md)",
        "sources": [s for s in SOURCES
                    if ("morphologizer" in nlp.pipe_names or not s["name"].startswith("Universal"))
                    and (europeana_used or not s["name"].startswith("Europeana"))],
    })
    perf = {}
    if data is not None and "morphologizer" in nlp.pipe_names:
        perf["upos_acc"] = evaluate.upos_scores(nlp, Path(data))
    if data is not None and (Path(data) / corpora.GERMEVAL_DEV).exists():
        res = evaluate.eval_ner(nlp, corpora.load_benchmark(data))
        perf.update({
            "germeval2014_dev_micro_PER_LOC_ORG_f": res["micro_PER_LOC_ORG"]["f"],
            "germeval2014_dev_micro_PER_LOC_ORG_p": res["micro_PER_LOC_ORG"]["p"],
            "germeval2014_dev_micro_PER_LOC_ORG_r": res["micro_PER_LOC_ORG"]["r"],
            "germeval2014_dev_per_type": {l: {k: v[k] for k in ("p", "r", "f")}
                                          for l, v in res["per_label"].items()},
        })
        print(evaluate.format_ner(res))
    meta["performance"] = {**meta.get("performance", {}), **perf}
    if extra_meta:
        meta.update(extra_meta)
    nlp.meta.update(meta)
    card = out / "MODEL_CARD.md"
    card_text = card.read_text(encoding="utf-8") if card.exists() else None
    if out.exists():
        shutil.rmtree(out)
    nlp.to_disk(out)
    _scrub_config(out)
    _prune_strings(nlp, out)
    if card_text is not None:  # the card is hand-written: keep it across retrains
        card.write_text(card_text, encoding="utf-8")
    return perf
