"""A new entity label, declared once and used in a user rule file, flows to mentions and entities (no code)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.cli import main

REPO = Path(__file__).resolve().parents[2]


def test_project_label_on_seed_corpus(tmp_path):
    layer = tmp_path / "analyst_rules"
    (layer / "entities").mkdir(parents=True)
    (layer / "entities" / "labels_projekte.yaml").write_text("labels:\n  PROJECT: Projekte der Stadt\n", encoding="utf-8")
    (layer / "entities" / "projekte.jsonl").write_text(
        '{"label": "PROJECT", "pattern": "Buntes Leben im Englischen Viertel"}\n'
        '{"label": "PROJECT", "pattern": "Wohnprojekt Buntes Leben", "id": "Buntes Leben im Englischen Viertel"}\n'
        '{"label": "PROJECT", "pattern": [{"TEXT": "Kuckuck"}, {"TEXT": "14"}], "id": "kuckuck-14"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["run", "--corpus", str(REPO / "corpus"), "--out", str(out), "--quiet", "--rules", str(layer)]) == 0
    mentions = pd.read_parquet(out / "mentions.parquet")
    projects = mentions[mentions["label"] == "PROJECT"]
    assert sorted(projects["text"]) == ["Buntes Leben im Englischen Viertel", "Kuckuck 14"]
    assert all(projects["doc_id"] == "000_f50a456bb0825fba")
    sources = dict(zip(projects["text"], projects["source"]))
    assert sources["Kuckuck 14"] == "rule:kuckuck-14"  # a token pattern's id names the rule
    assert sources["Buntes Leben im Englischen Viertel"] == "rule:projekte"
    entities = pd.read_parquet(out / "entities.parquet")
    rows = entities[entities["label"] == "PROJECT"].set_index("canonical")
    assert rows.loc["Buntes Leben im Englischen Viertel", "n_mentions"] == 1
    assert rows.loc["Kuckuck 14", "n_docs"] == 1
    # a phrase pattern's id is the canonical form: another surface, the same entity
    (corpus := tmp_path / "c").mkdir()
    (corpus / "a.txt").write_text("Das Wohnprojekt Buntes Leben wurde 2018 ausgezeichnet.", encoding="utf-8")
    assert main(["run", "--corpus", str(corpus), "--out", str(tmp_path / "o2"), "--quiet", "--rules", str(layer)]) == 0
    other = pd.read_parquet(tmp_path / "o2" / "mentions.parquet")
    row = other[other["label"] == "PROJECT"].iloc[0]
    assert row["text"] == "Wohnprojekt Buntes Leben" and row["canonical"] == "Buntes Leben im Englischen Viertel"
    assert row["entity_id"] == rows.loc["Buntes Leben im Englischen Viertel", "entity_id"]
    # the words inside the project name are not also reported as another entity
    inner = mentions[(mentions["start_char"] >= projects["start_char"].min()) & (mentions["label"] != "PROJECT")]
    for p in projects.itertuples():
        assert not ((inner["start_char"] < p.end_char) & (inner["end_char"] > p.start_char)).any()
