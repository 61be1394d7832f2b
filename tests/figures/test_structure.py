"""Size limits for the figures stage and its mechanism (issue 12), measured with radon:
no function above cyclomatic complexity 25, no file above 600 lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from radon import complexity as radon_complexity

PIPELINE = Path(__file__).resolve().parents[2] / "pipeline"
FILES = [PIPELINE / "figures.py", PIPELINE / "numbers.py", *sorted((PIPELINE / "quantities").glob("*.py"))]
MAX_COMPLEXITY = 25
MAX_LINES = 600


def _blocks(path: Path):
    for block in radon_complexity.cc_visit(path.read_text(encoding="utf-8")):
        yield block
        yield from getattr(block, "methods", [])  # a class's methods are listed apart


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_function_above_the_complexity_limit(path):
    over = [(b.name, b.complexity) for b in _blocks(path) if b.complexity > MAX_COMPLEXITY]
    assert over == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_file_above_the_line_limit(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_the_limits_can_fail():
    """The measurement sees a function above the limit (the test is not vacuous)."""
    branches = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(MAX_COMPLEXITY + 1))
    worst = max(b.complexity for b in radon_complexity.cc_visit(f"def f(x):\n{branches}    return -1\n"))
    assert worst > MAX_COMPLEXITY
