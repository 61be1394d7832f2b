"""The code's shape, checked like behaviour (issue "one house"):

- the import layers of pyproject.toml `[tool.importlinter]` hold: no cycle across layers, no
  stage importing another stage, no import from a lower layer to a higher one;
- no function in `pipeline/` above cyclomatic complexity 25 (radon), no module above 600
  lines;
- no run of 6 or more identical code lines in two places of `pipeline/` (pylint's symilar).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "pipeline"
MAX_COMPLEXITY = 25
MAX_LINES = 600


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_import_layers_hold():
    pytest.importorskip("importlinter")
    from importlinter.cli import lint_imports

    cwd = os.getcwd()
    os.chdir(REPO)  # import-linter reads pyproject.toml from the working directory
    try:
        status = lint_imports(no_cache=True)
    finally:
        os.chdir(cwd)
    assert status == 0, "an import breaks the layers in pyproject.toml [tool.importlinter] (details above)"


def test_no_function_above_complexity_limit():
    radon = pytest.importorskip("radon.complexity")
    too_complex = []
    for path in _sources():
        for block in radon.cc_visit(path.read_text(encoding="utf-8")):
            items = [block] + list(getattr(block, "methods", []) or [])
            for item in items:
                if item.complexity > MAX_COMPLEXITY:
                    too_complex.append(f"{path.relative_to(REPO)}:{item.lineno} {item.name} ({item.complexity})")
    assert not too_complex, f"cyclomatic complexity above {MAX_COMPLEXITY}: {too_complex}"


def test_no_module_above_line_limit():
    long_files = [f"{p.relative_to(REPO)} ({n})" for p in _sources() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not long_files, f"modules above {MAX_LINES} lines: {long_files}"


def test_no_duplicated_code_in_the_package():
    pytest.importorskip("pylint")
    proc = subprocess.run(
        [sys.executable, "-m", "pylint.checkers.symilar", "-d", "6", "-i", "--ignore-docstrings", "--ignore-imports",
         "--ignore-signatures", *map(str, _sources())],
        capture_output=True, text=True, timeout=600,
    )
    last = proc.stdout.strip().splitlines()[-1]
    assert "duplicates=0" in last, proc.stdout[-4000:]
