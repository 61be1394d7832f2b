"""Shards and engines (issue 16): stable shard assignment, reruns that redo only the
changed shard, byte-identical tables whatever the engine, a killed worker."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.shards import shard_of

REPO = Path(__file__).resolve().parents[2]

# Real report sentences (the project's own gold texts are longer; these keep the runs short).
SENTENCES = [
    "Am 3. März 2024 kamen rund 40 Gäste in die Stadthalle Hamm.",
    "Landrat Tjark Bartels eröffnete die Sitzung des Kreistags in Hameln.",
    "Die Polizei Ulm meldet zwei Verletzte nach einem Unfall auf der B 10 gegen 16:00 Uhr.",
    "Der Verein zählt über 2.113 Mitglieder und investierte 1,5 Mio. Euro in Kassel.",
    "Bürgermeisterin Anna Schmidt besuchte am Montag die Grundschule in Telfs.",
]


def _corpus(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        text = f"Bericht {i}. " + " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(3))
        (folder / f"bericht_{i:03d}.txt").write_text(text, encoding="utf-8")
    return folder


def _config(tmp_path: Path, shards: int) -> Path:
    cfg = tmp_path / f"shards{shards}.yaml"
    cfg.write_text(f"shards:\n  count: {shards}\n  docs_per_task: 4\n", encoding="utf-8")
    return cfg


def _tables(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.parquet")) + sorted(out.glob("*.csv"))}


def _run(corpus: Path, out: Path, *extra: str) -> int:
    return main(["run", "--corpus", str(corpus), "--out", str(out), "--quiet", *extra])


def _info(out: Path) -> dict:
    return json.loads((out / "run.json").read_text(encoding="utf-8"))


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=60), st.integers(min_value=1, max_value=4096))
def test_a_document_keeps_its_shard(doc_id, n):
    """The shard depends on the doc_id and the shard count only (not on the corpus)."""
    s = shard_of(doc_id, n)
    assert 0 <= s < n and s == shard_of(doc_id, n)


def test_changing_one_document_reprocesses_only_its_shard(tmp_path):
    corpus = _corpus(tmp_path / "c", 30)
    cfg = _config(tmp_path, 16)
    out, clean = tmp_path / "o", tmp_path / "clean"
    assert _run(corpus, out, "--model", "blank", "--config", str(cfg)) == 0
    first = _info(out)
    assert first["documents_processed"] == 30 and first["shards"]["processed"] == first["shards"]["total"] > 8

    changed = corpus / "bericht_007.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + " Am 4. April 2024 folgte die zweite Sitzung.",
                       encoding="utf-8")
    assert _run(corpus, out, "--model", "blank", "--config", str(cfg)) == 0
    second = _info(out)
    same_shard = sum(1 for i in range(30) if shard_of(f"bericht_{i:03d}", 16) == shard_of("bericht_007", 16))
    assert second["shards"]["processed"] == 1
    assert second["documents_processed"] == same_shard < 30
    assert second["documents_from_cache"] == 30 - same_shard

    assert _run(corpus, clean, "--model", "blank", "--config", str(cfg), "--no-cache") == 0
    assert _tables(out) == _tables(clean)
    assert "zweite Sitzung" in pd.read_parquet(out / "documents.parquet").set_index("doc_id").loc["bericht_007", "text"]


def test_adding_a_document_keeps_the_other_shards(tmp_path):
    corpus = _corpus(tmp_path / "c", 20)
    cfg = _config(tmp_path, 16)
    out = tmp_path / "o"
    assert _run(corpus, out, "--model", "blank", "--config", str(cfg)) == 0
    before = {d.name for d in (out / ".shards").iterdir()}
    (corpus / "neu.txt").write_text(SENTENCES[0], encoding="utf-8")
    assert _run(corpus, out, "--model", "blank", "--config", str(cfg)) == 0
    after = {d.name for d in (out / ".shards").iterdir()}
    assert len(before - after) <= 1 and len(after - before) == 1  # only the new document's shard changed
    assert _info(out)["documents_processed"] == 1 + sum(
        1 for i in range(20) if shard_of(f"bericht_{i:03d}", 16) == shard_of("neu", 16))


def test_sql_entities_equal_the_in_memory_aggregation(tmp_path):
    """The merge's SQL aggregation gives the table `aggregate_entities` gives over rows."""
    from pipeline.tables import to_frame
    from pipeline.write import aggregate_entities

    corpus = tmp_path / "c"
    corpus.mkdir()
    for p in sorted((REPO / "tests" / "gold" / "texts").glob("*.txt"))[:6]:
        shutil.copy(p, corpus / p.name)
    out = tmp_path / "o"
    assert _run(corpus, out) == 0
    mentions = pd.read_parquet(out / "mentions.parquet").astype(object).where(lambda d: d.notna(), None)
    roles = pd.read_parquet(out / "roles.parquet").astype(object).where(lambda d: d.notna(), None)
    expected = to_frame("entities", aggregate_entities(mentions.to_dict("records"), roles.to_dict("records")))[0]
    got = pd.read_csv(out / "entities.csv", keep_default_na=False, dtype=str)
    assert len(got) > 20
    assert got.to_csv(index=False) == expected.astype("string").fillna("").to_csv(index=False)


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_two_workers_give_byte_identical_tables(tmp_path, engine):
    """Local pool and a real 2-worker Dask LocalCluster: the same bytes as one process."""
    corpus = _corpus(tmp_path / "c", 12)
    cfg = _config(tmp_path, 8)
    one, two = tmp_path / "one", tmp_path / "two"
    assert _run(corpus, one, "--config", str(cfg)) == 0
    assert _run(corpus, two, "--config", str(cfg), "--workers", "2", "--engine", engine) == 0
    assert _tables(one) == _tables(two)
    assert _info(two)["engine"] == engine and _info(two)["documents_processed"] == 12


