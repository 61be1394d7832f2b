"""The benchmark's sections A-F (issue 16, "Done when"); each returns its figures as a
dict and records its targets (PASS/FAIL) on the `Bench`.

A  throughput: pipeline vs bare `nlp.pipe` of the same model, in one process
B  start-up: fresh process building the pipeline vs fresh process `spacy.load`
C  memory: peak PSS of a whole CLI run's process tree at N vs 10N documents
D  parallelism: `--workers 2` and `--engine dask` vs `--workers 1`, identical tables
E  incremental rerun after changing one document
F  `kill -9` of a worker mid-run (local pool and Dask)
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .tools import (
    REPO, CliRun, alternating, build_corpus, cli_args, compare_tables, corpus_words, cpu_seconds, files_under, interleave,
    load_sources, ratio, reprocessed, run_cli, spread, summarise, take_words, verdict, word_count, worker_processes,
)


@dataclass(frozen=True)
class Scale:
    name: str
    n: int                   # C: N and 10N documents
    a_words: int | None      # A: words per corpus (None: all of it)
    repeats: int             # A and B
    d_docs: int              # D: corpus size for the parallel runs
    e_docs: int              # E: corpus size for the incremental rerun
    f_docs: int              # F: corpus size for the kill runs
    kill_cpu: float          # F: kill the busiest worker after this many CPU seconds
    run_timeout: float       # seconds before a CLI run counts as hung


SCALES = {
    "quick": Scale("quick", n=200, a_words=30_000, repeats=3, d_docs=2000, e_docs=200, f_docs=400,
                   kill_cpu=8.0, run_timeout=1800),
    "full": Scale("full", n=2000, a_words=None, repeats=3, d_docs=2000, e_docs=10_000, f_docs=2000,
                  kill_cpu=15.0, run_timeout=6 * 3600),
}
FULL_SCALE_E_DOCS = 10_000


class Bench:
    """Shared state of one benchmark run: texts, corpora and clean CLI runs built once and
    reused by the sections that need them, and the targets with their verdicts."""

    def __init__(self, data: Path, workdir: Path, scale: Scale, model: str):
        self.data, self.workdir, self.scale, self.model = data, workdir, scale, model
        self.targets: list[dict] = []
        self._sources: dict[str, list[str]] | None = None
        self._corpora: dict[int, Path] = {}
        self._runs: dict[tuple, CliRun] = {}

    @property
    def sources(self) -> dict[str, list[str]]:
        if self._sources is None:
            self._sources = load_sources(self.data)
        return self._sources

    def corpus(self, n: int) -> Path:
        if n not in self._corpora:
            texts = interleave(*(t for t in self.sources.values() if t))
            self._corpora[n] = build_corpus(self.workdir / f"corpus_{n}", texts, n)
        return self._corpora[n]

    def clean_run(self, n: int, workers: int = 1, engine: str = "local") -> CliRun:
        """A whole CLI run over the n-document corpus into a fresh output folder (memoised)."""
        key = (n, workers, engine)
        if key not in self._runs:
            out = self.workdir / f"out_{n}_w{workers}_{engine}"
            self.say(f"  run: {n} documents, --workers {workers}, engine {engine} ...")
            run = run_cli(cli_args(self.corpus(n), out, workers, engine), out, self.scale.run_timeout)
            self.say(f"    {run.wall_seconds:.1f}s, exit {run.exit_code}, peak tree PSS "
                     f"{run.memory.get('peak_tree_pss_mb')} MB" + ("" if run.ok() else f": {run.last_stderr_line}"))
            self._runs[key] = run
        return self._runs[key]

    def target(self, section: str, what: str, value, op: str, goal: float, note: str = "", status: str | None = None) -> None:
        status = status or verdict(value, op, goal)
        self.targets.append({"section": section, "what": what, "value": value, "target": f"{op} {goal}",
                             "status": status, "note": note})
        self.say(f"  [{status}] {what}: {value} (target {op} {goal}){'  ' + note if note else ''}")

    @staticmethod
    def say(line: str) -> None:
        print(line, flush=True)


def _run_failure(run: CliRun) -> str | None:
    if run.ok():
        return None
    why = "timed out" if run.timed_out else f"exit {run.exit_code}"
    return f"{why}: {run.last_stderr_line or '(no stderr)'}"


# --------------------------------------------------------------------------- A throughput
def section_a(b: Bench) -> dict:
    from ..assembly import build_nlp, resolve_model
    from ..config import load_config
    from ..ingest import ingest_bytes
    from ..rulebook import load_rules
    from ..runner import process_batch

    config = load_config(model=b.model)
    corpora = {name: take_words(texts, b.scale.a_words) for name, texts in b.sources.items() if texts}
    if not corpora:
        raise RuntimeError(f"no benchmark texts under {b.data}/text")
    words = {name: sum(map(word_count, texts)) for name, texts in corpora.items()}
    t0 = time.perf_counter()
    bare, info = resolve_model(config.get("model", "auto"))
    load = {"bare": time.perf_counter() - t0}
    t0 = time.perf_counter()
    nlp, _ = build_nlp(config)
    rules = load_rules(config.get("rules", []))
    load["pipeline"] = time.perf_counter() - t0
    batch = int(config.get("batch_size", 16))
    stage_seconds: dict[str, list[float]] = defaultdict(list)

    def run_bare(texts: list[str]) -> None:
        for _ in bare.pipe(texts, batch_size=batch):
            pass

    def run_pipeline(texts: list[str]) -> None:
        """Per document what the runner does: ingest (from bytes), then the stages by batch."""
        stages: dict[str, float] = defaultdict(float)
        t = time.perf_counter()
        records = [ingest_bytes(text.encode("utf-8"), f"doc_{i:06d}.txt", f"doc_{i:06d}", None, config, rules)
                   for i, text in enumerate(texts)]
        stages["ingest"] = time.perf_counter() - t
        for i in range(0, len(records), batch):
            for res in process_batch(nlp, records[i:i + batch]):
                for k, v in res.timings.items():
                    stages[k] += v
        for k, v in stages.items():
            stage_seconds[k].append(v)

    sides = {"bare": run_bare, "pipeline": run_pipeline}
    first_call = {}
    for side, fn in sides.items():  # first-call effects, timed and reported, kept out of words/s on both sides
        t0 = time.perf_counter()
        fn([texts[0] for texts in corpora.values()])
        first_call[side] = round(time.perf_counter() - t0, 3)
    stage_seconds.clear()
    seconds: dict[str, dict[str, list[float]]] = {s: defaultdict(list) for s in sides}
    order = alternating(b.scale.repeats, "bare", "pipeline")
    for r, pair in enumerate(order):
        b.say(f"  repeat {r + 1}/{len(order)}: {' then '.join(pair)}")
        for name, texts in corpora.items():
            for side in pair:
                gc.collect()
                t0 = time.perf_counter()
                sides[side](texts)
                seconds[side][name].append(time.perf_counter() - t0)
    del bare, nlp
    gc.collect()
    return _throughput_figures(b, corpora, words, seconds, load, first_call, stage_seconds, info)


def _throughput_figures(b, corpora, words, seconds, load, first_call, stage_seconds, info) -> dict:
    wps: dict[str, dict[str, list[float]]] = {}
    for side, per in seconds.items():
        wps[side] = {name: [words[name] / s for s in per[name]] for name in corpora}
        wps[side]["combined"] = [sum(words.values()) / sum(per[name][r] for name in corpora)
                                 for r in range(b.scale.repeats)]
    summary = {side: {k: summarise(v, 1) for k, v in per.items()} for side, per in wps.items()}
    ratios = {k: ratio(summary["pipeline"][k]["median"], summary["bare"][k]["median"]) for k in wps["bare"]}
    per_repeat = [p / q for p, q in zip(wps["pipeline"]["combined"], wps["bare"]["combined"])]
    stages = {k: summarise(v)["median"] for k, v in sorted(stage_seconds.items())}
    for name in list(corpora) + ["combined"]:
        b.say(f"  {name}: words/s median (min-max) bare {spread(summary['bare'][name])}, pipeline "
              f"{spread(summary['pipeline'][name])}; ratio {ratios[name]}")
    b.say(f"  load seconds (excluded from words/s): bare {load['bare']:.2f}, pipeline {load['pipeline']:.2f}")
    b.target("A", "pipeline words/s / bare nlp.pipe words/s (both corpora, median of repeats)",
             ratios["combined"], ">=", 0.7)
    return {
        "model": {k: info.get(k) for k in ("name", "version", "kind", "components")},
        "corpora": {name: {"documents": len(t), "words": words[name]} for name, t in corpora.items()},
        "repeats": b.scale.repeats,
        "order": "alternating per repeat: bare then pipeline, pipeline then bare, ...",
        "load_seconds": {k: round(v, 3) for k, v in load.items()},
        "first_call_seconds": first_call,
        "words_per_second": summary,
        "ratio_pipeline_vs_bare": ratios,
        "ratio_per_repeat_combined": summarise(per_repeat),
        "pipeline_stage_seconds_median": stages,
    }


# --------------------------------------------------------------------------- B start-up
def section_b(b: Bench) -> dict:
    from ..assembly import resolve_model

    _, info = resolve_model(b.model)
    model = info.get("path") or info.get("requested")
    bare_code = "import spacy; spacy.blank('de')" if info.get("kind") == "blank" else f"import spacy; spacy.load({model!r})"
    pipeline_code = ("from pipeline.config import load_config; from pipeline.assembly import build_nlp; "
                     f"build_nlp(load_config(model={b.model!r}))")
    codes = {"bare": bare_code, "pipeline": pipeline_code}
    seconds: dict[str, list[float]] = defaultdict(list)
    for pair in alternating(b.scale.repeats, "bare", "pipeline"):
        for side in pair:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", codes[side]], cwd=REPO, check=True, capture_output=True)
            seconds[side].append(time.perf_counter() - t0)
    summary = {side: summarise(v) for side, v in seconds.items()}
    r = ratio(summary["pipeline"]["median"], summary["bare"]["median"])
    b.say(f"  fresh process seconds, median (min-max) of {b.scale.repeats}: spacy.load {spread(summary['bare'])}, "
          f"build_nlp {spread(summary['pipeline'])}")
    b.target("B", "start-up: fresh build_nlp / fresh spacy.load", r, "<=", 1.3)
    return {"commands": codes, "seconds": summary, "ratio": r}


# --------------------------------------------------------------------------- C memory
def section_c(b: Bench) -> dict:
    n = b.scale.n
    runs = {n: b.clean_run(n), 10 * n: b.clean_run(10 * n)}
    for run in runs.values():
        if _run_failure(run):
            raise RuntimeError(f"CLI run failed: {_run_failure(run)}")
    small, big = runs[n].memory, runs[10 * n].memory
    r = ratio(big["peak_tree_pss_mb"], small["peak_tree_pss_mb"])
    per_process = max(small["max_process_rss_mb"], big["max_process_rss_mb"])
    b.target("C", f"peak tree PSS at {10 * n} / at {n} documents", r, "<=", 1.1)
    b.target("C", "largest process RSS (MB; one worker)", per_process, "<=", 1024)
    return {
        "runs": {str(k): _run_view(v) for k, v in runs.items()},
        "ratio_peak_tree_pss": r,
        "ratio_max_process_rss": ratio(big["max_process_rss_mb"], small["max_process_rss_mb"]),
        "max_process_rss_mb": per_process,
    }


def _run_view(run: CliRun) -> dict:
    view = {k: v for k, v in run.summary().items() if k in ("wall_seconds", "exit_code", "memory", "run_json", "events")}
    view["command"] = " ".join(run.args)
    if not run.ok():
        view["failure"] = _run_failure(run)
    return view


# --------------------------------------------------------------------------- D parallelism
def _bare_pipe_seconds(model: str, texts: list[str]) -> float:
    """Seconds of bare `nlp.pipe` over `texts` in this (fresh, spawned) process."""
    from ..assembly import resolve_model

    nlp, _ = resolve_model(model)
    list(nlp.pipe(texts[:8]))
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=16):
        pass
    return time.perf_counter() - t0


def machine_ceiling(model: str, texts: list[str]) -> dict:
    """What two processes gain on this machine for the model alone: bare `nlp.pipe` in one
    process, then the same in two processes at once (spawned, each its own copy).  Two cores
    that share caches and memory bandwidth give less than 2x; the engines cannot beat this."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        alone = pool.starmap(_bare_pipe_seconds, [(model, texts)])[0]
    with ctx.Pool(2) as pool:
        both = pool.starmap(_bare_pipe_seconds, [(model, texts)] * 2)
    return {"alone_seconds": round(alone, 2), "two_at_once_seconds": [round(x, 2) for x in both],
            "speed_up_ceiling": ratio(2 * alone, max(both))}


