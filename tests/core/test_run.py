"""End to end: corpus folder -> every contract table, errors, determinism, cache."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main

REPO = Path(__file__).resolve().parents[2]

# Required columns of the output contract (shared/docs/output-contract.md, v1).
CONTRACT = {
    "documents": ["doc_id", "path", "text", "doc_date", "doc_date_source", "n_tokens", "n_sentences", "sha256"],
    "metadata": ["doc_id", "key", "value"],
    "mentions": ["doc_id", "mention_id", "start_char", "end_char", "text", "label", "canonical", "entity_id"],
    "entities": ["entity_id", "label", "canonical", "n_mentions", "n_docs"],
    "dates": ["doc_id", "start_char", "end_char", "text", "type", "value", "granularity", "modifier"],
    "figures": ["doc_id", "start_char", "end_char", "text", "value", "value_max", "qualifier", "unit", "kind"],
    "errors": ["path", "stage", "error", "message"],
}
OFFSET_TABLES = ("metadata", "mentions", "dates", "figures")


def run(corpus: Path, out: Path, *extra: str) -> int:
    return main(["run", "--corpus", str(corpus), "--out", str(out), "--quiet", *extra])


@pytest.fixture(scope="module")
def seed_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("seed_out")
    assert run(REPO / "corpus", out) == 0
    return out


def test_every_contract_table_with_required_columns(seed_out):
    import duckdb

    con = duckdb.connect(str(seed_out / "pipeline.duckdb"), read_only=True)
    for table, cols in CONTRACT.items():
        pq = pd.read_parquet(seed_out / f"{table}.parquet")
        csv = pd.read_csv(seed_out / f"{table}.csv")
        assert list(pq.columns[: len(cols)]) == cols, table
        assert list(csv.columns) == list(pq.columns), table
        db_cols = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
        assert db_cols == list(pq.columns), table
        assert con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == len(pq)
    con.close()


def test_seed_documents(seed_out):
    docs = pd.read_parquet(seed_out / "documents.parquet").set_index("doc_id")
    assert list(docs.index) == ["000_f50a456bb0825fba", "004_b558a796c9db3dcc"]
    assert docs.loc["000_f50a456bb0825fba", "doc_date"] == date(2018, 11, 11)  # typed (contract v2)
    assert docs.loc["000_f50a456bb0825fba", "doc_date_source"] == "text"
    assert (docs["n_tokens"] > 250).all() and (docs["n_sentences"] > 10).all()
    raw = (REPO / "corpus" / "000_f50a456bb0825fba.txt").read_text(encoding="utf-8")
    stored = docs.loc["000_f50a456bb0825fba", "text"]
    assert "\u00a0" in raw and "\u00a0" not in stored  # no-break spaces become spaces ...
    assert stored == raw.replace("\u00a0", " ")  # ... and nothing else changes


def test_seed_metadata(seed_out):
    meta = pd.read_parquet(seed_out / "metadata.parquet")
    pairs = set(zip(meta["doc_id"], meta["key"], meta["value"]))
    assert ("004_b558a796c9db3dcc", "Ort", "Hamm") in pairs
    assert ("004_b558a796c9db3dcc", "Uhrzeit", "16:00") in pairs
    assert ("004_b558a796c9db3dcc", "Analysierte Kommentare in sozialen Medien", "147") in pairs


def test_run_json(seed_out):
    info = json.loads((seed_out / "run.json").read_text(encoding="utf-8"))
    assert info["contract_version"] == "2"
    assert info["counts"]["documents"] == 2
    assert info["model"]["kind"] in {"official", "embedded", "blank"}
    assert any(r["file"] == "tokenize/gender_forms.yaml" for r in info["rules"])
    assert {"ingest", "tokenize"} <= set(info["timings_seconds"])


def _offsets_hold(out: Path) -> None:
    docs = pd.read_parquet(out / "documents.parquet").set_index("doc_id")["text"]
    for table in OFFSET_TABLES:
        df = pd.read_parquet(out / f"{table}.parquet")
        col = "value" if table == "metadata" else "text"
        for row in df.itertuples():
            text = docs[row.doc_id]
            assert text[row.start_char : row.end_char] == getattr(row, col), (table, row)


def test_seed_offsets_slice_the_stored_text(seed_out):
    _offsets_hold(seed_out)


@pytest.fixture()
def messy_corpus(tmp_path) -> Path:
    c = tmp_path / "messy"
    (c / "2024" / "nested").mkdir(parents=True)
    (c / "koeln.txt").write_bytes("Grüße aus Köln. Oberbürgermeisterin Henriette Reker besuchte am 3. März 2024 das Rathaus.".encode("cp1252"))
    (c / "bom.txt").write_bytes("\ufeffÜber 20 Bürger:innen trafen sich am Montag in Wien.".encode("utf-8"))
    (c / "empty.txt").write_bytes(b"")
    (c / "bild.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10")
    (c / "2024" / "nested" / "bericht.md").write_bytes("Hamm, 14. März 2025 – Die Stadt Hamm plant.\nMehr als 40 Initiativen.".encode())
    (c / "crlf.txt").write_bytes("Erste Zeile in Ulm.\r\nZweite Zeile mit 1,5 Mio. Euro.\r\n".encode())
    (c / "notes.csv").write_text("ignored,file\n", encoding="utf-8")
    return c


def test_messy_corpus(messy_corpus, tmp_path):
    out = tmp_path / "out"
    assert run(messy_corpus, out, "--model", "blank") == 0
    docs = pd.read_parquet(out / "documents.parquet").set_index("doc_id")
    assert sorted(docs.index) == ["2024/nested/bericht", "bom", "crlf", "empty", "koeln"]
    assert docs.loc["koeln", "text"].startswith("Grüße aus Köln.")
    assert docs.loc["bom", "text"].startswith("Über 20 Bürger:innen")
    assert docs.loc["crlf", "text"] == "Erste Zeile in Ulm.\nZweite Zeile mit 1,5 Mio. Euro.\n"
    assert docs.loc["empty", "text"] == "" and docs.loc["empty", "n_tokens"] == 0
    assert docs.loc["2024/nested/bericht", "doc_date"] == date(2025, 3, 14)
    assert docs.loc["2024/nested/bericht", "path"] == "2024/nested/bericht.md"
    errors = pd.read_parquet(out / "errors.parquet")
    # every path is accounted for: a file of another type is an errors row, not silence
    assert list(errors["path"]) == ["bild.txt", "notes.csv"]
    assert errors.loc[0, "error"] == "binary" and errors.loc[0, "stage"] == "ingest"
    assert errors.loc[1, "error"] == "unsupported"
    _offsets_hold(out)


def test_rerun_is_byte_identical_and_cached(messy_corpus, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert run(messy_corpus, a, "--model", "blank") == 0
    assert run(messy_corpus, b, "--model", "blank", "--no-cache") == 0
    for f in sorted(a.glob("*.parquet")) + sorted(a.glob("*.csv")):
        assert f.read_bytes() == (b / f.name).read_bytes(), f.name
    # second run into the same folder reuses every shard: no document is processed again
    # (a document that failed, the binary `bild.txt`, is reused with its errors row)
    assert run(messy_corpus, a, "--model", "blank") == 0
    info = json.loads((a / "run.json").read_text(encoding="utf-8"))
    assert info["documents_from_cache"] == 6 and info["documents_processed"] == 0
    assert info["shards"]["processed"] == 0 and info["shards"]["total"] >= 1
    for f in sorted(a.glob("*.parquet")):
        assert f.read_bytes() == (b / f.name).read_bytes(), f.name


def test_workers_give_the_same_tables(messy_corpus, tmp_path):
    # enough documents for several batches
    for i in range(40):
        (messy_corpus / f"kopie_{i:02d}.txt").write_text(f"Bericht {i}: Mehr als {i} Bürger trafen sich in Hamm.", encoding="utf-8")
    one, two = tmp_path / "one", tmp_path / "two"
    assert run(messy_corpus, one, "--model", "blank", "--no-cache") == 0
    assert run(messy_corpus, two, "--model", "blank", "--no-cache", "--workers", "2") == 0
    for f in sorted(one.glob("*.parquet")):
        assert f.read_bytes() == (two / f.name).read_bytes(), f.name


def test_missing_corpus_is_one_line_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        run(tmp_path / "nope", tmp_path / "out")
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: corpus folder not found") and "\n" not in err
    assert not (tmp_path / "out").exists()


def test_bad_metadata_csv_is_exit_2(messy_corpus, tmp_path, capsys):
    (messy_corpus / "metadata.csv").write_text("doc_id,doc_date\nkoeln,03/03/2024\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        run(messy_corpus, tmp_path / "out", "--model", "blank")
    assert exc.value.code == 2
    assert "metadata.csv:2: doc_date must be ISO" in capsys.readouterr().err


def test_metadata_csv_sets_doc_date(messy_corpus, tmp_path):
    (messy_corpus / "metadata.csv").write_text("doc_id,doc_date,source\nkoeln,2024-03-05,Stadt Köln\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(messy_corpus, out, "--model", "blank") == 0
    docs = pd.read_parquet(out / "documents.parquet").set_index("doc_id")
    assert docs.loc["koeln", "doc_date"] == date(2024, 3, 5)
    assert docs.loc["koeln", "doc_date_source"] == "metadata"
    assert docs.loc["koeln", "source"] == "Stadt Köln"


def test_unwritable_output_is_exit_2(messy_corpus, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SystemExit) as exc:
        run(messy_corpus, blocker / "out", "--model", "blank")
    assert exc.value.code == 2
    assert "cannot write to output folder" in capsys.readouterr().err


def test_only_binary_documents_exit_3(tmp_path):  # issue 13: distinct from 1 (bad rules)
    c = tmp_path / "c"
    c.mkdir()
    (c / "x.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert run(c, tmp_path / "out", "--model", "blank") == 3
    assert len(pd.read_parquet(tmp_path / "out" / "errors.parquet")) == 1


def test_failing_stage_isolates_the_document(messy_corpus, tmp_path):
    """A crash inside a stage for one document lands in `errors`; the others are written."""
    from spacy.language import Language

    if "test_crash_on_marker" not in Language.factories:

        @Language.component("test_crash_on_marker")
        def crash(doc):
            if "Zweite Zeile" in doc.text:
                raise RuntimeError("boom in test stage")
            return doc

    import yaml

    from pipeline.config import DEFAULT_CONFIG

    cfg = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    cfg["stages"] = cfg["stages"] + ["test_crash_on_marker"]
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    out = tmp_path / "out"
    assert run(messy_corpus, out, "--model", "blank", "--no-cache", "--config", str(cfg_path)) == 0
    errors = pd.read_parquet(out / "errors.parquet").set_index("path")
    assert set(errors.index) == {"bild.txt", "crlf.txt", "notes.csv"}
    assert errors.loc["crlf.txt", "stage"] == "test_crash_on_marker"
    assert errors.loc["crlf.txt", "message"] == "boom in test stage"
    assert len(pd.read_parquet(out / "documents.parquet")) == 4
