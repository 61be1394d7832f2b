"""Issue 15.2-15.4: the output set is switched as one, under a lock, and survives a kill.

After a kill at any point (ingest, processing, every write step, the switch) `OUT` holds
the complete old set or the complete new set, never a mix, and the next run ends with
tables byte-identical to a clean run.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.faults import FaultInjected

from .helpers import REPO, REPORT, run, subprocess_run, table_bytes

SECOND = "Ulm, 4. März 2025 – Der Gemeinderat beschloss 12 neue Stellen für die Kitas in Ulm.\n"


def _corpora(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old_corpus", tmp_path / "new_corpus"
    for c in (old, new):
        c.mkdir()
        (c / "hamm.txt").write_text(REPORT, encoding="utf-8")
    (new / "ulm.txt").write_text(SECOND, encoding="utf-8")
    return old, new


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    """Clean reference runs: (old corpus, new corpus, old tables, new tables)."""
    tmp = tmp_path_factory.mktemp("sets")
    old, new = _corpora(tmp)
    assert run(old, tmp / "ref_old", "--no-cache") == 0
    assert run(new, tmp / "ref_new", "--no-cache") == 0
    return old, new, table_bytes(tmp / "ref_old"), table_bytes(tmp / "ref_new")


def assert_one_complete_set(out: Path, old: dict, new: dict) -> str:
    """OUT shows exactly the old set or exactly the new set (tables, DuckDB, run.json)."""
    got = table_bytes(out)
    which = "old" if got == old else "new" if got == new else None
    assert which, f"mixed or broken set: {sorted(k for k in got if got[k] != old.get(k))} differ from the old set"
    n_docs = len(pd.read_parquet(out / "documents.parquet"))
    con = duckdb.connect(str(out / "pipeline.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == n_docs
    finally:
        con.close()
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["counts"]["documents"] == n_docs
    return which


def test_layout_symlinks_stay_and_point_into_current(tmp_path, sets):
    old, new, old_set, new_set = sets
    out = tmp_path / "out"
    assert run(old, out) == 0
    links = {p.name: os.readlink(p) for p in out.iterdir() if p.is_symlink()}
    assert links["documents.parquet"] == "current/documents.parquet"
    assert links["pipeline.duckdb"] == "current/pipeline.duckdb" and links["run.json"] == "current/run.json"
    assert links["current"].startswith(".runs/")
    first_run = links["current"]
    assert run(new, out) == 0
    assert assert_one_complete_set(out, old_set, new_set) == "new"
    after = {p.name: os.readlink(p) for p in out.iterdir() if p.is_symlink()}
    assert {k: v for k, v in after.items() if k != "current"} == {k: v for k, v in links.items() if k != "current"}
    assert after["current"] != first_run
    assert [p.name for p in (out / ".runs").iterdir()] == [after["current"].split("/", 1)[1]], "old run folder removed"


def test_plain_file_output_folder_is_migrated(tmp_path, sets):
    old, new, old_set, new_set = sets
    out = tmp_path / "out"
    out.mkdir()
    ref = tmp_path / "ref"
    assert run(old, ref) == 0
    for p in ref.iterdir():  # an OUT as older versions wrote it: plain files
        if p.is_symlink():
            (out / p.name).write_bytes(p.read_bytes()) if p.name != "current" else None
    (out / ".staging-abc123").mkdir()  # what an older version left after a kill
    (out / ".staging-abc123" / "documents.parquet").write_bytes(b"half")
    assert run(new, out) == 0
    assert assert_one_complete_set(out, old_set, new_set) == "new"
    assert not (out / ".staging-abc123").exists()
    assert all((out / n).is_symlink() for n in new_set)


def _precomputed(corpus: Path, out: Path):
    """The shard parts and run.json of a run, ready for `write_run` (no processing)."""
    from pipeline.config import load_config
    from pipeline.run import run_corpus, run_info

    config = load_config(model="blank")
    outcome = run_corpus(corpus, out, config, progress=False, use_cache=False)
    return outcome, run_info(outcome, config, {}, 0.0, corpus, out)


WRITE_POINTS = [
    *(f"write:{t}.{ext}" for t in ("documents", "metadata", "mentions", "entities", "roles", "dates", "figures", "errors") for ext in ("parquet", "csv")),
    "write:pipeline.duckdb", "write:run.json", "swap", "swapped",
]


def test_kill_at_every_write_step_leaves_one_complete_set(tmp_path, sets, monkeypatch):
    """Injected crash (no cleanup code runs) at every step of the write phase."""
    from pipeline.write import write_run

    old, new, old_set, new_set = sets
    out = tmp_path / "out"
    assert run(old, out) == 0
    outcome, info = _precomputed(new, out)
    seen = {}
    for point in WRITE_POINTS:
        monkeypatch.setenv("PIPELINE_FAULT", f"{point}:raise")
        with pytest.raises(FaultInjected):
            write_run(out, outcome, info)
        seen[point] = assert_one_complete_set(out, old_set, new_set)
        monkeypatch.delenv("PIPELINE_FAULT")
        if seen[point] == "new":  # back to the old set for the next point
            assert run(old, out) == 0
    assert all(v == "old" for p, v in seen.items() if p.startswith("write:")) and seen["swap"] == "old"
    assert seen["swapped"] == "new"
    assert run(new, out) == 0  # the next run cleans up and completes
    assert table_bytes(out) == new_set
    assert len(list((out / ".runs").iterdir())) == 1


@pytest.mark.parametrize("point", ["ingest", "process", "migrate"])
def test_kill_before_the_write_phase_or_while_migrating(tmp_path, sets, monkeypatch, point):
    old, new, old_set, new_set = sets
    out = tmp_path / "out"
    assert run(old, out) == 0
    if point == "migrate":  # back to plain files, as an older version left them
        for name in old_set:
            data = (out / name).read_bytes()
            (out / name).unlink()
            (out / name).write_bytes(data)
        for name in ("pipeline.duckdb", "run.json"):
            data = (out / name).read_bytes()
            (out / name).unlink()
            (out / name).write_bytes(data)
        (out / "current").unlink()
    monkeypatch.setenv("PIPELINE_FAULT", f"{point}:raise")
    with pytest.raises(FaultInjected):
        run(new, out)
    assert assert_one_complete_set(out, old_set, new_set) == "old"
    monkeypatch.delenv("PIPELINE_FAULT")
    assert run(new, out) == 0
    assert table_bytes(out) == new_set


def test_real_sigkill_inside_the_write_phase(tmp_path, sets):
    """The process really dies (SIGKILL) half-way through writing the tables."""
    old, new, old_set, new_set = sets
    out = tmp_path / "out"
    assert run(old, out) == 0
    proc = subprocess_run("run", "--corpus", str(new), "--out", str(out), "--quiet", "--model", "blank",
                          env={"PIPELINE_FAULT": "write:mentions.csv"})
    assert proc.returncode == -signal.SIGKILL
    assert assert_one_complete_set(out, old_set, new_set) == "old"
    assert len(list((out / ".runs").iterdir())) == 2, "the killed run's folder is left ..."
    assert run(new, out) == 0
    assert len(list((out / ".runs").iterdir())) == 1, "... and removed by the next run"
    assert table_bytes(out) == new_set


def test_sigkill_from_outside_at_an_arbitrary_moment(tmp_path, sets):
    """`kill -9` from another process while the run writes its folder."""
    old, new, old_set, new_set = sets
    out = tmp_path / "out"
    assert run(old, out) == 0
    live = os.readlink(out / "current")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--corpus", str(new), "--out", str(out),
                             "--quiet", "--model", "blank", "--no-cache"], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        fresh = [d for d in (out / ".runs").iterdir() if f".runs/{d.name}" != live]
        if fresh and any(fresh[0].iterdir()):
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert_one_complete_set(out, old_set, new_set)
    assert run(new, out) == 0
    assert table_bytes(out) == new_set


def test_second_run_on_a_locked_folder_exits_2_naming_the_pid(tmp_path, report_corpus, capsys):
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time\n"
         f"fd = os.open({str(out / '.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\n"
         "os.write(fd, f'{os.getpid()}\\n'.encode())\n"
         "print('locked', flush=True)\n"
         "time.sleep(120)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert run(report_corpus, out) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"error: output folder {out} is in use by another run (pid {holder.pid}); "
                       "wait for it to finish or choose another --out"]
        assert not (out / "documents.parquet").exists()
    finally:
        holder.kill()
        holder.wait()
    assert run(report_corpus, out) == 0  # the lock dies with its holder


def test_lock_is_released_after_a_run(tmp_path, report_corpus):
    out = tmp_path / "out"
    assert run(report_corpus, out) == 0
    fd = os.open(out / ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # would raise if still held
    finally:
        os.close(fd)


@pytest.mark.parametrize("point", ["write:documents.parquet", "write:pipeline.duckdb"])
def test_full_disk_is_one_line_exit_2_and_old_tables_intact(tmp_path, sets, monkeypatch, capsys, point):
    old, new, old_set, new_set = sets
    out = tmp_path / "out"
    assert run(old, out) == 0
    capsys.readouterr()
    monkeypatch.setenv("PIPELINE_FAULT", f"{point}:enospc")
    assert run(new, out) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: no space left on device while writing {out}; the previous tables are unchanged"]
    assert assert_one_complete_set(out, old_set, new_set) == "old"
    assert len(list((out / ".runs").iterdir())) == 1, "the half-written run folder is removed"


def test_full_disk_from_the_parquet_writer(tmp_path, sets, monkeypatch, capsys):
    """The error as pyarrow raises it (not through the fault hook)."""
    import errno

    import pyarrow.parquet as pq

    old, new, old_set, new_set = sets
    out = tmp_path / "out"
    assert run(old, out) == 0
    capsys.readouterr()
    real = pq.ParquetWriter.write_table

    def full(self, table, *args, **kw):  # the merge writes the output set's tables
        if str(self.where).endswith("figures.parquet") and ".runs" in str(self.where):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, table, *args, **kw)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    assert run(new, out, "--no-cache") == 2
    assert "no space left on device" in capsys.readouterr().err
    assert assert_one_complete_set(out, old_set, new_set) == "old"


def test_full_disk_while_writing_shard_results_is_one_line_and_keeps_the_old_tables(tmp_path, sets, monkeypatch, capsys):
    """Shard part files are the run's results: a full disk there stops the run with the
    one-line message (exit 2), the live tables stay the previous run's."""
    old, new, old_set, _ = sets
    out = tmp_path / "out"
    assert run(old, out) == 0
    before = {n: (out / n).read_bytes() for n in old_set if (out / n).is_file()}
    capsys.readouterr()
    monkeypatch.setenv("PIPELINE_FAULT", "process:enospc")
    assert run(new, out) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: no space left on device while writing {out}; the previous tables are unchanged"]
    assert {n: (out / n).read_bytes() for n in before} == before
    monkeypatch.delenv("PIPELINE_FAULT")
    assert run(new, out) == 0


def test_a_table_that_disappears_loses_its_link(tmp_path, report_corpus):
    """A plugin table of the previous run (plates) is not left as a dangling contract path."""
    import yaml

    from pipeline.config import DEFAULT_CONFIG

    cfg = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    cfg["plugins"] = ["pipeline.plugins.plates"]
    cfg["stages"] = cfg["stages"] + ["de_plates"]
    path = tmp_path / "plates.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    (report_corpus / "unfall.txt").write_text("Ein Auto mit dem Kennzeichen HM-AB 123 fuhr davon.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(report_corpus, out, "--config", str(path)) == 0
    assert (out / "plates.parquet").is_symlink() and (out / "plates.parquet").exists()
    assert run(report_corpus, out) == 0
    assert not os.path.lexists(out / "plates.parquet")
    assert (out / "documents.parquet").exists()
