"""Downstream stages work with a model shaped like de_core_news_sm (parser, tagger,
morphologizer, attribute ruler, NER) — the official model cannot be installed here, so
a tiny pipeline with the same components is trained on two sentences and loaded by path.
Its predictions are poor on purpose: the point is that nothing crashes and every table
keeps its contract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import spacy
from spacy.training import Example

from pipeline.cli import main

REPO = Path(__file__).resolve().parents[2]

TRAIN = [
    ("Landrat Tjark Bartels besuchte Hameln .",
     {"tags": ["NN", "NE", "NE", "VVFIN", "NE", "$."],
      "pos": ["NOUN", "PROPN", "PROPN", "VERB", "PROPN", "PUNCT"],
      "morphs": ["Case=Nom", "Case=Nom", "Case=Nom", "Mood=Ind", "Case=Acc", ""],
      "heads": [2, 2, 3, 3, 3, 3], "deps": ["nk", "pnc", "sb", "ROOT", "oa", "punct"],
      "entities": ["O", "B-PER", "L-PER", "O", "U-LOC", "O"]}),
    ("Über 40 Initiativen trafen sich in Hamm .",
     {"tags": ["APPR", "CARD", "NN", "VVFIN", "PRF", "APPR", "NE", "$."],
      "pos": ["ADP", "NUM", "NOUN", "VERB", "PRON", "ADP", "PROPN", "PUNCT"],
      "morphs": ["", "", "Case=Nom|Number=Plur", "Mood=Ind", "", "", "Case=Dat", ""],
      "heads": [1, 2, 3, 3, 3, 3, 5, 3], "deps": ["mo", "nk", "sb", "ROOT", "oa", "mo", "nk", "punct"],
      "entities": ["O", "O", "O", "O", "O", "O", "U-LOC", "O"]}),
]


@pytest.fixture(scope="module")
def core_like_model(tmp_path_factory) -> Path:
    nlp = spacy.blank("de")
    for name in ("tok2vec", "tagger", "morphologizer", "parser", "attribute_ruler", "ner"):
        nlp.add_pipe(name)
    examples = []
    for text, ann in TRAIN:
        doc = nlp.make_doc(text)
        examples.append(Example.from_dict(doc, ann))
    nlp.initialize(lambda: examples)
    for _ in range(5):
        # the parser stays at its initial weights (its arbitrary parses are what we want
        # to survive); updating it on two toy sentences is not worth the gold-oracle fuss
        nlp.update(examples, exclude=["parser"])
    nlp.meta["name"] = "core_like_test"
    path = tmp_path_factory.mktemp("model") / "core_like"
    nlp.to_disk(path)
    return path


@pytest.mark.filterwarnings("ignore:.*W036")
def test_pipeline_runs_with_parser_model(core_like_model, tmp_path):
    out = tmp_path / "out"
    assert main(["run", "--corpus", str(REPO / "corpus"), "--out", str(out), "--quiet", "--model", str(core_like_model)]) == 0
    assert len(pd.read_parquet(out / "errors.parquet")) == 0
    docs = pd.read_parquet(out / "documents.parquet")
    assert len(docs) == 2 and (docs["n_sentences"] > 0).all()
    # the rule layers still deliver the seed figures and dates whatever the model says
    figures = pd.read_parquet(out / "figures.parquet")
    assert {"Initiative", "%"} <= set(figures["unit"])
    dates = pd.read_parquet(out / "dates.parquet")
    assert "2018-11-08/2018-11-11" in set(dates["value"])
    import json

    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["model"]["kind"] == "custom"
    assert "parser" in info["model"]["components"]
