"""Additive rule layers: a user file that `extends:` a built-in one adds (and removes)
entries instead of replacing the file; checked by `rules check`, listed in run.json."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.checks import check_rules
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.rulebook import load_rules

TEXT = "Die Ombudsfrau Petra Lorenz ließ 12 Klafter Holz nach Hamm bringen.\n"


def _layer(tmp_path: Path) -> Path:
    layer = tmp_path / "mine"
    (layer / "roles").mkdir(parents=True)
    (layer / "figures").mkdir()
    # one new role, in three lines
    (layer / "roles" / "more_roles.yaml").write_text(
        "extends: roles/roles.yaml\nadd:\n  roles: {Ombudsperson: [Ombudsfrau, Ombudsmann]}\n", encoding="utf-8")
    # one new unit (same path as the built-in file: it still adds, it does not replace)
    (layer / "figures" / "units.yaml").write_text(
        "extends: figures/units.yaml\nadd:\n  measures: {klafter: Klafter}\n", encoding="utf-8")
    return layer


def test_additions_reach_the_tables_and_run_json(tmp_path):
    layer = _layer(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bericht.txt").write_text(TEXT, encoding="utf-8")
    plain, layered = tmp_path / "plain", tmp_path / "layered"
    assert main(["run", "--corpus", str(corpus), "--out", str(plain), "--quiet", "--model", "blank"]) == 0
    assert main(["run", "--corpus", str(corpus), "--out", str(layered), "--quiet", "--model", "blank",
                 "--rules", str(layer)]) == 0
    before = pd.read_parquet(plain / "figures.parquet").set_index("text")
    after = pd.read_parquet(layered / "figures.parquet").set_index("text")
    assert before.loc["12 Klafter", "kind"] == "count"
    assert (after.loc["12 Klafter", "kind"], after.loc["12 Klafter", "unit"]) == ("measure", "Klafter")
    roles = pd.read_parquet(layered / "roles.parquet")
    assert ("Petra Lorenz", "Ombudsperson") in set(zip(roles.person, roles.role))
    assert pd.read_parquet(plain / "roles.parquet").empty
    info = json.loads((layered / "run.json").read_text(encoding="utf-8"))
    ext = {r["file"]: r for r in info["rules"] if "extends" in r}
    assert ext["roles/more_roles.yaml"]["extends"] == "roles/roles.yaml"
    assert ext["roles/more_roles.yaml"]["layer"] == str(layer.resolve())
    # the built-in files stay in force underneath
    builtin = {r["file"]: r["layer"] for r in info["rules"] if "extends" not in r}
    assert builtin["roles/roles.yaml"] == builtin["figures/units.yaml"] == "builtin"


def test_merge_keeps_every_builtin_entry_and_removes_on_request(tmp_path):
    layer = _layer(tmp_path)
    (layer / "roles" / "less.yaml").write_text(
        "extends: roles/roles.yaml\nremove:\n  roles: [Kapitän]\n  suffixes: [sprecher]\n", encoding="utf-8")
    builtin = load_rules([]).yaml("roles/roles.yaml")
    merged = load_rules([layer]).yaml("roles/roles.yaml")
    assert merged["roles"]["Ombudsperson"] == ["Ombudsfrau", "Ombudsmann"]
    assert "Kapitän" in builtin["roles"] and "Kapitän" not in merged["roles"]
    assert set(merged["roles"]) == set(builtin["roles"]) - {"Kapitän"} | {"Ombudsperson"}
    assert "sprecher" not in merged["suffixes"]
    assert "Kapitän" in load_rules([]).yaml("roles/roles.yaml")["roles"]  # the built-in data is untouched


def test_plain_list_extension(tmp_path):
    layer = tmp_path / "mine"
    (layer / "entities" / "lexicons").mkdir(parents=True)
    builtin = [e for _, e in load_rules([]).lines("entities/lexicons/titles.txt")]
    (layer / "entities" / "lexicons" / "titles_extra.txt").write_text(
        f"# extends: entities/lexicons/titles.txt\nKammersänger\n-{builtin[0]}\n", encoding="utf-8")
    merged = [e for _, e in load_rules([layer]).lines("entities/lexicons/titles.txt")]
    assert merged == builtin[1:] + ["Kammersänger"]
    assert load_rules([layer]).file("entities/lexicons/titles_extra.txt") is None  # not a list of its own


@pytest.mark.parametrize("body,message", [
    ("extends: roles/roles.yaml\nremove:\n  roles: [Nichtda]\n", "roles.yaml:3: remove: key 'Nichtda' is not in the extended file"),
    ("extends: roles/roles.yaml\nadd:\n  roles: {A: [A]}\nreplace: 1\n", "x.yaml:4: unknown key 'replace'"),
    ("extends: roles/nichtda.yaml\nadd: {a: 1}\n", "x.yaml:1: extends 'roles/nichtda.yaml', which is in no rules layer"),
    ("extends: roles/roles.yaml\nadd:\n  roles: [Kapitän]\n", "x.yaml:3: cannot add a LineList to a LineDict"),
])
def test_rules_check_reports_bad_extensions(tmp_path, body, message, capsys):
    layer = tmp_path / "bad"
    (layer / "roles").mkdir(parents=True)
    (layer / "roles" / ("roles.yaml" if "Nichtda]" in body else "x.yaml")).write_text(body, encoding="utf-8")
    problems = [p.format() for p in check_rules(load_config(model="blank", rules=[str(layer)]), run_examples=False)]
    assert any(message in p for p in problems), problems
    assert main(["rules", "check", "--model", "blank", "--rules", str(layer)]) == 1
