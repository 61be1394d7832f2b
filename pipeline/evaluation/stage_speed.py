"""The per-document code against the bare model: words/s, per-component time, start-up.

    python -m pipeline.evaluation.stage_speed --data ../shared/data [--words 40000] [--out FILE]

Texts: 10kGNAD test articles and speech chunks (those of `make bench`), interleaved, up to
`--words` words.  In one process, the bare embedded model (`spacy.load` of
`pipeline/models/de_reports_sm`, all its components) and the full pipeline
(`assembly.build_nlp` with the default configuration and that model) run `nlp.pipe` over
the same texts: one warm-up pass each (simplemma's lemma cache is shared by both), then
`--repeats` rounds in alternating order; the median words/s of each and their ratio are
reported, by wall clock and by the process's CPU time (steadier on a shared machine).
Then each component's CPU time, running the components one after the other over the
same documents.  Start-up is measured in fresh subprocesses (median of 3): imports +
`spacy.load` of the model, against imports + `build_nlp`, and against what `run` pays
before the first document (the rule check without examples, then `build_nlp`); again
wall clock and CPU time.

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
    from ..bench.tools import chunks as _chunks

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


def _pipe_seconds(nlp, texts: list[str]) -> tuple[float, float]:
    """(wall-clock, CPU) seconds of one pass: on a shared machine the CPU time of the
    process is the steadier measure (it does not count waiting for a core)."""
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in nlp.pipe(texts, batch_size=BATCH):
        pass
    return time.perf_counter() - t0, time.process_time() - c0


def component_seconds(nlp, texts: list[str]) -> dict[str, float]:
    """CPU seconds of each component over all documents in turn (the tokenizer first)."""
    out = {}
    t0 = time.process_time()
    docs = [nlp.make_doc(t) for t in texts]
    out["tokenizer"] = time.process_time() - t0
    for name, proc in nlp.pipeline:
        t0 = time.process_time()
        if hasattr(proc, "pipe"):
            docs = list(proc.pipe(docs, batch_size=BATCH))
        else:
            docs = [proc(d) for d in docs]
        out[name] = time.process_time() - t0
    return {k: round(v, 3) for k, v in out.items()}


_STARTUP = {
    "bare": f"import spacy\nspacy.load({str(REPO / 'pipeline' / 'models' / 'de_reports_sm')!r})\n",
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


def startup_seconds(kind: str) -> tuple[float, float]:
    """(wall-clock, CPU) seconds from the first import to a ready pipeline, in a fresh process."""
    code = ("import time\n_t0, _c0 = time.perf_counter(), time.process_time()\n" + _STARTUP[kind]
            + "print(time.perf_counter() - _t0, time.process_time() - _c0)\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    wall, cpu = res.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


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
    runs: dict[str, dict[str, list[float]]] = {k: {"wall": [], "cpu": []} for k in ("bare", "pipeline")}
    for nlp in (bare, full):  # warm-up: caches, first-batch allocations, simplemma's dictionary
        _pipe_seconds(nlp, texts)
    for r in range(args.repeats):
        order = [("bare", bare), ("pipeline", full)]
        for name, nlp in order if r % 2 == 0 else order[::-1]:
            wall, cpu = _pipe_seconds(nlp, texts)
            runs[name]["wall"].append(n_words / wall)
            runs[name]["cpu"].append(n_words / cpu)
    wps = {k: {clock: round(statistics.median(v)) for clock, v in r.items()} for k, r in runs.items()}
    ratio = {clock: round(wps["pipeline"][clock] / wps["bare"][clock], 3) for clock in ("wall", "cpu")}
    for name in ("bare", "pipeline"):
        print(f"{name:9s} words/s: wall {wps[name]['wall']:6d} (runs {', '.join(f'{x:.0f}' for x in runs[name]['wall'])})"
              f"  cpu {wps[name]['cpu']:6d} (runs {', '.join(f'{x:.0f}' for x in runs[name]['cpu'])})")
    print(f"ratio pipeline/bare words/s: wall {ratio['wall']:.3f}  cpu {ratio['cpu']:.3f}", flush=True)

    comps = {"bare": component_seconds(bare, texts), "pipeline": component_seconds(full, texts)}
    print("component CPU seconds (pipeline): " + "  ".join(f"{k} {v}" for k, v in comps["pipeline"].items()))
    print("component CPU seconds (bare):     " + "  ".join(f"{k} {v}" for k, v in comps["bare"].items()), flush=True)

    startup: dict[str, dict[str, float]] = {}
    for kind in _STARTUP:
        samples = [startup_seconds(kind) for _ in range(args.startup_runs)]
        startup[kind] = {"wall": round(statistics.median(w for w, _ in samples), 3),
                         "cpu": round(statistics.median(c for _, c in samples), 3)}
    print(f"start-up seconds (median of {args.startup_runs}, wall/cpu): "
          + "  ".join(f"{k} {v['wall']}/{v['cpu']}" for k, v in startup.items()))
    for kind in ("build_nlp", "check+build_nlp"):
        print(f"start-up ratio {kind}/bare: wall {startup[kind]['wall'] / startup['bare']['wall']:.3f}"
              f"  cpu {startup[kind]['cpu'] / startup['bare']['cpu']:.3f}")
    if args.out:
        result = {"documents": len(texts), "words": n_words, "words_per_second": wps, "runs": runs,
                  "ratio_pipeline_vs_bare": ratio, "component_seconds": comps, "startup_seconds": startup}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
