"""Evaluation harnesses (`make eval-*`): score the stages against gold and external cases.

Shared data is found through `shared_dir()`: env var PIPELINE_SHARED, default `../shared`
beside the repository.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    return Path(os.environ.get("PIPELINE_SHARED") or REPO.parent / "shared").resolve()


def gnad_texts(path: Path, limit: int | None = None) -> list[str]:
    """The article texts of a 10kGNAD CSV (`label;'text'`), the first `limit` of them:
    one reader for the benchmarks (`make bench`, the dates speed comparison)."""
    texts: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter=";", quotechar="'"):
            if len(row) >= 2:
                texts.append(row[1])
            if limit is not None and len(texts) >= limit:
                break
    return texts
