"""The report texts in tests/gold/texts/ against their date gold (tests/gold/dates/NN_*.yaml):
every expression found with the gold span, values right except the documented misses."""

from __future__ import annotations

import pytest

from pipeline.evaluation import REPO
from pipeline.evaluation.dates import gold_documents

# Known, documented value errors (gold is the truth; see pipeline/rules/dates/README.md).
KNOWN_VALUE_ERRORS = {("08_stromausfall_lueneburg", "Abend")}  # evening of the event, not of the report
DOCS = gold_documents(REPO / "tests" / "gold")


@pytest.mark.parametrize("doc", DOCS, ids=[d["name"] for d in DOCS])
def test_gold_document(doc, blank_nlp):
    from pipeline.ingest import DocRecord
    from pipeline.runner import process_batch

    rec = DocRecord(doc["name"], doc["name"], doc["text"], "", "utf-8", doc_date=doc["anchor"],
                    metadata=doc["meta"], regions=doc["regions"])
    (res,) = process_batch(blank_nlp, [rec])
    rows = {(r["start_char"], r["text"]): r for r in res.tables["dates"]}
    gold = {(g["start_char"], g["text"]): g for g in doc["gold"]}
    assert sorted(rows) == sorted(gold)
    for key, g in gold.items():
        r = rows[key]
        assert (r["type"], r["modifier"]) == (g["type"], g.get("modifier")), key
        if (doc["name"], g["text"]) not in KNOWN_VALUE_ERRORS:
            assert r["value"] == g["value"], key