def section_d(b: Bench) -> dict:
    d = b.scale.d_docs
    texts = interleave(*(t for t in b.sources.values() if t))[:150]
    ceiling = machine_ceiling(b.model, texts)
    b.say(f"  machine ceiling: bare nlp.pipe in 2 processes at once vs 1: {ceiling['speed_up_ceiling']}x "
          f"({ceiling['alone_seconds']} s alone, {ceiling['two_at_once_seconds']} s each at once)")
    b.target("D", "ceiling: bare nlp.pipe speed-up, 2 processes vs 1 (this machine)", ceiling["speed_up_ceiling"],
             ">=", 1.8, status="INFO")
    base = b.clean_run(d, 1)
    if _run_failure(base):
        raise RuntimeError(f"--workers 1 run failed: {_run_failure(base)}")
    words = corpus_words(interleave(*(t for t in b.sources.values() if t)), d)
    out: dict = {"documents": d, "words": words, "machine_ceiling": ceiling, "runs": {"workers_1": _run_view(base)},
                 "whole_run_words_per_second": {"workers_1": round(words / base.wall_seconds)}}
    for label, workers, engine, goal in (("workers_2", 2, "local", 1.8), ("dask_2", 2, "dask", 1.6)):
        run = b.clean_run(d, workers, engine)
        out["runs"][label] = _run_view(run)
        what = f"{'--engine dask ' if engine == 'dask' else ''}--workers 2 speed-up over --workers 1"
        failure = _run_failure(run)
        if failure:
            b.target("D", what, None, ">=", goal, note=failure)
            continue
        out["whole_run_words_per_second"][label] = round(words / run.wall_seconds)
        speed_up = ratio(base.wall_seconds, run.wall_seconds)
        b.target("D", what, speed_up, ">=", goal)
        b.target("D", f"{label} speed-up / machine ceiling", ratio(speed_up, ceiling["speed_up_ceiling"]), ">=", 0.9,
                 status="INFO")
        same = compare_tables(Path(run.out), Path(base.out))
        out["runs"][label]["tables_vs_workers_1"] = same
        b.target("D", f"{label} tables byte-identical to --workers 1", int(same["identical"]), ">=", 1,
                 note="" if same["identical"] else f"differ: {same['differ'] + same['only_in_first'] + same['only_in_second']}")
        if engine == "local":
            mem = ratio(run.memory["peak_tree_pss_mb"], base.memory["peak_tree_pss_mb"])
            out["ratio_tree_pss_workers_2"] = mem
            b.target("D", "total tree PSS --workers 2 / --workers 1", mem, "<=", 1.3)
    return out


