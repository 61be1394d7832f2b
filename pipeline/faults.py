"""Fault injection for the crash tests (`tests/reliability/`): never active in normal use.

`PIPELINE_FAULT=<point>[:<kind>]` makes the run fail at the named checkpoint:
- `kill` (default): the process sends itself SIGKILL — no cleanup code runs, like a power
  cut or `kill -9`;
- `enospc`: an `OSError(ENOSPC)` as a full disk raises it;
- `raise`: `FaultInjected` (a BaseException, so no `except Exception` catches it), for
  in-process tests that want kill semantics without a subprocess;
- `killonce`: SIGKILL in the first process that reaches the point, across all processes
  of the run (a worker killed once mid-run): the marker file named by
  `PIPELINE_FAULT_MARKER` is created by that process; every later arrival goes on.

Points: `ingest` (after discovery), `process` (after each batch of a shard), `shard` (after a shard is finished), `write:<file>`
(after each file of the output set is written), `write:done`, `migrate`, `link:<file>`, `swap`, `swapped`.
"""

from __future__ import annotations

import errno
import os
import signal

ENV = "PIPELINE_FAULT"
MARKER = "PIPELINE_FAULT_MARKER"


class FaultInjected(BaseException):
    """An injected crash (in-process stand-in for SIGKILL)."""


def checkpoint(point: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    want, _, kind = spec.partition(":") if not spec.startswith(("write:", "link:")) else _split(spec)
    if want != point:
        return
    if kind == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    if kind == "raise":
        raise FaultInjected(point)
    if kind == "killonce":
        try:
            os.close(os.open(os.environ[MARKER], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
    os.kill(os.getpid(), signal.SIGKILL)


def _split(spec: str) -> tuple[str, str, str]:
    """`write:documents.parquet:enospc` -> (`write:documents.parquet`, `:`, `enospc`)."""
    head, sep, tail = spec.rpartition(":")
    if tail in ("kill", "killonce", "enospc", "raise") and head.count(":") >= 1:
        return head, sep, tail
    return spec, "", ""
