"""End to end on a mixed corpus: PDF, DOCX, HTML, Markdown, text, and bad inputs.

Every good document gets its rows with offsets into `documents.text`; every bad one an
`errors` row with a one-line reason while the run goes on."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main

from .fixtures import ARTICLE_HTML, make_pdf, report_docx, report_pdf, zip_bomb_docx

ENGLISH = (
    "The city council announced on Monday that more than forty new cycle lanes will be built "
    "across the city over the next three years, according to a statement released by the mayor's "
    "office. Residents welcomed the plans but asked for safer crossings near schools and for "
    "better street lighting along the river."
)
GERMAN = (
    "Hamm, 14. März 2025 – Die Stadt Hamm plant mehr als 40 neue Radwege. Oberbürgermeister "
    "Marc Herter stellte die Pläne am Freitag im Rathaus vor. Die Kosten belaufen sich auf rund "
    "3,5 Millionen Euro."
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    c = tmp_path_factory.mktemp("mixed")
    files = {
        "bericht.pdf": report_pdf(),
        "einsatz.docx": report_docx(),
        "seite.html": ARTICLE_HTML.encode(),
        "alt.htm": ARTICLE_HTML.replace('<meta charset="utf-8">', "").encode("cp1252"),
        "notiz.md": ("| Ort | Hamm |\n|---|---|\n| Einsätze | 17 |\n\n" + GERMAN.replace("Marc Herter", "[Marc Herter](https://example.org)")).encode(),
        "meldung.txt": GERMAN.encode(),
        "english.txt": ENGLISH.encode(),
        "gemischt.txt": (ENGLISH + "\n" + GERMAN + "\n" + ENGLISH).encode(),
        "scan.pdf": make_pdf([[]], draw_only=True),
        "kaputt.pdf": report_pdf()[:900],
        "bombe.docx": zip_bomb_docx(30_000_000),
    }
    for name, raw in files.items():
        (c / name).write_bytes(raw)
    return c


@pytest.fixture(scope="module")
def out(corpus, tmp_path_factory) -> Path:
    o = tmp_path_factory.mktemp("mixed_out")
    assert main(["run", "--corpus", str(corpus), "--out", str(o), "--quiet", "--no-cache"]) == 0
    return o


def _t(out: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / f"{name}.parquet")


def test_documents_record_format_extractor_language(out, corpus):
    docs = _t(out, "documents").set_index("doc_id")
    assert sorted(docs.index) == ["alt", "bericht", "einsatz", "gemischt", "meldung", "notiz", "seite"]
    assert docs["format"].to_dict() == {"alt": "html", "bericht": "pdf", "einsatz": "docx", "gemischt": "txt",
                                        "meldung": "txt", "notiz": "md", "seite": "html"}
    assert docs.loc["bericht", "extractor"].startswith("pypdf ")
    assert docs.loc["einsatz", "extractor"].startswith("python-docx ")
    assert docs.loc["seite", "extractor"].startswith("trafilatura ")
    assert (docs.drop(index="gemischt")["language"] == "de").all()
    assert docs.loc["gemischt", "language"] == "en"  # mostly English, processed for its German part
    assert (docs["language_score"].between(0, 1)).all()
    for doc_id, row in docs.iterrows():  # sha256 of the original bytes, not of the text
        assert row["sha256"] == hashlib.sha256((corpus / row["path"]).read_bytes()).hexdigest()


def test_bad_inputs_are_error_rows_and_the_run_goes_on(out):
    errors = _t(out, "errors").set_index("path")
    assert errors.loc["scan.pdf", "error"] == "no_text_layer" and "no text layer" in errors.loc["scan.pdf", "message"]
    assert errors.loc["kaputt.pdf", "error"] == "truncated"
    assert errors.loc["bombe.docx", "error"] == "zip_bomb"
    assert errors.loc["english.txt", "stage"] == "language"
    assert "language en" in errors.loc["english.txt", "message"]
    assert set(errors.index) == {"scan.pdf", "kaputt.pdf", "bombe.docx", "english.txt"}
    assert not errors["message"].str.contains("\n|Traceback").any()


def test_every_offset_slices_the_extracted_text(out):
    texts = _t(out, "documents").set_index("doc_id")["text"]
    for table in ("metadata", "mentions", "dates", "figures", "pages"):
        df = _t(out, table).dropna(subset=["start_char"])
        assert len(df), table
        for r in df.itertuples():
            piece = texts[r.doc_id][int(r.start_char):int(r.end_char)]
            if table == "metadata":
                assert piece == r.value
            elif table != "pages":
                assert piece == r.text, (table, r)


def test_pdf_rows_and_their_pages(out):
    docs = _t(out, "documents").set_index("doc_id")
    pages = _t(out, "pages")
    assert pages[pages.doc_id == "bericht"]["page"].tolist() == [1, 2, 3]
    mentions = _t(out, "mentions")
    assert "Tjark Bartels" in set(mentions[(mentions.doc_id == "bericht") & (mentions.label == "PER")]["text"])
    figures = _t(out, "figures")
    fig = figures[(figures.doc_id == "bericht") & (figures.value == 2113)].iloc[0]
    assert fig["unit"] == "Antrag" and fig["qualifier"] == ">"
    page = pages.query("doc_id == 'bericht' and start_char <= @fig.start_char and end_char >= @fig.end_char")
    assert page["page"].tolist() == [1]
    assert str(docs.loc["bericht", "doc_date"]) == "2025-03-12" and docs.loc["bericht", "doc_date_source"] == "text"
    assert "Bürgermeister" in docs.loc["bericht", "text"]


def test_docx_key_value_table_feeds_metadata_and_figures(out):
    meta = _t(out, "metadata")
    rows = meta[meta.doc_id == "einsatz"]
    assert {("Ort", "Hamm", "header"), ("Einsatzkräfte", "42", "header"), ("author", "Pressestelle Hamm", "properties")} <= set(
        zip(rows.key, rows.value, rows.section))
    docs = _t(out, "documents").set_index("doc_id")
    assert (str(docs.loc["einsatz", "doc_date"]), docs.loc["einsatz", "doc_date_source"]) == ("2025-03-14", "header")
    assert docs.loc["einsatz", "title"] == "Einsatzbericht Feuerwehr Hamm"
    figures = _t(out, "figures")
    f = figures[figures.doc_id == "einsatz"]
    assert {(42.0, "metadata"), (250000.0, "money")} <= set(zip(f.value, f.kind.where(f.rule != "metadata.key_value", "metadata")))
    mentions = _t(out, "mentions")
    assert "Marc Herter" in set(mentions[mentions.doc_id == "einsatz"]["text"])
    assert not ((mentions.doc_id == "einsatz") & (mentions.start_char < docs.loc["einsatz", "text"].index("Brand"))).any()


def test_html_date_title_and_rows(out):
    docs = _t(out, "documents").set_index("doc_id")
    assert (str(docs.loc["seite", "doc_date"]), docs.loc["seite", "doc_date_source"]) == ("2025-03-14", "html")
    assert docs.loc["seite", "title"] == "Neue Radwege für Hamm"
    assert "Cookies" not in docs.loc["seite", "text"]
    dates = _t(out, "dates")
    assert "2026" in set(dates[dates.doc_id == "seite"]["value"].str[:4])
    mentions = _t(out, "mentions")
    assert "Marc Herter" in set(mentions[mentions.doc_id == "seite"]["text"])
    assert "Oberbürgermeister Marc Herter" in docs.loc["alt", "text"]  # cp1252 without charset


def test_markdown_metadata_and_link_text(out):
    docs = _t(out, "documents").set_index("doc_id")
    assert "Oberbürgermeister Marc Herter stellte" in docs.loc["notiz", "text"]
    meta = _t(out, "metadata")
    assert set(zip(meta[meta.doc_id == "notiz"].key, meta[meta.doc_id == "notiz"].value)) == {("Ort", "Hamm"), ("Einsätze", "17")}


def test_languages_empty_skips_nothing(corpus, tmp_path):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("languages: []\n", encoding="utf-8")
    o = tmp_path / "o"
    c = tmp_path / "c"
    c.mkdir()
    (c / "english.txt").write_bytes((corpus / "english.txt").read_bytes())
    assert main(["run", "--corpus", str(c), "--out", str(o), "--quiet", "--config", str(cfg), "--model", "blank"]) == 0
    docs = _t(o, "documents")
    assert docs["language"].tolist() == ["en"]