# --------------------------------------------------------------------------- E incremental rerun
CHANGE = "\n\nNachtrag: Der Kreistag vertagte die Entscheidung am 4. März 2024 auf die Sitzung im Juni."


def section_e(b: Bench) -> dict:
    n = b.scale.e_docs
    texts = interleave(*(t for t in b.sources.values() if t))
    corpus = build_corpus(b.workdir / f"E_corpus_{n}", texts, n)
    out, clean_out = b.workdir / f"E_out_{n}", b.workdir / f"E_clean_{n}"
    runs = {}
    b.say(f"  first run over {n} documents ...")
    runs["first"] = run_cli(cli_args(corpus, out), out, b.scale.run_timeout)
    changed = corpus / f"doc_{n // 2:06d}.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + CHANGE, encoding="utf-8")
    b.say(f"  changed {changed.name}; rerun ...")
    runs["rerun"] = run_cli(cli_args(corpus, out), out, b.scale.run_timeout)
    b.say("  clean run (--no-cache) of the changed corpus ...")
    runs["clean"] = run_cli(cli_args(corpus, clean_out, extra=["--no-cache"]), clean_out, b.scale.run_timeout)
    for label, run in runs.items():
        if _run_failure(run):
            raise RuntimeError(f"{label} run failed: {_run_failure(run)}")
    processed, total, source = reprocessed(runs["rerun"].run_json)
    fraction = round(processed / total, 4) if processed is not None and total else None
    full = n >= FULL_SCALE_E_DOCS
    b.target("E", f"fraction reprocessed after changing 1 of {n} documents", fraction, "<=", 0.01,
             note=f"{processed} of {total} ({source}); shards {runs['rerun'].run_json.get('shards')}"
             + ("" if full else f"; judged at {FULL_SCALE_E_DOCS} documents (--scale full)"),
             status=None if full else "INFO")
    same = compare_tables(out, clean_out)
    b.target("E", "rerun tables byte-identical to a clean run", int(same["identical"]), ">=", 1,
             note="" if same["identical"] else f"differ: {same['differ'] + same['only_in_first'] + same['only_in_second']}")
    return {"documents": n, "changed": changed.name, "documents_reprocessed": processed, "fraction": fraction,
            "counted_from": source, "tables": same, "runs": {k: _run_view(v) for k, v in runs.items()},
            "rerun_vs_first_seconds": ratio(runs["rerun"].wall_seconds, runs["first"].wall_seconds)}


