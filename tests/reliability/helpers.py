"""Helpers for the reliability suite (issue 15, "nothing lost, ever")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from pipeline.cli import main

REPO = Path(__file__).resolve().parents[2]

# Short German report text written for these tests.
REPORT = (
    "Hamm, 3. März 2025 – Am Montag kamen über 40 Gäste in das Rathaus der Stadt Hamm.\n\n"
    "Oberbürgermeister Marc Herter begrüßte die Initiative „Buntes Leben“ und sagte, "
    "dass bis Ende 2026 rund 1,5 Mio. Euro in das Englische Viertel fließen sollen.\n"
)


def run_cli(*args: str) -> int:
    """`python -m pipeline ...` in this process; the exit code (SystemExit included)."""
    try:
        return main(list(args))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1


def run(corpus: Path, out: Path, *extra: str) -> int:
    return run_cli("run", "--corpus", str(corpus), "--out", str(out), "--quiet", "--model", "blank", *extra)


def subprocess_run(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    """The real CLI in a child process (for signals, pipes, exit codes)."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=300, **kw)


def table_bytes(out: Path) -> dict[str, bytes]:
    """Every Parquet and CSV table at its contract path (following the symlinks)."""
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix in (".parquet", ".csv")}


def error_paths(out: Path) -> list[str]:
    return sorted(pd.read_parquet(out / "errors.parquet")["path"])
