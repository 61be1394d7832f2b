"""Issue 15.11: a closed pipe, a corpus path with spaces, an empty corpus, Markdown code."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd


from .helpers import REPO, REPORT, run


def test_explain_into_head_has_no_traceback():
    text = "Am 3. März 2025 kamen über 40 Gäste in das Rathaus von Hamm. " * 20
    proc = subprocess.run(
        f'"{sys.executable}" -m pipeline explain --model blank "{text}" | head -3',
        shell=True, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert len(proc.stdout.splitlines()) == 3
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr


def test_make_run_with_spaces_in_the_paths(tmp_path):
    corpus = tmp_path / "Berichte aus Hamm"
    corpus.mkdir()
    (corpus / "bericht eins.txt").write_text(REPORT, encoding="utf-8")
    out = tmp_path / "Ausgabe mit Leerzeichen"
    proc = subprocess.run(["make", "-s", "run", f"CORPUS={corpus}", f"OUT={out}", "MODEL=blank", f"PYTHON={sys.executable}",
                           f"VENV={sys.prefix}"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert list(pd.read_parquet(out / "documents.parquet")["doc_id"]) == ["bericht eins"]


def test_make_reports_a_cli_failure_as_exit_2(tmp_path):
    proc = subprocess.run(["make", "-s", "run", f"CORPUS={tmp_path / 'fehlt'}", f"OUT={tmp_path / 'o'}", "MODEL=blank",
                           f"VENV={sys.prefix}"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 2
    assert f"error: corpus folder not found: {tmp_path / 'fehlt'}" in proc.stderr


def test_empty_corpus_is_a_notice_and_exit_2(tmp_path, capsys):
    corpus = tmp_path / "leer"
    corpus.mkdir()
    (corpus / ".DS_Store").write_bytes(b"\x00\x01")  # hidden: not an input
    out = tmp_path / "out"
    assert run(corpus, out) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: no documents in {corpus} (looked for .txt, .md, .html, .htm, .pdf, .docx); nothing was written"]
    assert not (out / "documents.parquet").exists()


def test_markdown_code_fences_are_not_prose(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "notiz.md").write_text(
        "# Bericht aus Hamm\n\nAm 3. März 2025 kamen 40 Gäste.\n\n"
        "```python\ncode = 123\nfrist = '12. Mai 2025'\nstadt = 'Münster'\n```\n\n"
        "~~~\n77 Zeilen\n~~~\n\nDanach kamen 12 weitere Gäste nach Ulm.\n",
        encoding="utf-8")
    (corpus / "notiz_als_text.txt").write_text("```\ncode 123\n```\n", encoding="utf-8")
    assert run(corpus, tmp_path / "out") == 0
    figures = pd.read_parquet(tmp_path / "out" / "figures.parquet")
    md = figures[figures["doc_id"] == "notiz"]
    assert sorted(md["value"]) == [12.0, 40.0], "nothing from the code blocks"
    dates = pd.read_parquet(tmp_path / "out" / "dates.parquet")
    assert list(dates.loc[dates["doc_id"] == "notiz", "text"]) == ["3. März 2025"]
    mentions = pd.read_parquet(tmp_path / "out" / "mentions.parquet")
    assert "Münster" not in set(mentions["text"])
    # a .txt file is not Markdown: its backticks are text
    assert 123.0 in set(figures.loc[figures["doc_id"] == "notiz_als_text", "value"])
