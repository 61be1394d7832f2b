"""Evaluation harnesses (`make eval-*`): score the stages against gold and external cases.

Shared data is found through `shared_dir()`: env var PIPELINE_SHARED, default `../shared`
beside the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    return Path(os.environ.get("PIPELINE_SHARED") or REPO.parent / "shared").resolve()
