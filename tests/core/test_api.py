"""The Python API: extract (same rows as a run), Pipeline reuse, typed load/connect."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

import pipeline
from pipeline.api import Pipeline, connect, load
from pipeline.cli import main

TEXT = (
    "Hameln, 12. März 2019 – Landrat Tjark Bartels eröffnete im Kreishaus die Ausstellung. "
    "Seit Januar 2019 haben über 2.113 Initiativen mitgemacht.\n"
)
DTYPES = {
    "documents": {"doc_id": "string", "doc_date": "datetime64[s]", "n_tokens": "Int64"},
    "mentions": {"start_char": "Int64", "label": "string", "canonical": "string"},
    "dates": {"value": "string", "begin": "datetime64[us]", "end": "datetime64[us]", "start_char": "Int64"},
    "figures": {"value": "float64", "value_max": "float64", "unit": "string"},
    "entities": {"n_docs": "Int64", "roles": "object"},
}


@pytest.fixture(scope="module")
def blank() -> Pipeline:
    return Pipeline(model="blank")


@pytest.fixture(scope="module")
def run_out(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("api_corpus")
    (corpus / "text.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path_factory.mktemp("api_out")
    assert main(["run", "--corpus", str(corpus), "--out", str(out), "--quiet", "--model", "blank", "--no-cache"]) == 0
    return out


def _assert_dtypes(tables):
    for name, cols in DTYPES.items():
        for col, dtype in cols.items():
            assert str(tables[name][col].dtype) == dtype, (name, col, tables[name][col].dtype)


def test_extract_gives_the_rows_a_run_writes(blank, run_out):
    got = blank.extract(TEXT)
    ran = load(run_out)
    assert list(got) == list(ran)
    for name in ("metadata", "mentions", "entities", "roles", "dates", "figures", "errors"):
        pd.testing.assert_frame_equal(got[name], ran[name], check_dtype=True, obj=name)
    docs = got["documents"].drop(columns=["path"])
    pd.testing.assert_frame_equal(docs, ran["documents"].drop(columns=["path"]))
    assert got["documents"].loc[0, "doc_date"] == pd.Timestamp("2019-03-12")


def test_extract_and_load_are_typed(blank, run_out):
    _assert_dtypes(blank.extract(TEXT))
    t = load(run_out)
    _assert_dtypes(t)
    jan = t["dates"][t["dates"].text.str.contains("Januar")].iloc[0]
    assert (jan.begin, jan.end) == (datetime(2019, 1, 1), datetime(2019, 2, 1))
    bartels = t["entities"][t["entities"].canonical == "Tjark Bartels"].iloc[0]
    assert bartels.roles == ["Landrat"]


def test_doc_date_anchors_relative_dates(blank):
    t = blank.extract("Am Montag kam Bürgermeister Hans Meyer nach Ulm.", doc_date="2018-11-11")
    monday = t["dates"].iloc[0]
    assert monday.value == "2018-11-05" and monday.begin == datetime(2018, 11, 5)
    assert t["documents"].loc[0, "doc_date_source"] == "metadata"


def test_pipeline_reuses_its_model_over_many_texts(blank):
    nlp_before = blank.nlp
    many = blank.extract_many(["Die Stadt Ulm hat 120 Mitarbeiter.", "In Wien kamen 300 Besucher."])
    assert blank.nlp is nlp_before
    assert list(many["documents"].doc_id) == ["text-0001", "text-0002"]
    assert set(many["figures"].doc_id) == {"text-0001", "text-0002"}
    with pytest.raises(ValueError):
        blank.extract_many(["a", "b"], doc_ids=["x", "x"])


def test_module_level_extract_with_rules_layer(tmp_path):
    (tmp_path / "roles").mkdir()
    (tmp_path / "roles" / "extra.yaml").write_text(
        "extends: roles/roles.yaml\nadd:\n  roles:\n    Ombudsperson: [Ombudsfrau, Ombudsmann]\n",
        encoding="utf-8")
    t = pipeline.extract("Die Ombudsfrau Petra Lorenz lobte das Projekt in Hamm.", rules=str(tmp_path))
    assert set(t) >= {"documents", "mentions", "dates", "figures", "errors"}
    roles = t["roles"]
    assert ("Petra Lorenz", "Ombudsperson") in set(zip(roles.person, roles.role))


def test_connect_is_read_only_with_views(run_out):
    con = connect(run_out)
    assert con.execute("SELECT count(*) FROM timeline").fetchone()[0] >= 1
    with pytest.raises(Exception):
        con.execute("DELETE FROM documents")
    con.close()


def test_load_refuses_a_folder_without_a_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="no run.json"):
        load(tmp_path)
