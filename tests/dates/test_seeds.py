"""Golden test: the seed reports' dates (8 in doc 000, 3 in doc 004) exactly as annotated
in tests/gold/dates/seed_*.yaml, through ingest and the full blank pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.config import load_config
from pipeline.ingest import ingest_document
from pipeline.rulebook import load_rules
from pipeline.runner import process_batch

REPO = Path(__file__).resolve().parents[2]
SEEDS = sorted((REPO / "tests/gold/dates").glob("seed_*.yaml"))


@pytest.mark.parametrize("gold_path", SEEDS, ids=[p.stem for p in SEEDS])
def test_seed_dates(gold_path, blank_nlp):
    gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
    path = REPO / gold["source"]
    rec = ingest_document(path, path.parent, None, load_config(model="blank"), load_rules())
    assert rec.doc_date == gold["anchor"]
    (res,) = process_batch(blank_nlp, [rec])
    assert res.error is None
    rows = res.tables["dates"]
    for r in rows:
        assert rec.text[r["start_char"] : r["end_char"]] == r["text"]
    got = [(r["text"], r["start_char"], r["type"], r["value"], r["modifier"]) for r in rows]
    want = [(g["text"], g["start_char"], g["type"], str(g["value"]), g["modifier"]) for g in gold["dates"]]
    assert got == want


def test_seed_count():
    counts = [len(yaml.safe_load(p.read_text(encoding="utf-8"))["dates"]) for p in SEEDS]
    assert counts == [8, 3]
