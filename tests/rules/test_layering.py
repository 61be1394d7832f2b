"""Rule layering: a user folder replaces same-named built-in files and adds new ones."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.cli import main
from pipeline.rulebook import load_rules

REPO = Path(__file__).resolve().parents[2]


def test_override_and_add(tmp_path):
    layer = tmp_path / "mine"
    (layer / "tokenize").mkdir(parents=True)
    (layer / "tokenize" / "gender_forms.yaml").write_text("markers: ['/']\nsuffixes: [innen]\n", encoding="utf-8")
    (layer / "entities").mkdir()
    (layer / "entities" / "projekte.jsonl").write_text('{"label": "PROJECT", "pattern": "Kuckuck 14"}\n', encoding="utf-8")
    rules = load_rules([layer])
    gender = rules.file("tokenize/gender_forms.yaml")
    assert gender.path == (layer / "tokenize" / "gender_forms.yaml").resolve() and gender.layer == str(layer.resolve())
    assert rules.yaml("tokenize/gender_forms.yaml")["markers"] == ["/"]
    added = rules.file("entities/projekte.jsonl")
    assert added is not None and added.layer != "builtin"
    assert rules.file("dates/months.yaml").layer == "builtin"
    # two layers: the later one wins
    second = tmp_path / "second"
    (second / "tokenize").mkdir(parents=True)
    (second / "tokenize" / "gender_forms.yaml").write_text("markers: [':']\nsuffixes: [innen]\n", encoding="utf-8")
    assert load_rules([layer, second]).yaml("tokenize/gender_forms.yaml")["markers"] == [":"]


def test_override_changes_behaviour_and_run_json_lists_checksums(tmp_path):
    layer = tmp_path / "mine"
    (layer / "tokenize").mkdir(parents=True)
    # only the slash form is a gender form in this layer: `Bürger:innen` splits again
    (layer / "tokenize" / "gender_forms.yaml").write_text("markers: ['/']\nsuffixes: [innen]\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Die Bürger:innen und Kolleg/innen kamen.", encoding="utf-8")
    out_builtin, out_layer = tmp_path / "o1", tmp_path / "o2"
    assert main(["run", "--corpus", str(corpus), "--out", str(out_builtin), "--quiet", "--model", "blank"]) == 0
    assert main(["run", "--corpus", str(corpus), "--out", str(out_layer), "--quiet", "--model", "blank", "--rules", str(layer)]) == 0
    n1 = pd.read_parquet(out_builtin / "documents.parquet")["n_tokens"][0]
    n2 = pd.read_parquet(out_layer / "documents.parquet")["n_tokens"][0]
    assert n2 == n1 + 2  # `Bürger`, `:`, `innen`
    info = json.loads((out_layer / "run.json").read_text(encoding="utf-8"))
    used = {r["file"]: r for r in info["rules"]}
    assert used["tokenize/gender_forms.yaml"]["layer"] == str(layer.resolve())
    assert len(used["tokenize/gender_forms.yaml"]["sha256"]) == 64
    assert used["dates/months.yaml"]["layer"] == "builtin"
