"""Mechanisms of the benchmark (`make bench`): texts and corpora, summaries of repeated
measurements, CLI runs with the memory of their whole process tree, table comparison.

Pure helpers (no model, no timing) so that tests can run them on tiny inputs."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


# --------------------------------------------------------------------------- summaries
def summarise(values: list[float], digits: int = 3) -> dict:
    """Median and spread (min, max) of repeated measurements, and the values themselves."""
    vals = [float(v) for v in values]
    if not vals:
        return {"n": 0, "median": None, "min": None, "max": None, "values": []}
    return {
        "n": len(vals),
        "median": round(statistics.median(vals), digits),
        "min": round(min(vals), digits),
        "max": round(max(vals), digits),
        "values": [round(v, digits) for v in vals],
    }


def spread(summary: dict) -> str:
    """`median (min-max)` of a summary, for printing."""
    return f"{summary['median']} ({summary['min']}-{summary['max']})"


def ratio(a: float | None, b: float | None, digits: int = 3) -> float | None:
    return round(a / b, digits) if a is not None and b else None


def alternating(repeats: int, first: str, second: str) -> list[tuple[str, str]]:
    """The order of the two sides per repeat: AB, BA, AB, ... (so A B B A A B ...)."""
    return [(first, second) if r % 2 == 0 else (second, first) for r in range(repeats)]


def verdict(value: float | None, op: str, target: float) -> str:
    """PASS/FAIL of `value op target` (op is '<=' or '>='); ERROR when nothing was measured."""
    if value is None:
        return "ERROR"
    ok = value <= target if op == "<=" else value >= target
    return "PASS" if ok else "FAIL"


# --------------------------------------------------------------------------- texts
def word_count(text: str) -> int:
    return len(text.split())


def chunks(text: str, size: int = 2500) -> list[str]:
    """Speeches can be long; cut them at paragraph ends into report-sized documents."""
    parts, cur = [], ""
    for para in text.split("\n"):
        cur = f"{cur}\n{para}" if cur else para
        if len(cur) >= size:
            parts.append(cur)
            cur = ""
    if cur.strip():
        parts.append(cur)
    return parts


def load_sources(data: Path) -> dict[str, list[str]]:
    """The two benchmark corpora: speech chunks (CC BY-SA speeches) and 10kGNAD test
    articles (non-commercial, benchmark use only). A missing file gives an empty list."""
    from ..evaluation import gnad_texts

    sources: dict[str, list[str]] = {"speeches": [], "10kgnad": []}
    speeches = data / "text" / "speeches.json"
    if speeches.exists():
        for speech in _speeches(json.loads(speeches.read_text(encoding="utf-8"))):
            sources["speeches"].extend(chunks(str(speech or "")))
        sources["speeches"] = [t for t in sources["speeches"] if t.strip()]
    gnad = data / "text" / "10kgnad-test.csv"
    if gnad.exists():
        sources["10kgnad"] = [t for t in gnad_texts(gnad) if t.strip()]
    return sources


def _speeches(data) -> list:
    """The `speech` column of speeches.json, column-oriented ({"speech": {"0": ...}}) or records."""
    if isinstance(data, dict):
        column = data.get("speech") or {}
        return [column[k] for k in sorted(column, key=int)]
    return [item.get("speech") for item in data]


def take_words(texts: list[str], budget: int | None) -> list[str]:
    """The first texts up to a word budget (None: all of them)."""
    if budget is None:
        return list(texts)
    out, words = [], 0
    for t in texts:
        if words >= budget:
            break
        out.append(t)
        words += word_count(t)
    return out


def interleave(*lists: list[str]) -> list[str]:
    """The texts of several lists mixed evenly (item i of a list of n at position (i+.5)/n),
    so that the first documents of a corpus already hold every source."""
    keyed = [((i + 0.5) / len(lst), k, i) for k, lst in enumerate(lists) for i in range(len(lst))]
    return [lists[k][i] for _, k, i in sorted(keyed)]


def corpus_words(texts: list[str], n: int) -> int:
    """Words in the n-document corpus `build_corpus` makes from `texts`."""
    counts = [word_count(t) for t in texts]
    return sum(counts[k % len(counts)] for k in range(n)) if counts else 0


def build_corpus(folder: Path, texts: list[str], n: int) -> Path:
    """`n` .txt documents in `folder`, the texts repeated under new names to reach n."""
    if not texts:
        raise ValueError("no texts to build a corpus from (is --data right?)")
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        (folder / f"doc_{k:06d}.txt").write_text(texts[k % len(texts)], encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- memory of a process tree
def pss_bytes(pid: int) -> int:
    """Proportional set size of a process (shared pages divided among their sharers)."""
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def tree(pid: int) -> list:
    import psutil

    try:
        root = psutil.Process(pid)
        return [root] + root.children(recursive=True)
    except psutil.Error:
        return []


class TreeSampler:
    """Samples a process and all its descendants every `interval` seconds: the sum of PSS
    (peak), the sum of RSS (peak), each process's peak RSS, the most processes at once."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid, self.interval = pid, interval
        self.peak_pss = self.peak_rss = self.max_procs = self.samples = 0
        self.proc_rss: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "TreeSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        pss = rss = n = 0
        for proc in tree(self.pid):
            try:
                p_rss = proc.memory_info().rss
                pss += pss_bytes(proc.pid)
            except Exception:  # noqa: BLE001 - the process ended between listing and reading
                continue
            rss += p_rss
            n += 1
            self.proc_rss[proc.pid] = max(self.proc_rss.get(proc.pid, 0), p_rss)
        self.samples += 1
        self.peak_pss, self.peak_rss, self.max_procs = max(self.peak_pss, pss), max(self.peak_rss, rss), max(self.max_procs, n)

    def figures(self) -> dict:
        return {
            "peak_tree_pss_mb": round(self.peak_pss / MB, 1),
            "peak_tree_rss_mb": round(self.peak_rss / MB, 1),
            "max_process_rss_mb": round(max(self.proc_rss.values(), default=0) / MB, 1),
            "max_processes": self.max_procs,
            "samples": self.samples,
        }


