"""Build the training / quick-dev `.spacy` corpora from the shared data folder.

GermEval 2014 *dev* is the held-out benchmark and is never read here.  Model selection
uses a fixed random sample of GermEval *test* sentences (``quick_dev``), which is
removed from the training portion.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

from spacy.tokens import DocBin
from spacy.vocab import Vocab

from . import convert

GERMEVAL_TRAIN = "ner/germeval2014/NER-de-test.tsv"
GERMEVAL_DEV = "ner/germeval2014/NER-de-dev.tsv"  # benchmark only
WIKIANN = "ner/wikiann-de/{split}"
EUROPEANA = "ner/europeana-de/enp_DE.{name}.bio"
LER = "ner/ler-de/ler_{split}.conll"  # German Legal Entity Recognition, CC BY 4.0
UD_TRAIN = ("ud/de_gsd-ud-dev.conllu", "ud/de_gsd-ud-test.conllu")
UD_FILES = ("ud/de_gsd-ud-dev.conllu", "ud/de_gsd-ud-test.conllu", "ud/de_pud-ud-test.conllu")


@dataclass
class Recipe:
    """What goes into the training corpus (one experiment = one recipe + config)."""

    gold_repeat: int = 1  # GermEval test copies (in-domain gold weighting)
    wikiann: list[str] = field(default_factory=lambda: ["train"])  # splits used
    wikiann_limit: int = 0  # 0 = all sentences of the chosen splits
    # silver O tags -> missing: "none", "upper" (only capitalised tokens, which may be
    # unlinked names) or "all"; silver labels not in wikiann_labels -> missing too
    wikiann_o_missing: str = "none"
    wikiann_labels: list[str] = field(default_factory=lambda: ["PER", "LOC", "ORG"])
    europeana: list[str] = field(default_factory=list)  # lft, onb, sbb
    ler: list[str] = field(default_factory=list)  # LER splits (court decisions)
    ler_limit: int = 0  # random sample of that many LER sentences (0 = all)
    misc: bool = True  # keep GermEval OTH as MISC (else O)
    ud: bool = False  # add UD GSD dev+test (UPOS only) for a morphologizer
    quick_dev: int = 500  # GermEval-test sentences held out for model selection
    ud_quick_dev: int = 150
    seed: int = 13


def _read(data: Path, rel: str) -> str:
    return (data / rel).read_text(encoding="utf-8")


def _sampled(data: Path, pattern: str, splits: list[str], limit: int, rng: random.Random,
             parse) -> list[convert.Sent]:
    """The sentences of the splits of one source, a random sample of `limit` (0 = all)."""
    sents: list[convert.Sent] = []
    for split in splits:
        sents += parse(_read(data, pattern.format(split=split)))
    if limit and len(sents) > limit:
        sents = rng.sample(sents, limit)
    return sents


def build(data: Path, out_dir: Path, recipe: Recipe) -> dict:
    """Write ``train.spacy`` and ``dev.spacy`` into `out_dir`; return stats."""
    data, out_dir = Path(data), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(recipe.seed)
    keep = convert.LABELS if recipe.misc else ("PER", "LOC", "ORG")
    vocab = Vocab()

    gold = convert.parse_germeval(_read(data, GERMEVAL_TRAIN), keep=keep)
    idx = list(range(len(gold)))
    rng.shuffle(idx)
    dev_idx = set(idx[: recipe.quick_dev])
    gold_dev = [s for i, s in enumerate(gold) if i in dev_idx]
    gold_train = [s for i, s in enumerate(gold) if i not in dev_idx]

    train_docs = []
    stats = {"germeval_test_train": len(gold_train), "quick_dev": len(gold_dev)}
    for _ in range(recipe.gold_repeat):
        train_docs += [convert.sent_to_doc(vocab, s) for s in gold_train]

    silver = _sampled(data, WIKIANN, recipe.wikiann, recipe.wikiann_limit, rng,
                      lambda text: convert.parse_wikiann(text, keep=keep))
    stats["wikiann"] = len(silver)
    silver = [soften_silver(s, recipe.wikiann_o_missing, recipe.wikiann_labels) for s in silver]
    train_docs += [convert.sent_to_doc(vocab, s) for s in silver]

    enp = []
    for name in recipe.europeana:
        enp += convert.parse_europeana(_read(data, EUROPEANA.format(name=name)))
    stats["europeana"] = len(enp)
    train_docs += [convert.sent_to_doc(vocab, s) for s in enp]

    ler = _sampled(data, LER, recipe.ler, recipe.ler_limit, rng, convert.parse_ler)
    stats["ler"] = len(ler)
    train_docs += [convert.sent_to_doc(vocab, s) for s in ler]

    dev_docs = [convert.sent_to_doc(vocab, s) for s in gold_dev]
    if recipe.ud:
        ud = []
        for rel in UD_TRAIN:
            ud += convert.parse_conllu(_read(data, rel))
        rng.shuffle(ud)
        ud_dev, ud_train = ud[: recipe.ud_quick_dev], ud[recipe.ud_quick_dev:]
        stats["ud_train"], stats["ud_quick_dev"] = len(ud_train), len(ud_dev)
        mk = lambda s: convert.udsent_to_doc(vocab, s, with_lemmas=False, with_morph=False)
        train_docs += [mk(s) for s in ud_train]
        dev_docs += [mk(s) for s in ud_dev]

    rng.shuffle(train_docs)
    convert.to_docbin(train_docs).to_disk(out_dir / "train.spacy")
    convert.to_docbin(dev_docs).to_disk(out_dir / "dev.spacy")
    stats["train_docs"] = len(train_docs)
    stats["train_words"] = sum(len(d) for d in train_docs)
    stats["recipe"] = asdict(recipe)
    (out_dir / "corpus.json").write_text(json.dumps(stats, indent=2))
    return stats


def soften_silver(sent: convert.Sent, o_missing: str = "none",
                  labels=("PER", "LOC", "ORG")) -> convert.Sent:
    """Partial annotation for silver data: some tags become missing (None)."""
    tags: list = []
    for w, t in zip(sent.words, sent.tags):
        if t == "O":
            if o_missing == "all" or (o_missing == "upper" and w[:1].isupper()):
                t = None
        elif t[2:] not in labels:
            t = None
        tags.append(t)
    # an I- whose B- became missing must be missing too
    for i, t in enumerate(tags):
        if t and t.startswith("I-") and (i == 0 or tags[i - 1] is None):
            tags[i] = None
    return convert.Sent(sent.words, tags)


def load_benchmark(data: Path, keep=convert.LABELS) -> list[convert.Sent]:
    """GermEval 2014 dev (the held-out benchmark), for evaluation only."""
    return convert.parse_germeval(_read(Path(data), GERMEVAL_DEV), keep=keep)


def docbin_len(path: Path) -> int:
    return len(DocBin().from_disk(path))