def _cli(corpus: Path, out: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--out", str(out),
                           "--quiet", "--model", "blank", *extra], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, **(env or {})}, timeout=600)


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_a_killed_worker_is_replaced_and_the_run_finishes(tmp_path, engine):
    """SIGKILL of one worker process in the middle of a shard (local pool or Dask)."""
    corpus = _corpus(tmp_path / "c", 24)
    cfg = _config(tmp_path, 16)
    out, clean = tmp_path / "o", tmp_path / "clean"
    fault = {"PIPELINE_FAULT": "process:killonce", "PIPELINE_FAULT_MARKER": str(tmp_path / "killed")}
    proc = _cli(corpus, out, "--config", str(cfg), "--workers", "2", "--engine", engine, env=fault)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "killed").exists()
    if engine == "local":
        assert "warning: a worker process died; restarting the pool (1/3)" in proc.stderr
    assert _cli(corpus, clean, "--config", str(cfg)).returncode == 0
    assert _tables(out) == _tables(clean)


def test_a_killed_run_resumes_with_the_finished_shards(tmp_path):
    """`kill -9` of the whole (one-process) run right after its first shard is finished:
    the next run reuses that shard and gives the tables of a clean run."""
    corpus = _corpus(tmp_path / "c", 24)
    cfg = _config(tmp_path, 16)
    out, clean = tmp_path / "o", tmp_path / "clean"
    proc = _cli(corpus, out, "--config", str(cfg), env={"PIPELINE_FAULT": "shard:kill"})
    assert proc.returncode == -9
    finished = [d for d in (out / ".shards").iterdir() if not d.name.startswith(".")]
    assert len(finished) == 1 and not (out / "documents.parquet").exists()
    resumed = _cli(corpus, out, "--config", str(cfg))
    assert resumed.returncode == 0, resumed.stderr
    reused = json.loads((finished[0] / "_shard.json").read_text())["n_docs"]
    assert _info(out)["documents_from_cache"] == reused > 0
    assert _info(out)["documents_processed"] == 24 - reused
    assert _cli(corpus, clean, "--config", str(cfg)).returncode == 0
    assert _tables(out) == _tables(clean)


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    corpus = _corpus(tmp_path / "c", 2)
    proc = _cli(corpus, tmp_path / "o", "--scheduler", "tcp://127.0.0.1:9", env={"PIPELINE_DASK_TIMEOUT": "3s"})
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]  # one line, no traceback
    assert proc.stderr.startswith("error: cannot reach the Dask scheduler tcp://127.0.0.1:9")


