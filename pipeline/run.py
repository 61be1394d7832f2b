"""The corpus run: discover shards, process the changed ones on an engine, report.

`run_corpus` cuts the corpus into shards (`pipeline/shards.py`), reuses every shard whose
key is unchanged since an earlier run, runs the others on the chosen engine
(`pipeline/engines.py`) and returns what `write.write_run` merges into the output set.
Per-document processing is `pipeline/runner.py`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .faults import checkpoint
from .version import CONTRACT_VERSION, __version__


# --------------------------------------------------------------------------- fingerprint
def code_fingerprint() -> str:
    """Hash of the package's Python sources: a code change invalidates cached results."""
    h = hashlib.sha256(__version__.encode())
    for p in sorted(Path(__file__).parent.rglob("*.py")):
        if "training" in p.parts or "evaluation" in p.parts:
            continue
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def run_fingerprint(config: dict, model_info: dict, rules_fp: str) -> str:
    """What a shard's results depend on besides its documents: code, model, rules and the
    configuration (without the keys that only say how the work is scheduled or merged)."""
    config = {k: v for k, v in config.items() if k != "write"}
    config["shards"] = {k: v for k, v in (config.get("shards") or {}).items()
                        if k not in ("docs_per_task", "max_vocab")}
    blob = json.dumps(
        {"code": code_fingerprint(), "config": config, "model": model_info, "rules": rules_fp},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


# --------------------------------------------------------------------------- corpus run
@dataclass
class RunOutcome:
    """What a corpus run produced: shard part folders to merge, plus what to report."""

    parts_root: Path
    shard_dirs: list[str]
    errors: list[dict]  # corpus-level (walk problems, duplicate doc_ids); document errors are in the parts
    timings: dict[str, float]
    model_info: dict
    rules_manifest: list[dict]
    fingerprint: str
    n_documents: int = 0  # documents found (ok + failed)
    n_ok: int = 0
    n_doc_errors: int = 0
    n_processed: int = 0  # documents run through the stages in this run
    n_cached: int = 0  # documents whose shard was reused unchanged
    n_tokens: int = 0
    shards_total: int = 0
    shards_processed: int = 0
    engine: str = "local"
    warnings: list[str] = field(default_factory=list)  # printed and kept in run.json
    extensions: list[str] = field(default_factory=list)


def run_corpus(
    corpus: Path,
    out: Path,
    config: dict,
    workers: int = 1,
    progress: bool = True,
    use_cache: bool = True,
    engine: str = "local",
    scheduler: str | None = None,
) -> RunOutcome:
    """Process the corpus shard by shard into part files under `OUT/.shards/`.

    Shards whose key is unchanged since an earlier run are reused (unless `use_cache` is
    False); the others run on the chosen engine (`pipeline/engines.py`).  The spaCy
    pipeline is built only in processes that have a shard to process.  Corpus-level
    problems raise IngestError; writing the tables is `write.write_run`."""
    from .assembly import model_identity
    from .engines import run_tasks
    from .rulebook import load_rules
    from .shards import SHARDS_DIR, ShardSummary, done_shards, plan_shards, read_summary, release_pipelines, shard_settings

    timings: dict[str, float] = defaultdict(float)
    t0 = time.perf_counter()
    rules = load_rules(config.get("rules", []))
    model_info = model_identity(config)
    fingerprint = run_fingerprint(config, model_info, rules.fingerprint())
    parts_root = out.resolve() / SHARDS_DIR  # absolute: workers elsewhere see the same path
    timings["setup"] += time.perf_counter() - t0

    t0 = time.perf_counter()
    plan = plan_shards(corpus, config, fingerprint, parts_root / f".index-{os.getpid()}")
    checkpoint("ingest")
    timings["discover"] += time.perf_counter() - t0
    try:
        done = done_shards(parts_root) if use_cache else set()
        todo = [s for s in plan.shards if s.dirname not in done]
        reused = [s for s in plan.shards if s.dirname in done]
        outcome = RunOutcome(parts_root, [s.dirname for s in plan.shards], plan.errors, timings, model_info,
                             rules.manifest(), fingerprint, n_documents=plan.n_documents, shards_total=len(plan.shards),
                             engine=engine, warnings=list(plan.warnings),
                             extensions=list(config.get("ingest", {}).get("extensions", [".txt", ".md"])))
        bar = _progress(plan.n_documents, progress, initial=sum(s.n_docs for s in reused))

        def account(summary: ShardSummary) -> None:
            outcome.n_ok += summary.n_ok
            outcome.n_doc_errors += summary.n_errors
            outcome.n_tokens += summary.n_tokens
            if summary.processed:
                outcome.n_processed += summary.n_docs
                outcome.shards_processed += 1
                for k, v in summary.timings.items():
                    timings[k] += v
                bar.update(summary.n_docs)
            else:
                outcome.n_cached += summary.n_docs

        for shard in reused:
            account(read_summary(parts_root / shard.dirname))
        _, per_task = shard_settings(config)
        n_todo = sum(s.n_docs for s in todo)
        per_task = max(1, min(per_task, -(-n_todo // (max(1, workers) * 4))))  # >= 4 tasks per worker
        t0 = time.perf_counter()
        tasks = plan.tasks(todo, parts_root, per_task, force=not use_cache)
        run_tasks(tasks, config, workers=workers, engine=engine, scheduler=scheduler, on_done=account)
        release_pipelines()  # the merge that follows needs no model
        timings["process"] += time.perf_counter() - t0
        bar.close()
    finally:
        import shutil

        shutil.rmtree(plan.index_path.parent, ignore_errors=True)
    return outcome

class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool, initial: int = 0):
    if not enabled or total == 0:
        return _NoBar()
    from tqdm import tqdm

    # disable=None: shown only when stderr is a terminal (no `\r` updates in pipes and logs)
    return tqdm(total=total, initial=initial, unit="doc", desc="documents", file=sys.stderr, dynamic_ncols=True,
                leave=False, disable=None)


def run_info(outcome: RunOutcome, config: dict, counts: dict[str, int], seconds: float, corpus: Path, out: Path) -> dict:
    return {
        "contract_version": CONTRACT_VERSION,
        "pipeline_version": __version__,
        "corpus": str(corpus),
        "out": str(out),
        "model": outcome.model_info,
        "config": config,
        "rules": outcome.rules_manifest,
        "counts": counts,
        "engine": outcome.engine,
        "documents_processed": outcome.n_processed,
        "documents_from_cache": outcome.n_cached,
        "shards": {"total": outcome.shards_total, "processed": outcome.shards_processed},
        "timings_seconds": {k: round(v, 4) for k, v in sorted(outcome.timings.items())},
        "total_seconds": round(seconds, 3),
        "fingerprint": outcome.fingerprint,
        "warnings": list(outcome.warnings),
    }
