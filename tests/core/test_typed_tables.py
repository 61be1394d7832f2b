"""Output contract v2: typed Parquet/DuckDB tables from the data dictionary, NULL never '',
list columns, dates.begin/end, comments and keys, OUT/README.md, the CSV convention."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import schema as S
from pipeline.cli import main

from conftest import SHARED, needs_shared

REPORT = (
    "Hameln, 12. März 2019 – Landrat Tjark Bartels eröffnete im Kreishaus Hameln die Ausstellung. "
    "Seit Januar 2019 haben über 2.113 Initiativen mitgemacht, im zweiten Quartal sollen es 3.000 sein. "
    "Im Sommer 2018 lag die Beteiligung bei 70 Prozent. In den 80er Jahren gab es keine Förderung. "
    "Die Sitzung findet jeden Montag statt.\n"
)


@pytest.fixture(scope="module")
def typed_out(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("typed_corpus")
    (corpus / "hameln.txt").write_text(REPORT, encoding="utf-8")
    (corpus / "ohne_datum.txt").write_text("Am 24. Dezember kam der Bürgermeister Hans Meyer nach Ulm.\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("typed_out")
    assert main(["run", "--corpus", str(corpus), "--out", str(out), "--quiet", "--model", "blank"]) == 0
    return out


def test_parquet_schemas_follow_the_data_dictionary(typed_out):
    for name, table in S.TABLES.items():
        schema = pq.read_schema(typed_out / f"{name}.parquet")
        assert schema.names[: len(table.columns)] == table.names, name
        assert schema.metadata[b"contract_version"] == b"2"
        for col in table.columns:
            field = schema.field(col.name)
            assert field.type == col.type, (name, col.name)
            assert field.metadata[b"description"].decode() == col.description


def test_typed_values(typed_out):
    docs = pd.read_parquet(typed_out / "documents.parquet").set_index("doc_id")
    assert docs.loc["hameln", "doc_date"] == date(2019, 3, 12)
    assert docs.loc["ohne_datum", "doc_date"] is None
    dates = pd.read_parquet(typed_out / "dates.parquet")
    assert str(dates["begin"].dtype).startswith("datetime64") and str(dates["end"].dtype).startswith("datetime64")
    by_text = {r.text: r for r in dates.itertuples()}
    january = next(r for t, r in by_text.items() if "Januar 2019" in t)
    assert (january.begin, january.end) == (datetime(2019, 1, 1), datetime(2019, 2, 1))
    q2 = next(r for t, r in by_text.items() if "Quartal" in t)
    assert (q2.value, q2.begin, q2.end) == ("2019-Q2", datetime(2019, 4, 1), datetime(2019, 7, 1))
    summer = next(r for t, r in by_text.items() if "Sommer" in t)
    assert (summer.begin, summer.end) == (datetime(2018, 6, 1), datetime(2018, 9, 1))
    eighties = next(r for t, r in by_text.items() if "80er" in t)
    assert (eighties.value, eighties.begin, eighties.end) == ("198", datetime(1980, 1, 1), datetime(1990, 1, 1))
    # without a document date the year of `24. Dezember` is unknown: NULL, never a guess
    xmas = dates[dates.doc_id == "ohne_datum"].iloc[0]
    assert xmas["value"] == "XXXX-12-24" and pd.isna(xmas["begin"]) and pd.isna(xmas["end"])
    # `WHERE begin BETWEEN ...` just works
    con = duckdb.connect(str(typed_out / "pipeline.duckdb"), read_only=True)
    n = con.execute("SELECT count(*) FROM dates WHERE begin BETWEEN TIMESTAMP '2019-01-01' AND TIMESTAMP '2019-12-31'").fetchone()[0]
    assert n >= 3
    con.close()


def test_null_never_empty_string(typed_out):
    for name, table in S.TABLES.items():
        t = pq.read_table(typed_out / f"{name}.parquet")
        for col in table.columns:
            if col.type == S.STR and col.nullable:
                assert "" not in t.column(col.name).to_pylist(), (name, col.name)
    dates = pd.read_parquet(typed_out / "dates.parquet")
    assert dates["modifier"].isna().any()  # `modifier` NULL, not ''


def test_list_columns_are_lists_in_parquet_and_duckdb_and_joined_in_csv(typed_out):
    ents = pq.read_table(typed_out / "entities.parquet")
    for col in ("roles", "surface_forms", "sources"):
        assert ents.schema.field(col).type == pa.list_(pa.string())
    rows = ents.to_pylist()
    bartels = next(r for r in rows if r["canonical"] == "Tjark Bartels")
    assert bartels["roles"] == ["Landrat"] and bartels["surface_forms"][0] == "Tjark Bartels"
    con = duckdb.connect(str(typed_out / "pipeline.duckdb"), read_only=True)
    assert con.execute("SELECT data_type FROM information_schema.columns WHERE table_name='entities' AND column_name='roles'").fetchone()[0] == "VARCHAR[]"
    assert con.execute("SELECT canonical FROM entities WHERE list_contains(roles, 'Landrat')").fetchall() == [("Tjark Bartels",)]
    con.close()
    with open(typed_out / "entities.csv", encoding="utf-8") as f:
        csv_rows = {r["canonical"]: r for r in csv.DictReader(f)}
    assert csv_rows["Tjark Bartels"]["roles"] == "Landrat"
    assert csv_rows["Ulm"]["roles"] == ""  # empty field = NULL


def test_csv_convention(typed_out):
    docs = pd.read_csv(typed_out / "documents.csv", keep_default_na=False).set_index("doc_id")
    assert docs.loc["hameln", "doc_date"] == "2019-03-12" and docs.loc["ohne_datum", "doc_date"] == ""
    dates = pd.read_csv(typed_out / "dates.csv", keep_default_na=False)
    assert any(v.startswith("2019-01-01T00:00:00") for v in dates["begin"])
    # an all-empty column must not turn ints into floats in CSV
    figures = pd.read_csv(typed_out / "figures.csv")
    assert figures["start_char"].dtype == "int64"


def test_duckdb_comments_keys_and_views(typed_out):
    con = duckdb.connect(str(typed_out / "pipeline.duckdb"), read_only=True)
    comment = con.execute("SELECT comment FROM duckdb_columns() WHERE table_name='dates' AND column_name='begin'").fetchone()[0]
    assert comment == S.TABLES["dates"].column("begin").description
    assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name='documents'").fetchone()[0]
    pks = {r[0]: r[1] for r in con.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE constraint_type='PRIMARY KEY'").fetchall()}
    assert pks == {"documents": ["doc_id"], "mentions": ["mention_id"], "entities": ["entity_id"]}
    assert con.execute("SELECT data_type FROM information_schema.columns WHERE table_name='documents' AND column_name='doc_date'").fetchone()[0] == "DATE"
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert set(S.VIEWS) <= views
    # every documented reference joins
    for name, table in S.TABLES.items():
        for col, (other, other_col) in table.references.items():
            orphans = con.execute(f'SELECT count(*) FROM "{name}" x WHERE x."{col}" IS NOT NULL AND x."{col}" NOT IN '
                                  f'(SELECT "{other_col}" FROM "{other}")').fetchone()[0]
            assert orphans == 0, (name, col)
    con.close()


def test_out_readme_is_the_data_dictionary(typed_out):
    readme = (typed_out / "README.md").read_text(encoding="utf-8")
    for name, table in S.TABLES.items():
        assert f"## `{name}`" in readme
        for col in table.columns:
            assert f"| `{col.name}` |" in readme
    assert "| `begin` | TIMESTAMP | yes | v2 |" in readme


def test_committed_outputs_readme_is_current(repo):
    assert (repo / "outputs" / "README.md").read_text(encoding="utf-8") == S.render_readme()


@needs_shared("data", "text", "10kgnad-test.csv")
def test_dates_with_a_year_get_a_begin_on_10kgnad(tmp_path):
    from pipeline.temporal.bounds import coverage

    corpus = tmp_path / "gnad"
    corpus.mkdir()
    with open(SHARED / "data" / "text" / "10kgnad-test.csv", encoding="utf-8") as f:
        for i, row in enumerate(csv.reader(f, delimiter=";", quotechar="'")):
            if i == 40:
                break
            (corpus / f"{i:03d}.txt").write_text(row[1], encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", "--corpus", str(corpus), "--out", str(out), "--quiet", "--model", "blank"]) == 0
    cov = coverage(pd.read_parquet(out / "dates.parquet").to_dict("records"))
    assert cov["anchored"] > 20 and cov["share"] >= 0.95, cov
