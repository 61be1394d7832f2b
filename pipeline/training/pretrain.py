"""Pretrain the NER tok2vec on unlabelled German text (``spacy pretrain``, characters objective).

    python -m pipeline.training pretrain --data ../shared/data [--epochs 3]
    python -m pipeline.training experiment --name X --init-tok2vec training-work/pretrain-.../model-last.bin

The tok2vec learns to predict the first and last characters of each word from its context
(``spacy.PretrainCharacters.v1``) before it sees any NER label.  That gives the CNN some
knowledge of German contexts beyond the ~18k gold sentences.  The text comes only from
sources whose licence allows it and that are not the benchmark (see MODEL_CARD.md):

* ``text/ler-courts.txt.gz``: court decisions, one tokenised sentence a line (CC BY 4.0);
* the sentences of WikiANN train/dev/test (ODC-BY) and of GermEval 2014 *test* (CC BY 4.0;
  the training split; GermEval *dev* is never read);
* Europeana ``lft``/``sbb`` (CC0) and ``text/speeches.json`` (CC BY-SA 4.0).

``text/10kgnad-test.csv`` is not used (non-commercial licence).
"""

from __future__ import annotations

import gzip
import json
import random
import re
import time
from pathlib import Path

from . import convert, corpora, evaluate

PRETRAIN_SECTION = """
[corpora.pretrain]
@readers = "spacy.JsonlCorpus.v1"
path = {raw}
min_length = 3
max_length = 300
limit = 0

[pretraining]
max_epochs = {epochs}
dropout = 0.2
n_save_every = null
n_save_epoch = null
component = "tok2vec"
layer = ""
corpus = "corpora.pretrain"

[pretraining.batcher]
@batchers = "spacy.batch_by_words.v1"
size = 3000
discard_oversize = false
tolerance = 0.2
get_length = null

[pretraining.objective]
@architectures = "spacy.PretrainCharacters.v1"
maxout_pieces = 3
hidden_size = 300
n_characters = 4

[pretraining.optimizer]
@optimizers = "Adam.v1"
beta1 = 0.9
beta2 = 0.999
L2_is_weight_decay = true
L2 = 0.01
grad_clip = 1.0
use_averages = true
eps = 1e-08
learn_rate = 0.001
"""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])")
SOURCES = ("ler-courts", "wikiann", "germeval-test", "europeana", "speeches")


def _sentences(data: Path, sources: tuple[str, ...]) -> dict[str, list[str]]:
    """Every source's sentences as plain strings (tokens joined by spaces where the source is tokenised)."""
    out: dict[str, list[str]] = {}
    if "ler-courts" in sources:
        with gzip.open(data / "text" / "ler-courts.txt.gz", "rt", encoding="utf-8") as fh:
            out["ler-courts"] = [line.strip() for line in fh if line.strip()]
    if "wikiann" in sources:
        out["wikiann"] = [" ".join(s.words) for split in ("train", "dev", "test")
                          for s in convert.parse_wikiann(corpora._read(data, corpora.WIKIANN.format(split=split)))]
    if "germeval-test" in sources:
        out["germeval-test"] = [" ".join(s.words) for s in convert.parse_germeval(corpora._read(data, corpora.GERMEVAL_TRAIN))]
    if "europeana" in sources:
        out["europeana"] = [" ".join(s.words) for name in ("lft", "sbb")
                            for s in convert.parse_europeana(corpora._read(data, corpora.EUROPEANA.format(name=name)))]
    if "speeches" in sources:
        texts = evaluate.load_speeches(data / "text" / "speeches.json")
        out["speeches"] = [s.strip() for t in texts for s in _SENTENCE_END.split(t) if len(s.split()) >= 3]
    return out


def build_raw_text(data: Path, out: Path, sources: tuple[str, ...] = SOURCES, seed: int = 13) -> dict:
    """Write the deduplicated, shuffled text as spaCy's JSONL (``{"text": ...}`` a line)."""
    per_source = _sentences(data, sources)
    seen: set[str] = set()
    lines: list[str] = []
    for name in sources:
        for text in per_source.get(name, []):
            if text not in seen:
                seen.add(text)
                lines.append(text)
    random.Random(seed).shuffle(lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for text in lines:
            fh.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    stats = {"sentences": len(lines), "words": sum(len(t.split()) for t in lines),
             "per_source": {k: len(v) for k, v in per_source.items()}}
    (out.parent / "raw.json").write_text(json.dumps(stats, indent=2))
    return stats


def run_pretrain(config: Path, raw: Path, vectors: Path | None, out_dir: Path, epochs: int,
                 overrides: dict | None = None) -> float:
    """spaCy's pretraining loop over ``raw`` with the NER config's own tok2vec; returns minutes."""
    from spacy import util
    from spacy.training.pretrain import pretrain

    # the NER config carries an empty [pretraining] section; this one replaces it
    base = re.sub(r"(?m)^\[pretraining\]\s*$", "", config.read_text())
    text = base + PRETRAIN_SECTION.format(raw=json.dumps(str(raw)), epochs=epochs)
    ov = {"paths.vectors": str(vectors) if vectors else None}
    ov.update(overrides or {})
    raw_cfg = util.load_config_from_str(text, overrides=ov, interpolate=False)
    # fill spaCy's defaults (tokenizer, ...) as `spacy init fill-config` would; keep our sections
    filled = util.load_model_from_config(raw_cfg, auto_fill=True, validate=True).config
    cfg = filled.merge({k: raw_cfg[k] for k in ("pretraining", "corpora", "paths", "initialize")})
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "config.cfg").write_text(cfg.to_str())
    t0 = time.time()
    pretrain(cfg.interpolate(), out_dir, use_gpu=-1, silent=False)
    return (time.time() - t0) / 60
