"""The worked plugin example (docs/plugin-example.md): a licence-plate stage."""

from __future__ import annotations


import pandas as pd
import yaml

from conftest import plates_config
from pipeline.cli import main
from pipeline.config import DEFAULT_CONFIG


def test_plates_stage_end_to_end(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "polizei.txt").write_text(
        "Hameln, 3. März 2024 – Der Fahrer des Wagens HM-AB 123 flüchtete auf der B 1 Richtung Hamm. "
        "Ein zweites Fahrzeug (HAM-Q 7) wurde sichergestellt.", encoding="utf-8")
    cfg_path = plates_config(tmp_path)
    out = tmp_path / "out"
    assert main(["run", "--corpus", str(corpus), "--out", str(out), "--quiet", "--model", "blank", "--config", str(cfg_path)]) == 0
    plates = pd.read_parquet(out / "plates.parquet")
    assert list(plates["text"]) == ["HM-AB 123", "HAM-Q 7"]
    assert list(plates["district"]) == ["Hameln-Pyrmont", "Hamm"]
    assert list(plates.columns[:4]) == ["doc_id", "start_char", "end_char", "text"]
    text = pd.read_parquet(out / "documents.parquet")["text"][0]
    for row in plates.itertuples():
        assert text[row.start_char : row.end_char] == row.text
    assert (out / "plates.csv").exists()
    import duckdb

    con = duckdb.connect(str(out / "pipeline.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM plates").fetchone()[0] == 2
    con.close()


def test_plates_examples_run_in_rules_check(tmp_path, capsys):
    cfg = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    cfg["plugins"] = ["pipeline.plugins.plates"]
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    from pipeline.rulebook import BUILTIN_RULES

    text = BUILTIN_RULES.joinpath("plates/plates.yaml").read_text(encoding="utf-8")
    layer = tmp_path / "layer" / "plates"
    layer.mkdir(parents=True)
    (layer / "plates.yaml").write_text(text.replace("  HAM: Hamm\n", ""), encoding="utf-8")
    code = main(["rules", "check", "--config", str(cfg_path), "--rules", str(tmp_path / "layer")])
    out = capsys.readouterr().out
    assert code == 1
    assert "example 'Zeugen notierten HAM-Q 7 und UL-ZZ 9999.': expected ['HAM-Q 7', 'UL-ZZ 9999'], got ['UL-ZZ 9999']" in out


def test_plugin_table_without_rows_is_written_empty(tmp_path):
    """A corpus in which the plugin finds nothing still gets its (empty) table, in Parquet,
    CSV and DuckDB alike, instead of a failed write."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Am 3. März kamen 40 Gäste nach Hamm.", encoding="utf-8")
    cfg_path = plates_config(tmp_path)
    out = tmp_path / "out"
    assert main(["run", "--corpus", str(corpus), "--out", str(out), "--quiet", "--model", "blank", "--config", str(cfg_path)]) == 0
    assert pd.read_parquet(out / "plates.parquet").empty
    import duckdb

    con = duckdb.connect(str(out / "pipeline.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM plates").fetchone() == (0,)
