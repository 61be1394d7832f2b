"""Issue 15.9: labels are declared once (entities/labels*.yaml); a typo is not a new label."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.lint import label_problem

from .helpers import run, run_cli

DECLARED = {"PER": 1, "LOC": 1, "ORG": 1, "MISC": 1}


@pytest.mark.parametrize("typo, meant", [("ROG", "ORG"), ("PRE", "PER"), ("LCO", "LOC"), ("OGR", "ORG"),
                                         ("MSIC", "MISC"), ("ORGG", "ORG"), ("PR", "PER"), ("org", "ORG"),
                                         ("PERSON", "PER"), ("LOCATION", "LOC")])
def test_typo_labels_name_the_declared_one(typo, meant):
    assert label_problem(typo, DECLARED) == f"unknown label {typo!r} (did you mean {meant}?)"


def test_new_label_must_be_declared():
    assert "is not declared" in label_problem("PROJECT", DECLARED)
    assert label_problem("PROJECT", {**DECLARED, "PROJECT": 1}) is None


def _layer(tmp_path: Path, files: dict[str, str]) -> Path:
    layer = tmp_path / "layer"
    for rel, text in files.items():
        (layer / rel).parent.mkdir(parents=True, exist_ok=True)
        (layer / rel).write_text(text, encoding="utf-8")
    return layer


def test_typo_label_stops_check_and_run(tmp_path, report_corpus, capsys):
    layer = _layer(tmp_path, {"entities/orte.jsonl": '{"label": "LCO", "pattern": "Englisches Viertel"}\n'
                                                     '{"label": "ROG", "pattern": "Buntes Leben"}\n'})
    path = layer / "entities/orte.jsonl"
    assert run_cli("rules", "check", "--model", "blank", "--rules", str(layer)) == 1
    out = capsys.readouterr().out
    assert f"{path}:1: unknown label 'LCO' (did you mean LOC?)" in out
    assert f"{path}:2: unknown label 'ROG' (did you mean ORG?)" in out
    assert run(report_corpus, tmp_path / "out", "--rules", str(layer)) == 1
    assert not (tmp_path / "out").exists()


def test_undeclared_new_label_is_an_error_until_declared(tmp_path, report_corpus, capsys):
    import pandas as pd

    pattern = '{"label": "PROJECT", "pattern": "Buntes Leben"}\n'
    layer = _layer(tmp_path, {"entities/projekte.jsonl": pattern})
    assert run_cli("rules", "check", "--model", "blank", "--rules", str(layer)) == 1
    assert "label 'PROJECT' is not declared" in capsys.readouterr().out
    declared = tmp_path / "declared"  # the same layer with the label declared
    (declared / "entities").mkdir(parents=True)
    (declared / "entities" / "projekte.jsonl").write_text(pattern, encoding="utf-8")
    (declared / "entities" / "labels_projekte.yaml").write_text("labels:\n  PROJECT: Projekte der Stadt\n", encoding="utf-8")
    assert run(report_corpus, tmp_path / "out", "--rules", str(declared)) == 0
    mentions = pd.read_parquet(tmp_path / "out" / "mentions.parquet")
    assert list(mentions.loc[mentions["label"] == "PROJECT", "text"]) == ["Buntes Leben"]


def test_bad_labels_file_names_its_line(tmp_path, capsys):
    layer = _layer(tmp_path, {"entities/labels_x.yaml": "labels:\n  PROJECT: Projekte\n  projekt: klein\n"})
    assert run_cli("rules", "check", "--model", "blank", "--rules", str(layer)) == 1
    out = capsys.readouterr().out
    assert f"{layer / 'entities/labels_x.yaml'}:3: label 'projekt' must be an upper-case identifier" in out
