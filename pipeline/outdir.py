"""The output folder on disk: one lock, run folders, and one atomic switch per run.

Layout of `OUT/` (what analysts open never moves):

    OUT/.lock                     flock'ed by the run in progress (holds its pid)
    OUT/.runs/<run-id>/           every file of one run's output set
    OUT/.shards/s<NNNNN>-<key>/   one shard's results (Parquet parts), reused by reruns
    OUT/current -> .runs/<run-id> the live set
    OUT/<table>.parquet -> current/<table>.parquet   (and .csv, pipeline.duckdb, run.json)

A run writes its whole set into a fresh `.runs/<run-id>/`, then switches `current` to it
with one `rename` of a temporary symlink (atomic on POSIX): a reader, or a run killed at
any instant, sees either the complete old set or the complete new set, never a mix.  The
contract paths are relative symlinks into `current/` made once, so a path an analyst
keeps (pandas, DuckDB) stays valid across runs.  The previous run folder is removed after
the switch; anything a killed run left (an unfinished run folder, old `.staging-*`
folders, a temporary symlink) is removed by the next run, under the lock.  An `OUT` of
plain files from an older version is migrated without a moment of mixed state (its
files are hard-linked into a run folder, `current` is pointed there, then each plain file
is replaced by its symlink, which shows the same bytes).
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path

from .faults import checkpoint

RUNS = ".runs"
CURRENT = "current"
LOCK = ".lock"
SET_SUFFIXES = (".parquet", ".csv")
SET_NAMES = ("pipeline.duckdb", "run.json")


class OutputBusy(Exception):
    """Another run holds the lock on this output folder."""


class OutputLock:
    """Exclusive `flock` on `OUT/.lock` for the whole run (cache, run folder, switch).

    Re-entrant within one process (flock locks belong to an open file, so a second open
    in the same process would block on itself).  The lock file keeps the holder's pid
    so the message of a refused second run can name it.
    """

    _held: dict[str, list] = {}

    def __init__(self, out: Path):
        self.out = Path(out)
        self.key = os.path.realpath(self.out)

    def __enter__(self) -> "OutputLock":
        held = self._held.get(self.key)
        if held is not None:
            held[1] += 1
            return self
        self.out.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            other = _read_pid(fd)
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                who = f"pid {other}" if other else "another process"
                raise OutputBusy(f"output folder {self.out} is in use by another run ({who}); "
                                 "wait for it to finish or choose another --out") from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._held[self.key] = [fd, 1]
        return self

    def __exit__(self, *exc) -> None:
        held = self._held.get(self.key)
        if held is None:
            return
        held[1] -= 1
        if held[1] == 0:
            del self._held[self.key]
            try:
                os.ftruncate(held[0], 0)
            except OSError:
                pass
            os.close(held[0])  # closing the last descriptor releases the flock


def _read_pid(fd: int) -> str | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return text if text.isdigit() else None


# --------------------------------------------------------------------------- run folders
def current_target(out: Path) -> Path | None:
    """The live run folder, or None when `OUT/current` is missing or dangling."""
    link = out / CURRENT
    if not link.is_symlink():
        return None
    target = (out / os.readlink(link))
    return target if target.is_dir() else None


def new_run_dir(out: Path) -> Path:
    """A fresh, empty `OUT/.runs/<run-id>/` (sortable by start time, unique)."""
    runs = out / RUNS
    runs.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=runs, prefix=time.strftime("%Y%m%dT%H%M%S-", time.gmtime())))
    folder.chmod(0o755)  # mkdtemp makes it private; the tables are for every reader of OUT
    return folder


def clean_stale(out: Path) -> list[str]:
    """Remove what a killed or failed run left behind; call with the lock held.

    Returns the names removed (for tests and the curious)."""
    removed: list[str] = []
    live = current_target(out)
    runs = out / RUNS
    if runs.is_dir():
        for d in sorted(runs.iterdir()):
            if live is not None and d.resolve() == live.resolve():
                continue
            _remove(d)
            removed.append(f"{RUNS}/{d.name}")
    if out.is_dir():
        for p in sorted(out.iterdir()):
            if p.name.startswith((".staging-", ".current.tmp-", ".link.tmp-", ".write-probe-")):
                _remove(p)
                removed.append(p.name)
        legacy = out / ".cache"  # per-document results of versions before the shards
        if legacy.is_dir():
            _remove(legacy)
            removed.append(".cache")
        shards = out / ".shards"
        if shards.is_dir():  # what a killed worker left: unfinished shards, an index
            for tmp in shards.glob(".*"):
                _remove(tmp)
                removed.append(f".shards/{tmp.name}")
    return removed


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def fsync_tree(folder: Path) -> None:
    """Flush every file of a finished run folder and the folder itself to disk."""
    for f in sorted(folder.iterdir()):
        fd = os.open(f, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _symlink_atomic(target: str, link: Path, tmp_prefix: str) -> None:
    """Point `link` at `target` in one rename (replaces a file or link already there)."""
    tmp = link.parent / f"{tmp_prefix}{os.getpid()}-{link.name}"
    try:
        tmp.unlink()
    except FileNotFoundError:
        pass
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _is_set_file(p: Path) -> bool:
    return p.name in SET_NAMES or p.suffix in SET_SUFFIXES


# --------------------------------------------------------------------------- publish
def migrate_plain_files(out: Path) -> None:
    """An `OUT` written by an older version (plain files) -> the run-folder layout.

    Every moment of it shows one complete set: the plain files are hard-linked (or
    copied) into a run folder, `current` is switched to it, and only then is each plain
    file replaced by its symlink, which resolves to the very same bytes."""
    plain = [p for p in sorted(out.iterdir()) if p.is_file() and not p.is_symlink() and _is_set_file(p)]
    if not plain:
        return
    live = current_target(out)
    if live is None or not all((live / p.name).exists() and os.path.samefile(p, live / p.name) for p in plain):
        live = new_run_dir(out)
        for p in plain:
            try:
                os.link(p, live / p.name)
            except OSError:
                shutil.copy2(p, live / p.name)
        fsync_tree(live)
        checkpoint("migrate")
        _symlink_atomic(f"{RUNS}/{live.name}", out / CURRENT, ".current.tmp-")
    for p in plain:
        _symlink_atomic(f"{CURRENT}/{p.name}", p, ".link.tmp-")
    _fsync_dir(out)


def publish(out: Path, run_dir: Path) -> None:
    """Make the finished `run_dir` the live output set in one atomic step."""
    migrate_plain_files(out)
    fsync_tree(run_dir)
    names = sorted(p.name for p in run_dir.iterdir())
    for name in names:  # contract paths: made once, never changed after
        link = out / name
        want = f"{CURRENT}/{name}"
        if not (link.is_symlink() and os.readlink(link) == want):
            checkpoint(f"link:{name}")
            _symlink_atomic(want, link, ".link.tmp-")
    _fsync_dir(out)
    checkpoint("swap")
    old = current_target(out)
    _symlink_atomic(f"{RUNS}/{run_dir.name}", out / CURRENT, ".current.tmp-")
    _fsync_dir(out)
    checkpoint("swapped")
    # The new set is live: what follows is tidying, and a failure in it (which the next
    # run's `clean_stale` repeats) must not be reported as a failed write.
    try:
        if old is not None and old.resolve() != run_dir.resolve():
            shutil.rmtree(old, ignore_errors=True)
        # a table the previous run had and this one has not (a plugin switched off)
        for p in sorted(out.iterdir()):
            if p.is_symlink() and os.readlink(p) == f"{CURRENT}/{p.name}" and p.name not in names:
                p.unlink()
    except OSError:
        pass
