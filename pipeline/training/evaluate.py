"""Evaluation of the embedded model: NER on GermEval 2014 dev, lemmas / UPOS on UD,
and throughput (words/s with `nlp.pipe` on one core)."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from . import convert

CORE = ("PER", "LOC", "ORG")


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def run_on_words(nlp: Language, word_lists: Iterable[Sequence[str]],
                 disable: Sequence[str] = (), batch_size: int = 256) -> list[Doc]:
    """Run the pipeline's components on pre-tokenised input (gold tokens)."""
    docs = [Doc(nlp.vocab, words=list(w)) for w in word_lists]
    for name, proc in nlp.pipeline:
        if name in disable:
            continue
        if hasattr(proc, "pipe"):
            docs = list(proc.pipe(docs, batch_size=batch_size))
        else:
            docs = [proc(d) for d in docs]
    return docs


def score_spans(gold: list[set], pred: list[set]) -> dict:
    """Exact-span P/R/F1 per label plus the PER/LOC/ORG micro average."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for g, p in zip(gold, pred):
        for s in p:
            (tp if s in g else fp)[s[2]] += 1
        for s in g:
            if s not in p:
                fn[s[2]] += 1
    labels = sorted(set(tp) | set(fp) | set(fn), key=lambda l: (l not in CORE, l))
    per_label = {l: _prf(tp[l], fp[l], fn[l]) for l in labels}
    micro = _prf(sum(tp[l] for l in CORE), sum(fp[l] for l in CORE), sum(fn[l] for l in CORE))
    return {"per_label": per_label, "micro_PER_LOC_ORG": micro}


def eval_ner(nlp: Language, sents: list[convert.Sent]) -> dict:
    docs = run_on_words(nlp, [s.words for s in sents],
                        disable=[n for n in nlp.pipe_names if n != "tok2vec" and n != "ner"])
    pred = [{(e.start, e.end, e.label_) for e in d.ents} for d in docs]
    gold = [convert.spans(s.tags) for s in sents]
    res = score_spans(gold, pred)
    res["sentences"] = len(sents)
    # MISC is scored only if the model predicts it
    if "MISC" not in nlp.get_pipe("ner").labels:
        res["per_label"].pop("MISC", None)
    return res


def format_ner(res: dict) -> str:
    lines = [f"{'label':6} {'P':>7} {'R':>7} {'F1':>7} {'gold':>6}"]
    for l, v in res["per_label"].items():
        lines.append(f"{l:6} {v['p']:7.4f} {v['r']:7.4f} {v['f']:7.4f} {v['tp'] + v['fn']:6d}")
    m = res["micro_PER_LOC_ORG"]
    lines.append(f"{'micro':6} {m['p']:7.4f} {m['r']:7.4f} {m['f']:7.4f}   (PER/LOC/ORG)")
    return "\n".join(lines)


# --------------------------------------------------------------------------- lemmas
def lemma_accuracy(nlp: Language, sents: list[convert.UDSent]) -> dict:
    """Lemma (and, if the model predicts POS, UPOS) accuracy on gold UD words."""
    docs = run_on_words(nlp, [s.words for s in sents])
    n = ok = ok_ci = pos_ok = 0
    for d, s in zip(docs, sents):
        for tok, lem, pos in zip(d, s.lemmas, s.pos):
            n += 1
            ok += tok.lemma_ == lem
            ok_ci += tok.lemma_.lower() == lem.lower()
            pos_ok += tok.pos_ == pos
    out = {"tokens": n, "lemma_acc": round(ok / n, 4), "lemma_acc_nocase": round(ok_ci / n, 4)}
    if any(d.has_annotation("POS") for d in docs):
        out["upos_acc"] = round(pos_ok / n, 4)
    return out


def upos_scores(nlp: Language, data: Path) -> dict:
    """UPOS accuracy per UD file (GSD dev/test = tagger training data, PUD = held out)."""
    from .corpora import UD_FILES

    out = {}
    for rel in UD_FILES:
        if (Path(data) / rel).exists():
            sents = convert.parse_conllu((Path(data) / rel).read_text(encoding="utf-8"))
            out[rel] = lemma_accuracy(nlp, sents).get("upos_acc")
    return out


def lookup_lemmatizer() -> Language | None:
    """spaCy's German lookup lemmatizer (needs spacy-lookups-data), for comparison."""
    import spacy

    try:
        nlp = spacy.blank("de")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
        return nlp
    except Exception:  # pragma: no cover - spacy-lookups-data missing
        return None


# --------------------------------------------------------------------------- bench
def load_speeches(path: Path) -> list[str]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    speech = data["speech"]
    return [speech[k] for k in sorted(speech, key=int) if speech[k]]


def bench(nlp: Language, texts: list[str], batch_size: int = 64, repeat: int = 1) -> dict:
    """Words/s of `nlp.pipe` over `texts` in this (single) process."""
    # warm-up (caches, lazy allocations)
    for _ in nlp.pipe(texts[:5]):
        pass
    best = None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        words = 0
        for doc in nlp.pipe(texts, batch_size=batch_size):
            words += sum(1 for t in doc if not t.is_space)
        dt, ct = time.perf_counter() - t0, time.process_time() - c0
        if best is None or ct < best[2]:
            best = (words, dt, ct)
    words, dt, ct = best
    return {
        "words": words,
        "seconds": round(dt, 3),
        "cpu_seconds": round(ct, 3),
        "words_per_second": round(words / dt),
        # CPU time of this one process: the per-core speed even when the machine is shared
        "words_per_cpu_second": round(words / ct),
        "texts": len(texts),
        "chars": sum(len(t) for t in texts),
        "pipeline": nlp.pipe_names,
        "batch_size": batch_size,
        "threads": os.environ.get("OMP_NUM_THREADS", "?"),
    }
