"""Issue 15.1: metadata.csv never loses a document silently."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from .helpers import run, run_cli


@pytest.mark.parametrize("date", ["2024-13-45", "2024-02-30", "2023-02-29", "2024-00-10"])
def test_impossible_date_stops_the_run_before_processing(tmp_path, report_corpus, capsys, date):
    (report_corpus / "metadata.csv").write_text(f"doc_id,doc_date\nhamm,{date}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(report_corpus, out) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {report_corpus / 'metadata.csv'}:2: doc_date '{date}' is not a valid date"]
    assert not (out / "documents.parquet").exists(), "nothing is written"


def test_leap_day_is_a_valid_date(tmp_path, report_corpus):
    (report_corpus / "metadata.csv").write_text("doc_id,doc_date\nhamm,2024-02-29\n", encoding="utf-8")
    assert run(report_corpus, tmp_path / "out") == 0
    docs = pd.read_parquet(tmp_path / "out" / "documents.parquet")
    assert [str(d) for d in docs["doc_date"]] == ["2024-02-29"] and list(docs["doc_date_source"]) == ["metadata"]


@pytest.mark.parametrize("date", ["2024-13-45", "2024-02-30", "gestern"])
def test_explain_with_a_bad_date_is_one_line_and_exit_2(capsys, date):
    code = run_cli("explain", "--model", "blank", "--date", date, "Am Montag kamen 40 Gäste.")
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.strip().splitlines() == [f"error: --date '{date}' is not a valid date (ISO YYYY-MM-DD)"]
    assert captured.out == ""


def test_unknown_doc_ids_and_columns_are_warnings(tmp_path, report_corpus, capsys):
    (report_corpus / "metadata.csv").write_text(
        "doc_id,doc_date,autor,title\n"
        "hamm,2025-03-03,Petra Lorenz,Gäste im Rathaus\n"
        "muenster,2025-03-04,,\n"
        "hamm.txt,2025-03-05,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert run(report_corpus, out) == 0
    path = report_corpus / "metadata.csv"
    expected = [
        f"{path}:1: unknown column 'autor' ignored (known: doc_id, doc_date, source, url, title)",
        f"{path}:3: doc_id 'muenster' matches no document in the corpus",
        f"{path}:4: doc_id 'hamm.txt' matches no document in the corpus (a doc_id has no extension: 'hamm')",
    ]
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"warning: {w}" for w in expected]
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["warnings"] == expected
    docs = pd.read_parquet(out / "documents.parquet")
    assert list(docs["title"]) == ["Gäste im Rathaus"] and [str(d) for d in docs["doc_date"]] == ["2025-03-03"]


def test_repeated_doc_id_is_a_warning_and_the_later_row_wins(tmp_path, report_corpus, capsys):
    (report_corpus / "metadata.csv").write_text(
        "doc_id,doc_date\nhamm,2025-03-03\nhamm,2025-03-09\n", encoding="utf-8")
    assert run(report_corpus, tmp_path / "out") == 0
    assert f"warning: {report_corpus / 'metadata.csv'}:3: doc_id 'hamm' repeats line 2; this row wins" in capsys.readouterr().err
    assert [str(d) for d in pd.read_parquet(tmp_path / "out" / "documents.parquet")["doc_date"]] == ["2025-03-09"]


def test_clean_metadata_gives_no_warning(tmp_path, report_corpus, capsys):
    (report_corpus / "metadata.csv").write_text("doc_id,doc_date,source\nhamm,2025-03-03,Stadt Hamm\n", encoding="utf-8")
    assert run(report_corpus, tmp_path / "out") == 0
    assert capsys.readouterr().err == ""
    info = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert info["warnings"] == []
