"""Format extractors on fixture files the tests build: text, offsets, metadata, errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.formats import DocumentError, extract_bytes, extractor_for, kv_pairs, registered
from pipeline.formats.markdown import render
from pipeline.formats.pdf import drop_running_lines, join_lines

from .fixtures import ARTICLE_HTML, make_pdf, report_docx, report_pdf, zip_bomb_docx

CONFIG = {"formats": {"max_uncompressed_bytes": 200_000_000, "max_compression_ratio": 200}}


def _slices(ext):
    for row in ext.metadata:
        if row["start_char"] is not None:
            assert ext.text[row["start_char"]:row["end_char"]] == row["value"]


def test_registry_by_suffix_and_text_fallback():
    assert {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}.items() <= registered().items()
    assert extractor_for("a/b/Bericht.PDF").name == "pdf"
    assert extractor_for("notiz.text").name == "txt"  # a listed suffix nobody claims is text


def test_txt_is_todays_reader():
    ext = extract_bytes("Grüße aus Köln\r\nam 8.\u00a0März".encode("cp1252"), "a.txt", CONFIG)
    assert ext.text == "Grüße aus Köln\nam 8. März"
    assert ext.format == "txt" and ext.extractor.startswith("charset-normalizer ")
    assert ext.metadata == [] and ext.regions == [] and ext.pages == []


def test_markdown_markup_removed_links_keep_text_tables_become_lines():
    src = (
        "| Vorfall | Brand |\n|---|---|\n| Ort | Hamm |\n\n"
        "# Feuer in Hamm\n\n"
        "Die [Feuerwehr Hamm](https://example.org/fw) rückte mit **42 Einsatzkräften** aus.\n"
        "Es gab *keine* Verletzten.\n\n"
        "```python\nprint('kein Text')\n```\n\n"
        "- erster Punkt\n- zweiter Punkt\n\n"
        "| Wache | Fahrzeuge | Personal |\n|---|---|---|\n| Mitte | 6 | 30 |\n\n"
        "Analysierte Meldungen | 12 |\n---|---|\n"
    )
    ext = extract_bytes(src.encode(), "bericht.md", CONFIG)
    assert ext.text.startswith("Vorfall: Brand\nOrt: Hamm\n\nFeuer in Hamm\n\n")
    assert "Die Feuerwehr Hamm rückte mit 42 Einsatzkräften aus.\nEs gab keine Verletzten." in ext.text
    for gone in ("[", "](", "**", "```", "print(", "https://", "|---"):
        assert gone not in ext.text
    assert "erster Punkt\nzweiter Punkt" in ext.text
    assert "Wache | Fahrzeuge | Personal\nMitte | 6 | 30" in ext.text
    rows = {(m["key"], m["value"], m["section"]) for m in ext.metadata}
    assert {("Vorfall", "Brand", "header"), ("Ort", "Hamm", "header"), ("Analysierte Meldungen", "12", "footer")} == rows
    _slices(ext)
    assert ext.format == "md" and ext.extractor.startswith("markdown-it-py ")


def test_html_main_text_without_boilerplate_and_its_metadata():
    ext = extract_bytes(ARTICLE_HTML.encode("utf-8"), "seite.html", CONFIG)
    assert "Die Stadt Hamm plant mehr als 40 neue Radwege." in ext.text
    assert "Kosten und Zeitplan\nDie Kosten belaufen sich" in ext.text  # heading and paragraph as lines
    for boilerplate in ("Startseite", "Cookies", "akzeptieren", "Impressum", "Meistgelesen", "Stadtfest"):
        assert boilerplate not in ext.text
    assert ext.title == "Neue Radwege für Hamm"
    assert (ext.date, ext.date_source, ext.author) == ("2025-03-14", "html", "Anna Schulz")
    assert {("author", "Anna Schulz"), ("date", "2025-03-14")} <= {(m["key"], m["value"]) for m in ext.metadata}
    assert ext.extractor.startswith("trafilatura ")


def test_html_cp1252_without_charset_keeps_umlauts():
    page = ARTICLE_HTML.replace('<meta charset="utf-8">', "").replace("Neue Radwege für Hamm", "Größere Straßenbäume für Hamm")
    ext = extract_bytes(page.encode("cp1252"), "alt.htm", CONFIG)
    assert "Oberbürgermeister Marc Herter" in ext.text and "Ã" not in ext.text
    assert ext.title == "Größere Straßenbäume für Hamm"
    assert ext.encoding == "cp1252"


def test_html_declared_latin1_is_read_as_cp1252():
    page = ARTICLE_HTML.replace('charset="utf-8"', 'charset="iso-8859-1"').replace("Hamm plant", "Hamm plant – erneut –")
    ext = extract_bytes(page.encode("cp1252"), "alt.html", CONFIG)
    assert "Hamm plant – erneut –" in ext.text


def test_pdf_pages_hyphenation_and_running_header():
    ext = extract_bytes(report_pdf(), "bericht.pdf", CONFIG)
    text = ext.text
    assert "Jahresbericht vorgestellt" in text and "Anträge bearbeitet" in text
    assert "der Bürgermeister von Bad Pyrmont" in text  # Bürger-|meister joined
    assert "Die Bürger- und Vereinsarbeit" in text  # suspended compound keeps its hyphen
    assert "Landkreis Hameln-Pyrmont · Jahresbericht 2024" not in text  # running header dropped
    assert "Seite" not in text  # page-number footer dropped
    assert text.startswith("Pressemitteilung\nHameln, 12. März 2025 – Landrat Tjark Bartels")
    assert [p["page"] for p in ext.pages] == [1, 2, 3]
    page_of = lambda needle: next(p["page"] for p in ext.pages if needle in text[p["start_char"]:p["end_char"]])  # noqa: E731
    assert (page_of("2.113 Anträge"), page_of("120.000 Euro"), page_of("40 neuen Stellen")) == (1, 2, 3)
    assert ext.pages[-1]["end_char"] == len(text)
    assert ext.format == "pdf" and ext.extractor.startswith("pypdf ")


def test_single_page_pdf_keeps_its_first_line():
    ext = extract_bytes(make_pdf([[(72, 800, "Stadt Hamm"), (72, 780, "Die Stadt Hamm baut.")]]), "a.pdf", CONFIG)
    assert ext.text == "Stadt Hamm\nDie Stadt Hamm baut."


@pytest.mark.parametrize(
    "raw, code, words",
    [
        (make_pdf([[]] * 2, draw_only=True), "no_text_layer", "no text layer"),
        (report_pdf()[:900], "truncated", "truncated PDF"),
        (b"%PDF-1.4\n garbage garbage\n%%EOF\n", "unreadable", "unreadable pdf file"),
    ],
    ids=["scan", "truncated", "garbage"],
)
def test_bad_pdfs_are_one_line_errors(raw, code, words):
    with pytest.raises(DocumentError) as exc:
        extract_bytes(raw, "kaputt.pdf", CONFIG)
    assert exc.value.error == code
    assert words in exc.value.message and "\n" not in exc.value.message


def test_docx_paragraphs_tables_and_key_value_metadata():
    ext = extract_bytes(report_docx(), "einsatz.docx", CONFIG)
    assert ext.text.startswith("Ort: Hamm\nDatum: 14.03.2025\nEinsatzkräfte: 42\n\nBrand in einer Lagerhalle\n")
    assert "Fahrzeug | Anzahl | Wache\nLöschfahrzeug | 6 | Hamm-Mitte" in ext.text
    header = [(m["key"], m["value"]) for m in ext.metadata if m["section"] == "header"]
    assert header == [("Ort", "Hamm"), ("Datum", "14.03.2025"), ("Einsatzkräfte", "42")]
    assert ext.regions == [(0, ext.text.index("\n\nBrand"), "header")]
    assert ext.title == "Einsatzbericht Feuerwehr Hamm" and ext.author == "Pressestelle Hamm"
    _slices(ext)


def test_zip_bomb_docx_is_refused_before_inflating(monkeypatch):
    import docx

    def never(*a, **k):  # pragma: no cover - reaching it is the failure
        raise AssertionError("the archive was opened for reading")

    monkeypatch.setattr(docx, "Document", never)
    bomb = zip_bomb_docx(30_000_000)  # 30 MB of spaces, ~30 KB on disk
    with pytest.raises(DocumentError) as exc:  # over the size limit
        extract_bytes(bomb, "bombe.docx", {"formats": {"max_uncompressed_bytes": 20_000_000}})
    assert exc.value.error == "zip_bomb" and "would unpack to 30,0" in exc.value.message
    with pytest.raises(DocumentError) as exc:  # under it, but compressed 1000:1
        extract_bytes(bomb, "bombe.docx", CONFIG)
    assert exc.value.error == "zip_bomb" and "compresses" in exc.value.message
    assert "\n" not in exc.value.message


def test_not_a_zip_docx():
    with pytest.raises(DocumentError) as exc:
        extract_bytes(b"Das ist kein Word-Dokument.", "falsch.docx", CONFIG)
    assert exc.value.error == "unreadable" and "DOCX" in exc.value.message


def test_file_size_limit():
    with pytest.raises(DocumentError) as exc:
        extract_bytes(b"x" * 2000, "gross.txt", {"formats": {"max_bytes": 1000}})
    assert exc.value.error == "too_large"


# --------------------------------------------------------------------------- properties
_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß", min_size=1, max_size=8)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(_words, min_size=1, max_size=10).map(" ".join), min_size=1, max_size=8))
def test_join_lines_loses_no_word_without_hyphens(lines):
    assert join_lines(lines).split() == " ".join(lines).split()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.from_regex(r"[A-ZÄÖÜ][a-zäöü]{1,10}( [a-zäöü]{2,8})?", fullmatch=True),
                          st.from_regex(r"[0-9A-Za-zäöü.,-]{1,12}", fullmatch=True)), min_size=1, max_size=5),
       st.text(alphabet="abc XYZ.\n", max_size=40))
def test_markdown_key_value_rows_slice_the_text(pairs, prose):
    table = "| " + " | ".join(pairs[0]) + " |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in pairs[1:])
    b = render(table + "\n" + prose)
    assert [(m["key"], m["value"]) for m in b.metadata] == [(k, " ".join(v.split())) for k, v in pairs]
    for m in b.metadata:
        assert b.text[m["start_char"]:m["end_char"]] == m["value"]


def test_kv_pairs_rejects_prose_tables():
    assert kv_pairs([["Ort", "Hamm"], ["Datum", "1. März"]]) == [("Ort", "Hamm"), ("Datum", "1. März")]
    assert kv_pairs([["Ort", "Hamm", "NRW"]]) is None
    assert kv_pairs([["Die Stadt baut. Danach wird gefeiert", "ja"]]) is None


def test_running_lines_need_half_of_the_pages():
    pages = [["Kopf", "Text eins"], ["Kopf", "Text zwei"], ["Anderes", "Text drei"]]
    assert drop_running_lines(pages) == [["Text eins"], ["Text zwei"], ["Anderes", "Text drei"]]


def test_structured_report_as_markdown_gives_the_txt_metadata():
    """A report with a header table right above its prose, saved as .md: same key/values."""
    from pipeline.config import load_config
    from pipeline.ingest import ingest_bytes
    from pipeline.rulebook import load_rules

    report = (
        "Vorfall | Sonstiges |\n---|---|\nUhrzeit | 16:00 |\nOrt | Hamm |\n"
        "In Hamm wird ein bedeutender Schritt gemacht. Oberbürgermeister Marc Herter gab es bekannt.\n"
        "Ort des Geschehens\nAnalysierte Kommentare in sozialen Medien: 147\nAnalysierte Forenbeiträge: 86"
    ).encode()
    config, rules = load_config(), load_rules([])
    as_txt = ingest_bytes(report, "r.txt", "r", None, config, rules)
    as_md = ingest_bytes(report, "r.md", "r", None, config, rules)
    pairs = lambda rec: [(m["key"], m["value"], m["section"]) for m in rec.metadata]  # noqa: E731
    assert pairs(as_md) == pairs(as_txt)
    assert len(pairs(as_md)) == 5
    assert "| " not in as_md.text and "In Hamm wird ein bedeutender Schritt gemacht." in as_md.text
    for m in as_md.metadata:
        assert as_md.text[m["start_char"]:m["end_char"]] == m["value"]
    assert [k for _, _, k in as_md.regions] == ["header", "footer"]


def test_markdown_front_matter_gives_title_date_and_header_rows():
    src = "---\ntitle: Neue Radwege für Hamm\ndate: 2025-03-14\ntags: [verkehr]\n---\n\n# Neue Radwege\n\nDie Stadt plant.\n"
    ext = extract_bytes(src.encode(), "radwege.md", CONFIG)
    assert (ext.title, ext.date, ext.date_source) == ("Neue Radwege für Hamm", "2025-03-14", "md")
    assert ext.text == "title: Neue Radwege für Hamm\ndate: 2025-03-14\n\nNeue Radwege\n\nDie Stadt plant."
    assert [(m["key"], m["section"]) for m in ext.metadata] == [("title", "header"), ("date", "header")]
    _slices(ext)
    assert extract_bytes(b"---\n\nText\n", "kein.md", CONFIG).text == "Text"  # a rule, not front matter
