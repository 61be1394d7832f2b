"""Fixtures of the reliability suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import REPORT


@pytest.fixture()
def report_corpus(tmp_path) -> Path:
    c = tmp_path / "corpus"
    c.mkdir()
    (c / "hamm.txt").write_text(REPORT, encoding="utf-8")
    return c
