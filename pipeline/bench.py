"""`make bench`: speed and memory of the whole pipeline, as ratios measured in one run.

Machines here are shared and noisy, so absolute seconds mean little; what is reported is
the pipeline against the bare model (`nlp.pipe` of the loaded spaCy model, the floor any
spaCy-based pipeline pays) over the same texts in the same process, plus words/s, the
per-stage split and peak memory.  Texts: the CC BY-SA speeches corpus in
`$DATA/text/speeches.json` (and 10kGNAD news articles when present, benchmark use only),
cut into report-sized documents; falls back to `corpus/` when DATA is absent.

    python -m pipeline.bench --data ../shared/data --out bench/results.json [--limit-words N]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

from .evaluation import gnad_texts

REPO = Path(__file__).resolve().parents[1]


def load_texts(data: Path, limit_words: int) -> tuple[list[str], str]:
    texts: list[str] = []
    source = []
    speeches = data / "text" / "speeches.json"
    if speeches.exists():
        import pandas as pd

        for speech in pd.read_json(speeches)["speech"]:
            texts.extend(_chunks(str(speech)))
        source.append(str(speeches))
    gnad = data / "text" / "10kgnad-test.csv"
    if gnad.exists():
        texts.extend(gnad_texts(gnad))
        source.append(str(gnad))
    if not texts:
        texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpus").glob("*.txt"))]
        source.append("corpus/")
    out, words = [], 0
    # interleave the sources deterministically, stop at the word budget
    for t in texts:
        out.append(t)
        words += len(t.split())
        if words >= limit_words:
            break
    return out, ", ".join(source)


def _chunks(text: str, size: int = 2500) -> list[str]:
    """Speeches are long; cut them at paragraph ends into report-sized documents."""
    parts, cur = [], ""
    for para in text.split("\n"):
        cur = f"{cur}\n{para}" if cur else para
        if len(cur) >= size:
            parts.append(cur)
            cur = ""
    if cur.strip():
        parts.append(cur)
    return parts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results.json")
    ap.add_argument("--limit-words", type=int, default=60000)
    ap.add_argument("--model", default="auto")
    args = ap.parse_args(argv)

    from .assembly import resolve_model
    from .config import load_config
    from .runner import run_corpus
    from .write import collect_tables, write_outputs

    texts, source = load_texts(args.data, args.limit_words)
    n_words = sum(len(t.split()) for t in texts)
    print(f"benchmark: {len(texts)} documents, {n_words} words from {source}", flush=True)

    # 1. the bare model: spacy.load + nlp.pipe, nothing of ours
    bare, info = resolve_model(args.model)
    t0 = time.perf_counter()
    for _ in bare.pipe(texts, batch_size=16):
        pass
    bare_s = time.perf_counter() - t0
    del bare

    # 2. the whole pipeline: ingest -> stages -> write, from files to tables
    config = load_config(model=args.model)
    with tempfile.TemporaryDirectory() as tmp:
        corpus, out = Path(tmp) / "corpus", Path(tmp) / "out"
        corpus.mkdir()
        for i, t in enumerate(texts):
            (corpus / f"doc_{i:05d}.txt").write_text(t, encoding="utf-8")
        t0 = time.perf_counter()
        outcome = run_corpus(corpus, out, config, progress=False, use_cache=False)
        t1 = time.perf_counter()
        counts = write_outputs(out, collect_tables(outcome.results, outcome.errors), {"bench": True})
        t2 = time.perf_counter()
        # 3. a rerun over the unchanged corpus (cache) — what a daily batch pays
        run_corpus(corpus, out, config, progress=False, use_cache=True)
        t3 = time.perf_counter()
        outcome_cached = run_corpus(corpus, out, config, progress=False, use_cache=True)
        t4 = time.perf_counter()
    pipe_s = t2 - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stages = {k: round(v, 3) for k, v in sorted(outcome.timings.items())}
    stages["write"] = round(t2 - t1, 3)
    result = {
        "documents": len(texts),
        "words": n_words,
        "source": source,
        "model": {k: info.get(k) for k in ("name", "version", "kind", "components")},
        "bare_nlp_pipe_seconds": round(bare_s, 3),
        "pipeline_seconds": round(pipe_s, 3),
        "pipeline_vs_bare_ratio": round(pipe_s / bare_s, 2) if bare_s else None,
        "bare_words_per_second": round(n_words / bare_s) if bare_s else None,
        "pipeline_words_per_second": round(n_words / pipe_s) if pipe_s else None,
        "rerun_cached_seconds": round(t4 - t3, 3),
        "rerun_cached_vs_full_ratio": round((t4 - t3) / pipe_s, 3) if pipe_s else None,
        "documents_from_cache_on_rerun": outcome_cached.n_cached,
        "stage_seconds": stages,
        "rows": counts,
        "peak_rss_mb": round(peak_mb, 1),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpu_count": __import__("os").cpu_count(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"model: {result['model']['name']} ({result['model']['kind']})")
    print(f"bare nlp.pipe:  {bare_s:8.2f}s  {result['bare_words_per_second']} words/s")
    print(f"full pipeline:  {pipe_s:8.2f}s  {result['pipeline_words_per_second']} words/s  "
          f"(ratio pipeline/bare = {result['pipeline_vs_bare_ratio']})")
    print(f"cached rerun:   {t4 - t3:8.2f}s  ({result['rerun_cached_vs_full_ratio']} of a full run)")
    print("stage seconds:  " + "  ".join(f"{k} {v}" for k, v in stages.items()))
    print(f"peak memory:    {result['peak_rss_mb']} MB")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
