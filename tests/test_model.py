"""The committed embedded model `pipeline/models/de_reports_sm` (raw statistical model,
no gazetteer/pattern rules): loads offline, has NER + lemmas, tags a typical report
sentence.  Scores on shared data run only when the shared folder is present."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import spacy

import pipeline.lemmatizer  # noqa: F401  (registers the factory even without the entry point)

REPO = Path(__file__).resolve().parent.parent
MODEL = REPO / "pipeline" / "models" / "de_reports_sm"
SHARED = Path(os.environ.get("PIPELINE_SHARED") or REPO.parent / "shared")
DATA = SHARED / "data"

SENTENCE = "Landrat Tjark Bartels besuchte Hameln-Pyrmont und die Bertelsmann-Stiftung."


@pytest.fixture(scope="module")
def nlp():
    return spacy.load(MODEL)


def test_model_files_small():
    total = sum(p.stat().st_size for p in MODEL.rglob("*") if p.is_file())
    # 600k-word cluster-vector key table (6.5 MB) + width-128 tok2vec (8.8 MB) dominate
    assert total < 20 * 1024 * 1024, total
    assert all(p.stat().st_size < 30 * 1024 * 1024 for p in MODEL.rglob("*") if p.is_file())


def test_meta(nlp):
    meta = nlp.meta
    assert meta["lang"] == "de"
    assert meta["name"] == "de_reports_sm"
    assert meta["version"]
    assert meta["sources"] and all(s.get("license") for s in meta["sources"])
    assert "germeval2014_dev_micro_PER_LOC_ORG_f" in meta["performance"]
    assert (MODEL / "MODEL_CARD.md").exists()


def test_pipeline_components(nlp):
    assert "ner" in nlp.pipe_names
    assert "simplemma_lemmatizer" in nlp.pipe_names
    assert {"PER", "LOC", "ORG"} <= set(nlp.get_pipe("ner").labels)


def test_report_sentence_person_and_place(nlp):
    doc = nlp(SENTENCE)
    ents = {(e.text, e.label_) for e in doc.ents}
    assert ("Tjark Bartels", "PER") in ents
    assert ("Hameln-Pyrmont", "LOC") in ents
    # the names are not merged with their neighbours
    assert not any("Bertelsmann" in e.text and e.label_ == "PER" for e in doc.ents)


@pytest.mark.xfail(strict=False, reason=(
    "raw statistical model: ORG is its weakest label (GermEval-dev ORG F1 ~0.54, see "
    "MODEL_CARD.md); the shipped model misses 'Bertelsmann-Stiftung' here, which the "
    "entities stage's gazetteer/pattern rules are meant to catch"))
def test_report_sentence_org(nlp):
    doc = nlp(SENTENCE)
    assert ("Bertelsmann-Stiftung", "ORG") in {(e.text, e.label_) for e in doc.ents}


def test_upos_nouns(nlp):
    if "morphologizer" not in nlp.pipe_names:
        pytest.skip("model packaged without the UD-trained morphologizer (--no-pos)")
    doc = nlp("Die Stadt Hameln zählt 57.000 Einwohner und 12 Schulen.")
    pos = {t.text: t.pos_ for t in doc}
    assert pos["Stadt"] == pos["Einwohner"] == pos["Schulen"] == "NOUN"
    assert pos["57.000"] == pos["12"] == "NUM"


def test_lemmas(nlp):
    doc = nlp("Die Landräte besuchten die Gemeinden.")
    lemmas = [t.lemma_ for t in doc]
    assert lemmas[1] == "Landrat" and lemmas[2] == "besuchen" and lemmas[4] == "Gemeinde"


def test_loads_without_training_package(tmp_path):
    """The saved pipeline needs spaCy + pipeline.lemmatizer only (no training code)."""
    cfg = (MODEL / "config.cfg").read_text()
    assert "pipeline.training" not in cfg and "/work/" not in cfg


@pytest.mark.shared
def test_germeval_dev_score_matches_meta(nlp):
    if not (DATA / "ner" / "germeval2014" / "NER-de-dev.tsv").exists():
        pytest.skip(f"shared data not found at {DATA} (set PIPELINE_SHARED)")
    from pipeline.training import corpora, evaluate

    res = evaluate.eval_ner(nlp, corpora.load_benchmark(DATA))
    f = res["micro_PER_LOC_ORG"]["f"]
    assert abs(f - nlp.meta["performance"]["germeval2014_dev_micro_PER_LOC_ORG_f"]) < 0.005
    assert f >= 0.70