def kill_tree(pid: int) -> None:
    """SIGKILL a process we started and every descendant it has (by pid)."""
    for proc in reversed(tree(pid)):
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except OSError:
            pass


# --------------------------------------------------------------------------- CLI runs
@dataclass
class CliRun:
    """One `python -m pipeline run`: how long, how it ended, its tree's memory, its run.json."""

    args: list[str]
    out: str
    wall_seconds: float = 0.0
    exit_code: int | None = None
    last_stderr_line: str = ""
    traceback: bool = False
    timed_out: bool = False
    memory: dict = field(default_factory=dict)
    run_json: dict = field(default_factory=dict)
    events: dict = field(default_factory=dict)

    def ok(self) -> bool:
        return self.exit_code == 0

    def summary(self) -> dict:
        return asdict(self)


def cli_args(corpus: Path, out: Path, workers: int = 1, engine: str = "local", extra: list[str] | None = None) -> list[str]:
    """The run command. `--engine` is given only for a non-default engine, so the local
    runs also work with a CLI that predates the option."""
    args = [sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--out", str(out),
            "--workers", str(workers), "--quiet"]
    if engine != "local":
        args += ["--engine", engine]
    return args + list(extra or [])


def run_cli(args: list[str], out: Path, timeout: float, watcher=None, interval: float = 0.2) -> CliRun:
    """Run the CLI, sampling its process tree; `watcher(proc, run)` is called at every
    sample (section F kills a worker from there). A run over `timeout` is killed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    logs = out.parent / f"{out.name}.log"
    run = CliRun(args=[str(a) for a in args[1:]], out=str(out))
    with open(logs.with_suffix(".stdout"), "wb") as so, open(logs.with_suffix(".stderr"), "wb") as se:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, stdout=so, stderr=se, cwd=REPO)
        with TreeSampler(proc.pid, interval) as sampler:
            while proc.poll() is None:
                if time.perf_counter() - t0 > timeout:
                    run.timed_out = True
                    kill_tree(proc.pid)
                    break
                if watcher is not None:
                    watcher(proc, run)
                time.sleep(interval)
            proc.wait()
        run.wall_seconds = round(time.perf_counter() - t0, 3)
    run.exit_code = proc.returncode
    run.memory = sampler.figures()
    stderr = logs.with_suffix(".stderr").read_text(encoding="utf-8", errors="replace")
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    run.last_stderr_line = lines[-1][:300] if lines else ""
    run.traceback = "Traceback (most recent call last)" in stderr
    run.run_json = read_run_json(out)
    return run


RUN_JSON_KEYS = ("counts", "documents_processed", "documents_from_cache", "engine", "shards", "timings_seconds",
                 "total_seconds", "workers")


def read_run_json(out: Path) -> dict:
    try:
        data = json.loads((out / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: data[k] for k in RUN_JSON_KEYS if k in data}


def reprocessed(run_json: dict) -> tuple[int | None, int | None, str]:
    """(documents run through the stages, documents in the output, where the first came
    from): `documents_processed` when run.json has it, else documents minus those from cache."""
    total = (run_json.get("counts") or {}).get("documents")
    if "documents_processed" in run_json:
        return run_json["documents_processed"], total, "documents_processed"
    if total is not None and "documents_from_cache" in run_json:
        return total - run_json["documents_from_cache"], total, "documents - documents_from_cache"
    return None, total, "run.json has neither"


# --------------------------------------------------------------------------- tables
def table_digests(out: Path) -> dict[str, str]:
    """sha256 of every table file OUT/*.parquet and OUT/*.csv (symlinks followed)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.glob("*")) if p.suffix in (".parquet", ".csv") and p.is_file()}


def compare_tables(a: Path, b: Path) -> dict:
    """Byte-identity of two runs' table files: which differ, which exist on one side only."""
    da, db = table_digests(a), table_digests(b)
    differ = sorted(k for k in set(da) & set(db) if da[k] != db[k])
    only_a, only_b = sorted(set(da) - set(db)), sorted(set(db) - set(da))
    return {
        "identical": bool(da) and not differ and not only_a and not only_b,
        "files": len(da),
        "differ": differ,
        "only_in_first": only_a,
        "only_in_second": only_b,
    }


# --------------------------------------------------------------------------- workers
HELPER_PROCESSES = ("resource_tracker", "semaphore_tracker", "forkserver")


def worker_processes(pid: int) -> list:
    """The descendants of a run that do the work: every child except multiprocessing's
    helper processes (resource tracker, fork server)."""
    found = []
    for proc in tree(pid)[1:]:
        try:
            cmd = " ".join(proc.cmdline())
        except Exception:  # noqa: BLE001 - gone
            continue
        if not any(h in cmd for h in HELPER_PROCESSES):
            found.append(proc)
    return found


def cpu_seconds(proc) -> float:
    try:
        t = proc.cpu_times()
        return t.user + t.system
    except Exception:  # noqa: BLE001 - gone
        return 0.0


def files_under(folder: Path, skip: tuple[str, ...] = (".lock",)) -> int:
    n = 0
    for _root, _dirs, files in os.walk(folder):
        n += sum(1 for f in files if f not in skip)
    return n