def test_a_grown_vocabulary_opens_a_new_memory_zone_with_the_same_tables(tmp_path, monkeypatch):
    """Bounded memory over millions of documents: when spaCy's vocabulary has grown past
    `shards.max_vocab`, the worker's memory zone is closed (its strings and lexemes freed)
    and a new one opened; the model is not reloaded and the tables do not change."""
    import pipeline.shards as shards

    corpus = _corpus(tmp_path / "c", 12)
    cfg = _config(tmp_path, 8)
    plain, renewed = tmp_path / "plain", tmp_path / "renewed"
    assert _run(corpus, plain, "--model", "blank", "--config", str(cfg)) == 0
    shards.release_pipelines()
    zones = []
    real_open, pipelines = shards._open_zone, shards._PIPELINES

    def counting_open(nlp):
        zones.append(len(nlp.vocab.strings))
        return real_open(nlp)

    monkeypatch.setattr(shards, "max_vocab", lambda config: 1)  # every shard finds the vocabulary too big
    monkeypatch.setattr(shards, "_open_zone", counting_open)
    assert _run(corpus, renewed, "--model", "blank", "--config", str(cfg)) == 0
    assert len(zones) >= 3  # the first zone, then renewed at later shards
    assert len(pipelines) <= 1  # one pipeline: renewing a zone does not rebuild it
    assert max(zones[1:]) < 2 * zones[0] + 200  # a new zone starts from the model's strings, not the grown set
    assert _tables(plain) == _tables(renewed)


def test_scheduling_keys_do_not_change_the_fingerprint():
    """`docs_per_task` and `max_vocab` say how the work is scheduled, not what it gives:
    changing them must not reprocess every shard; `count` does (documents move)."""
    from pipeline.run import run_fingerprint

    base = {"shards": {"count": 512, "docs_per_task": 64, "max_vocab": 150_000}}
    fp = run_fingerprint(base, {"name": "m"}, "r")
    assert fp == run_fingerprint({"shards": {"count": 512, "docs_per_task": 8, "max_vocab": 5000}}, {"name": "m"}, "r")
    assert fp != run_fingerprint({"shards": {"count": 64, "docs_per_task": 64, "max_vocab": 150_000}}, {"name": "m"}, "r")


def test_warm_up_before_fork_loads_the_lazy_data_once():
    """The pool's parent runs one report before forking, so the workers share simplemma's
    German dictionary (~120 MB) instead of each decoding a copy of its own."""
    import gc

    from simplemma.strategies.dictionaries.dictionary_factory import DefaultDictionaryFactory

    from pipeline.config import load_config

    from pipeline import shards

    shards.warm_pipeline(load_config(model="blank"))
    factories = [o for o in gc.get_objects() if isinstance(o, DefaultDictionaryFactory)]
    assert any(f._get_dictionary.cache_info().currsize >= 1 for f in factories)


def test_local_dask_workers_keep_glibc_malloc_defaults():
    """Dask's nanny would set MALLOC_TRIM_THRESHOLD_ (glibc then mmaps every larger array
    anew: ~1.6x slower per document); the engine's LocalCluster unsets it, keeps one thread,
    and the shipped worker config for other machines does the same."""
    from distributed import Client

    from pipeline.engines import local_cluster

    with local_cluster(1) as cluster, Client(cluster) as client:
        env = client.run(lambda: {k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")})
    assert [e["MALLOC_TRIM_THRESHOLD_"] for e in env.values()] == [None]
    assert [e["OMP_NUM_THREADS"] for e in env.values()] == ["1"]
    # what a `dask worker` started with DASK_CONFIG=docs/dask gets
    code = ("from distributed.nanny import _get_env_variables; "
            "print(sorted(_get_env_variables('distributed.nanny.pre-spawn-environ')))")
    env = {**os.environ, "DASK_CONFIG": str(Path(__file__).resolve().parents[2] / "docs" / "dask")}
    keys = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert "OMP_NUM_THREADS" in keys and "MALLOC_TRIM_THRESHOLD_" not in keys
