"""Shared fixtures: the repository, the shared data folder (optional), ready pipelines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PIPELINE_SHARED") or REPO.parent / "shared").resolve()


def needs_shared(*parts: str):
    """Skip (with the reason) when a file under the shared data folder is absent."""
    path = SHARED.joinpath(*parts)
    return pytest.mark.skipif(not path.exists(), reason=f"shared data not available: {path} (set PIPELINE_SHARED)")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def nlp():
    """The pipeline as `make run` builds it (model policy `auto`)."""
    from pipeline.assembly import nlp_for_text

    return nlp_for_text("auto")


@pytest.fixture(scope="session")
def blank_nlp():
    """The pipeline on spacy.blank('de'): rule stages without a statistical model."""
    from pipeline.assembly import nlp_for_text

    return nlp_for_text("blank")


def plates_config(tmp_path: Path) -> Path:
    """A configuration file: the default one with the example plates plugin and its stage on."""
    import yaml

    from pipeline.config import DEFAULT_CONFIG

    cfg = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    cfg["plugins"] = ["pipeline.plugins.plates"]
    cfg["stages"] = cfg["stages"] + ["de_plates"]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path
