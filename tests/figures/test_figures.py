"""Figures stage: rule-file examples (positives and negatives) and the seed gold."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.figures import RULE_FILES, run_examples
from pipeline.ingest import normalise_text, parse_structure
from pipeline.rulebook import load_rules

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "tests" / "gold" / "figures"


def figures_of(nlp, text: str) -> list[dict]:
    text = normalise_text(text)
    doc = nlp.make_doc(text)
    doc._.metadata, doc._.regions = parse_structure(text)
    doc._.rows = {}
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc._.rows.get("figures", [])


@pytest.mark.parametrize("name", RULE_FILES)
def test_rule_file_examples(blank_nlp, name):
    problems = [p for p in run_examples(blank_nlp, load_rules()) if Path(p.path).name == name]
    assert not problems, "\n".join(p.format() for p in problems)


@pytest.mark.parametrize("pipeline", ["blank_nlp", "nlp"])
@pytest.mark.parametrize("gold", sorted(p.name for p in GOLD.glob("[01]*.yaml")))
def test_seed_gold(request, pipeline, gold):
    """Gold with the rules alone and with the model `make run` uses (its tagger's POS
    change how counted nouns are found, so both paths are held to the same gold)."""
    nlp = request.getfixturevalue(pipeline)
    data = yaml.safe_load((GOLD / gold).read_text(encoding="utf-8"))
    text = (REPO / data["source"]).read_text(encoding="utf-8")
    got = figures_of(nlp, text)
    norm = normalise_text(text)
    for r in got:
        assert norm[r["start_char"] : r["end_char"]] == r["text"]
    key = lambda r: (r["start_char"], r["text"], float(r["value"]), r.get("value_max"), r["qualifier"], r["unit"], r["kind"])
    assert sorted(map(key, got)) == sorted(map(key, data["figures"]))
    for g in data["figures"]:
        row = next(r for r in got if r["start_char"] == g["start_char"])
        for extra in ("of", "metadata_key"):
            if extra in g:
                assert row[extra] == g[extra]


def test_issue_sentence(blank_nlp):
    text = ("In Lettland wurden seit 2011 über 2.113 Initiativen eingereicht, von denen 50 umgesetzt wurden, "
            "und 70% der Wählerschaft haben die Plattformen besucht.")
    got = [(r["value"], r["qualifier"], r["unit"], r["kind"], r["of"]) for r in figures_of(blank_nlp, text)]
    assert got == [(2113.0, ">", "Initiative", "count", None), (50.0, "=", "Initiative", "count", None),
                   (70.0, "=", "%", "percent", "Wählerschaft")]


def test_dates_rows_are_skipped(blank_nlp):
    """A number covered by a `dates` row belongs to the dates stage."""
    from pipeline.figures import compile_rules, find_figures

    text = "Vor 50 Jahren kamen 30 Gäste."
    doc = blank_nlp.make_doc(text)
    doc._.rows = {"dates": [{"start_char": 0, "end_char": 13}]}
    doc._.metadata, doc._.regions = [], []
    for name, proc in blank_nlp.pipeline:
        if name in ("de_figures", "de_dates"):
            continue
        doc = proc(doc)
    rows = find_figures(doc, compile_rules(load_rules()))
    assert [(r["text"], r["value"]) for r in rows] == [("30 Gäste", 30.0)]