# --------------------------------------------------------------------------- F kill -9
class WorkerKiller:
    """Watches a run; once a worker has done some work (its CPU time reached `cpu`, or new
    files appeared in OUT and it has used half of that) SIGKILLs the busiest worker, once."""

    def __init__(self, out: Path, cpu: float):
        self.out, self.cpu, self.t0 = out, cpu, time.perf_counter()
        self.baseline: int | None = None

    def __call__(self, proc, run: CliRun) -> None:
        if run.events.get("killed_pid"):
            return
        workers = worker_processes(proc.pid)
        if not workers:
            return
        busiest = max(workers, key=cpu_seconds)
        cpu = cpu_seconds(busiest)
        files = files_under(self.out) if self.out.exists() else 0
        self.baseline = files if self.baseline is None else self.baseline
        new_files = files > self.baseline and cpu >= self.cpu / 2
        trigger = "worker cpu" if cpu >= self.cpu else ("new output files" if new_files else None)
        if trigger is None:
            return
        try:
            cmd = " ".join(busiest.cmdline())[:200]
            os.kill(busiest.pid, signal.SIGKILL)
        except Exception as exc:  # noqa: BLE001 - it ended just now: try again next sample
            run.events["kill_attempt_failed"] = str(exc)
            return
        run.events.update({"killed_pid": busiest.pid, "killed_cmd": cmd, "trigger": trigger,
                           "at_seconds": round(time.perf_counter() - self.t0, 2), "worker_cpu_seconds": round(cpu, 2),
                           "workers_seen": len(workers), "output_files_at_kill": files})


