"""Engines: where the shard tasks run.  All run the same function, `shards.run_task`, so
every engine writes the same part files and the merged tables are byte-identical.

- `local`, one worker: in this process.
- `local`, N workers: a pool of N forked processes.  The spaCy pipeline is built once in
  the parent before the fork, so the workers share the model's memory (copy-on-write)
  instead of loading N copies.  A worker that dies (`kill -9`, the OOM killer) breaks the
  pool: the pool is started again and the unfinished tasks resubmitted (finished shards
  are on disk and are skipped), up to `MAX_RESTARTS` times.
- `dask`: tasks on a `dask.distributed` cluster: a `LocalCluster` of N worker processes,
  or the scheduler named by `--scheduler` / `DASK_SCHEDULER_ADDRESS`.  Each worker process
  builds the pipeline once (`shards.worker_pipeline`), the part files are written by the
  workers to `OUT/.shards/` (which must therefore be on storage every worker sees), failed
  tasks are retried and a lost worker's tasks rescheduled by Dask.

At most a few tasks per worker are in flight, pulled from the plan lazily, so memory does
not grow with the corpus.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import sys
from collections import deque
from typing import Callable, Iterable, Iterator

from .shards import ShardSummary, ShardTask, run_task, warm_pipeline, worker_pipeline

ENGINES = ("local", "dask")
MAX_RESTARTS = 3
IN_FLIGHT_PER_WORKER = 2
log = logging.getLogger("pipeline.engines")


class RunFailed(Exception):
    """The run cannot finish (a worker died repeatedly, the cluster is gone): one line."""


def run_tasks(tasks: Iterable[ShardTask], config: dict, workers: int = 1, engine: str = "local",
              scheduler: str | None = None, on_done: Callable[[ShardSummary], None] = lambda s: None) -> None:
    """Run every task; `on_done` sees each shard's summary as it finishes.
    Raises `RunFailed` when the engine cannot finish."""
    if engine == "dask":
        _run_dask(tasks, config, workers, scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS"), on_done)
    elif workers <= 1:
        for task in tasks:
            for summary in run_task(task, config):
                on_done(summary)
    else:
        _run_pool(iter(tasks), config, workers, on_done)


# --------------------------------------------------------------------------- local pool
def _run_pool(tasks: Iterator[ShardTask], config: dict, workers: int, on_done) -> None:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    first = next(tasks, None)
    if first is None:
        return
    warm_pipeline(config)  # built and warmed before the fork: the workers share it copy-on-write
    ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    retry: deque[ShardTask] = deque([first])
    restarts = 0
    while True:
        running: dict = {}
        try:
            with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_pool_init, initargs=(config,)) as pool:
                _drive(pool, tasks, retry, running, workers, config, on_done)
            return
        except BrokenProcessPool:
            retry.extend(running.values())  # the tasks in flight when a worker died
        restarts += 1
        if restarts > MAX_RESTARTS:
            raise RunFailed(f"a worker process died {restarts} times (killed, or out of memory: see `dmesg`); "
                            "finished shards are kept, run again to continue") from None
        log.warning("a worker process died; restarting the pool (%d/%d)", restarts, MAX_RESTARTS)
        print(f"warning: a worker process died; restarting the pool ({restarts}/{MAX_RESTARTS}), "
              "finished shards are kept", file=sys.stderr)


def _drive(pool, tasks: Iterator[ShardTask], retry: deque, running: dict, workers: int, config: dict, on_done) -> None:
    """Keep a few tasks per worker in flight until the plan is exhausted."""
    from concurrent.futures import FIRST_COMPLETED, wait

    while True:
        while len(running) < workers * IN_FLIGHT_PER_WORKER:
            task = retry.popleft() if retry else next(tasks, None)
            if task is None:
                break
            running[pool.submit(run_task, task, config)] = task
        if not running:
            return
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for fut in sorted(finished, key=lambda f: running[f].shards[0][0]):
            summaries = fut.result()  # a dead worker: BrokenProcessPool, handled by the caller
            del running[fut]
            for s in summaries:
                on_done(s)


def _pool_init(config: dict) -> None:
    """In a pool worker: the pipeline is inherited from the parent (fork) or built here
    (spawn).  (spaCy's CPU matrix code, blis, is single-threaded: no thread limits needed.)"""
    worker_pipeline(config)


# --------------------------------------------------------------------------- dask
def _run_dask(tasks: Iterable[ShardTask], config: dict, workers: int, scheduler: str | None, on_done) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise RunFailed("the dask engine needs `distributed` (pip install distributed)") from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout=os.environ.get("PIPELINE_DASK_TIMEOUT", "30s"))
        else:
            cluster = local_cluster(workers)
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        raise RunFailed(f"cannot reach the Dask scheduler {scheduler}: {' '.join(str(exc).split())[:200]}") from None
    try:
        info = client.scheduler_info()
        if "dashboard" in (info.get("services") or {}):  # served only when bokeh is installed
            print(f"dask: dashboard at {client.dashboard_link}", file=sys.stderr)
        n_workers = max(1, len(info.get("workers", {})) or workers)
        it = iter(tasks)
        pending = as_completed()
        for task in _take(it, n_workers * IN_FLIGHT_PER_WORKER):
            pending.add(client.submit(run_task, task, config, pure=False, retries=2))
        for fut in pending:
            try:
                summaries = fut.result()
            except Exception as exc:  # noqa: BLE001 - a task that failed after its retries
                raise RunFailed(f"a Dask task failed after retries: {type(exc).__name__}: "
                                f"{' '.join(str(exc).split())[:200]}; finished shards are kept, run again to continue") from None
            for s in summaries:
                on_done(s)
            nxt = next(it, None)
            if nxt is not None:
                pending.add(client.submit(run_task, nxt, config, pure=False, retries=2))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def local_cluster(workers: int):
    """A `LocalCluster` of `workers` single-threaded worker processes for `--engine dask`.

    Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in every worker; setting it also turns
    off glibc's adaptive mmap threshold, so each larger array is mmap'ed and unmapped again
    (page faults): per-document work ran ~1.6x slower than in the local pool's workers.
    None unsets it, the thread limits stay (for `dask worker` on other machines the same
    setting is `docs/dask/pipeline.yaml`; README: Scaling out)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        return LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                            dashboard_address=":0", silence_logs=logging.ERROR)


def _take(it: Iterator, n: int) -> list:
    out = []
    for _ in range(n):
        item = next(it, None)
        if item is None:
            break
        out.append(item)
    return out
