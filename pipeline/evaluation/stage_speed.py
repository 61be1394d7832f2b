"""The per-document code against the bare model: words/s, per-component time, start-up.

    python -m pipeline.evaluation.stage_speed --data ../shared/data [--words 40000] [--out FILE]

Texts: 10kGNAD test articles and speech chunks (those of `make bench`), interleaved, up to
`--words` words.  In one process, the bare embedded model (`spacy.load` of
`pipeline/models/de_reports_sm`, all its components) and the full pipeline
(`assembly.build_nlp` with the default configuration and that model) run `nlp.pipe` over
the same texts: one warm-up pass each (simplemma's lemma cache is shared by both), then
`--repeats` rounds in alternating order; the median words/s of each and their ratio are
reported.  Then each component's time, running the components one after the other over
the same documents.  Start-up is measured in fresh subprocesses (median of 3): imports +
`spacy.load` of the model, against imports + `build_nlp`, and against what `run` pays
before the first document (the rule check without examples, then `build_nlp`).

Only the spaCy pipeline is timed here: reading files, the runner and the writer are not.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import REPO, gnad_texts

BATCH = 16


def load_texts(data: Path, words: int) -> list[str]:
    """Articles and speech chunks, alternating, until each side has half the words."""
    from ..bench import _chunks

    gnad: list[str] = []
    gnad_csv = data / "text" / "10kgnad-test.csv"
    if gnad_csv.exists():
        gnad = gnad_texts(gnad_csv, limit=2000)
    speeches: list[str] = []
    speeches_json = data / "text" / "speeches.json"
    if speeches_json.exists():
        for speech in json.loads(speeches_json.read_text(encoding="utf-8"))["speech"].values():
            speeches.extend(_chunks(str(speech)))
    if not gnad and not speeches:
        return [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpus").glob("*.txt"))]
    sources = [s for s in (gnad, speeches) if s]
    budget = words / len(sources)
    picked: list[list[str]] = []
    for texts in sources:
        n, out = 0, []
        for t in texts:
            if n >= budget:
                break
            out.append(t)
            n += len(t.split())
        picked.append(out)
    mixed = []
    for i in range(max(len(p) for p in picked)):
        mixed.extend(p[i] for p in picked if i < len(p))
    return mixed


def _pipe_seconds(nlp, texts: list[str]) -> float:
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=BATCH):
        pass
    return time.perf_counter() - t0


def component_seconds(nlp, texts: list[str]) -> dict[str, float]:
    """Each component over all documents in turn (the tokenizer first)."""
    out = {}
    t0 = time.perf_counter()
    docs = [nlp.make_doc(t) for t in texts]
    out["tokenizer"] = time.perf_counter() - t0
    for name, proc in nlp.pipeline:
        t0 = time.perf_counter()
        if hasattr(proc, "pipe"):
            docs = list(proc.pipe(docs, batch_size=BATCH))
        else:
            docs = [proc(d) for d in docs]
        out[name] = time.perf_counter() - t0
    return {k: round(v, 3) for k, v in out.items()}


_STARTUP = {
    "bare": "import spacy\nfrom pipeline.assembly import EMBEDDED_MODEL\nspacy.load(EMBEDDED_MODEL)\n",
    "build_nlp": (
        "from pipeline.assembly import build_nlp\nfrom pipeline.config import load_config\n"
        "build_nlp(load_config(model='embedded'))\n"
    ),
    "check+build_nlp": (
        "from pipeline.assembly import build_nlp\nfrom pipeline.checks import check_rules\n"
        "from pipeline.config import load_config\nc = load_config(model='embedded')\n"
        "assert not check_rules(c, run_examples=False)\nbuild_nlp(c)\n"
    ),
}


def startup_seconds(kind: str) -> float:
    code = "import time\n_t0 = time.perf_counter()\n" + _STARTUP[kind] + "print(time.perf_counter() - _t0)\n"
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return float(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.evaluation.stage_speed", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--words", type=int, default=40000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--startup-runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=None, help="also write the figures as JSON")
    args = ap.parse_args(argv)

    import spacy

    from ..assembly import EMBEDDED_MODEL, build_nlp
    from ..config import load_config

    texts = load_texts(args.data, args.words)
    n_words = sum(len(t.split()) for t in texts)
    print(f"{len(texts)} documents, {n_words} words", flush=True)
    bare = spacy.load(EMBEDDED_MODEL)
    full, _ = build_nlp(load_config(model="embedded"))
    runs: dict[str, list[float]] = {"bare": [], "pipeline": []}
    for nlp in (bare, full):  # warm-up: caches, first-batch allocations
        _pipe_seconds(nlp, texts)
    for r in range(args.repeats):
        order = [("bare", bare), ("pipeline", full)]
        for name, nlp in order if r % 2 == 0 else order[::-1]:
            runs[name].append(n_words / _pipe_seconds(nlp, texts))
    wps = {k: round(statistics.median(v)) for k, v in runs.items()}
    ratio = wps["pipeline"] / wps["bare"]
    print(f"bare nlp.pipe   {wps['bare']:7d} words/s  (runs {', '.join(f'{x:.0f}' for x in runs['bare'])})")
    print(f"full pipeline   {wps['pipeline']:7d} words/s  (runs {', '.join(f'{x:.0f}' for x in runs['pipeline'])})")
    print(f"ratio pipeline/bare words/s = {ratio:.3f}", flush=True)

    comps = {"bare": component_seconds(bare, texts), "pipeline": component_seconds(full, texts)}
    print("component seconds (pipeline): " + "  ".join(f"{k} {v}" for k, v in comps["pipeline"].items()))
    print("component seconds (bare):     " + "  ".join(f"{k} {v}" for k, v in comps["bare"].items()), flush=True)

    startup = {}
    for kind in _STARTUP:
        startup[kind] = round(statistics.median(startup_seconds(kind) for _ in range(args.startup_runs)), 3)
    print("start-up seconds (median of {}): ".format(args.startup_runs) + "  ".join(f"{k} {v}" for k, v in startup.items()))
    print(f"start-up ratio build_nlp/bare = {startup['build_nlp'] / startup['bare']:.3f}  "
          f"check+build_nlp/bare = {startup['check+build_nlp'] / startup['bare']:.3f}")
    if args.out:
        result = {"documents": len(texts), "words": n_words, "words_per_second": wps, "runs": runs,
                  "ratio_pipeline_vs_bare": round(ratio, 3), "component_seconds": comps, "startup_seconds": startup}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