def section_f(b: Bench) -> dict:
    n = b.scale.f_docs
    ref = b.clean_run(n, 1)
    if _run_failure(ref):
        raise RuntimeError(f"reference run failed: {_run_failure(ref)}")
    timeout = max(120.0, 3 * ref.wall_seconds)
    result: dict = {"documents": n, "reference": _run_view(ref)}
    for engine in ("local", "dask"):
        result[engine] = _kill_run(b, n, engine, ref, timeout)
    return result


def _kill_run(b: Bench, n: int, engine: str, ref: CliRun, timeout: float) -> dict:
    out = b.workdir / f"F_out_{n}_{engine}"
    args = cli_args(b.corpus(n), out, 2, engine)
    b.say(f"  {engine}: --workers 2 run, kill -9 of a worker mid-run (timeout {timeout:.0f}s) ...")
    killed = run_cli(args, out, timeout, watcher=WorkerKiller(out, b.scale.kill_cpu))
    ev = killed.events
    if killed.timed_out:
        outcome = f"hung: killed by the benchmark after {timeout:.0f}s"
    elif killed.ok():
        outcome = "finished (exit 0)"
    else:
        outcome = f"failed: exit {killed.exit_code}: {killed.last_stderr_line}"
    b.say(f"    killed {ev.get('killed_pid', 'nothing')} ({ev.get('trigger', '-')}, at {ev.get('at_seconds', '-')}s); "
          f"run {outcome}")
    clear = not killed.timed_out and (killed.ok() or (bool(killed.last_stderr_line) and not killed.traceback))
    view = {"outcome": outcome, "clear": clear, "killed": ev, "run": _run_view(killed)}
    if not ev.get("killed_pid"):
        b.target("F", f"{engine}: kill -9 of a worker mid-run", None, ">=", 1,
                 note=f"no worker was killed (run {outcome})")
        return view
    b.target("F", f"{engine}: run after kill -9 finishes or fails with a one-line message", int(clear), ">=", 1,
             note=outcome + ("; traceback on stderr" if killed.traceback else ""))
    b.say("    next run ...")
    nxt = run_cli(args, out, b.scale.run_timeout)
    same = compare_tables(out, Path(ref.out)) if nxt.ok() else {"identical": False}
    b.target("F", f"{engine}: next run completes with tables identical to a clean run",
             int(nxt.ok() and same["identical"]), ">=", 1, note=_run_failure(nxt) or ("" if same["identical"] else f"{same}"))
    return dict(view, next_run=_run_view(nxt), next_tables_vs_clean=same)


TITLES = {
    "A": "throughput: pipeline vs bare nlp.pipe of the same model, in one process",
    "B": "start-up: fresh process building the pipeline vs fresh spacy.load",
    "C": "memory scaling: peak PSS of a whole run's process tree, N vs 10N documents",
    "D": "parallelism: --workers 2 and --engine dask vs --workers 1",
    "E": "incremental rerun after changing one document",
    "F": "kill -9 of a worker mid-run (local pool, Dask)",
}
SECTIONS = {"A": section_a, "B": section_b, "C": section_c, "D": section_d, "E": section_e, "F": section_f}
