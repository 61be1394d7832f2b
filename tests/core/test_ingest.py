"""Ingest: bytes -> normalised text, header/footer metadata, document date."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.ingest import (
    DocumentError,
    IngestError,
    decode,
    ingest_document,
    normalise_text,
    parse_structure,
    read_metadata_csv,
)
from pipeline.rulebook import load_rules

STRUCTURED = """Vorfall | Sonstiges |
---|---|
Uhrzeit | 16:00 |
Ort | Hamm |
In Hamm wird ein bedeutender Schritt gemacht. Oberbürgermeister Marc Herter gab es bekannt.
Ort des Geschehens
Analysierte Kommentare in sozialen Medien: 147
Analysierte Forenbeiträge: 86"""


def test_cp1252_is_detected_not_mangled():
    text, enc = decode("Grüße aus Köln – schöne Straße".encode("cp1252"))
    assert text == "Grüße aus Köln – schöne Straße"
    assert enc in {"cp1252", "latin_1", "iso8859_15", "iso8859_1"}


def test_short_latin1_umlauts():
    text, _ = decode("Grüße aus Köln".encode("latin-1"))
    assert text == "Grüße aus Köln"


def test_utf8_bom_is_removed():
    text, enc = decode("\ufeffÄrger in Österreich".encode("utf-8"))
    assert text == "Ärger in Österreich" and enc == "utf-8-sig"


@pytest.mark.parametrize("raw", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"abc\x00\x01\x02\x03def"])
def test_binary_is_refused(raw):
    with pytest.raises(DocumentError) as exc:
        decode(raw)
    assert exc.value.error == "binary"


def test_normalise_text_keeps_offsets_meaningful():
    raw = "Bürger\u00admeister\r\nam 8.\u00a0März\u2009um 16\u202fUhr\u200b."
    assert normalise_text(raw) == "Bürgermeister\nam 8. März um 16 Uhr."


def test_nfc():
    assert normalise_text("Ko\u0308ln") == "Köln"


def test_header_table_and_footer_become_metadata():
    meta, regions = parse_structure(STRUCTURED)
    pairs = [(m["key"], m["value"], m["section"]) for m in meta]
    assert pairs == [
        ("Vorfall", "Sonstiges", "header"),
        ("Uhrzeit", "16:00", "header"),
        ("Ort", "Hamm", "header"),
        ("Analysierte Kommentare in sozialen Medien", "147", "footer"),
        ("Analysierte Forenbeiträge", "86", "footer"),
    ]
    for m in meta:
        assert STRUCTURED[m["start_char"] : m["end_char"]] == m["value"]
    kinds = [k for _, _, k in regions]
    assert kinds == ["header", "footer"]
    footer = next((s, e) for s, e, k in regions if k == "footer")
    assert STRUCTURED[footer[0] : footer[1]].startswith("Ort des Geschehens")
    # the prose between header and footer is not a region
    prose_at = STRUCTURED.index("In Hamm")
    assert not any(s <= prose_at < e for s, e, _ in regions)


def test_prose_only_document_has_no_structure():
    meta, regions = parse_structure("Die Stadt Hamm plant eine neue Stelle. Das wurde am Montag bekannt.")
    assert meta == [] and regions == []


def _ingest(tmp_path: Path, name: str, data: bytes, meta_row=None):
    corpus = tmp_path / "corpus"
    path = corpus / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return ingest_document(path, corpus, meta_row, load_config(), load_rules())


def test_dateline_range_gives_end_date(tmp_path):
    rec = _ingest(tmp_path, "a.txt", "8. – 11. November 2018\n\nGesellschaftlicher Zusammenhalt".encode())
    assert (rec.doc_date, rec.doc_date_source) == ("2018-11-11", "text")


def test_metadata_csv_date_wins(tmp_path):
    rec = _ingest(tmp_path, "sub/a.txt", "Hamm, 3. März 2025 – Text".encode(), {"doc_date": "2025-03-04"})
    assert rec.doc_id == "sub/a"
    assert (rec.doc_date, rec.doc_date_source) == ("2025-03-04", "metadata")


def test_header_date(tmp_path):
    rec = _ingest(tmp_path, "a.txt", "Datum | 13.07.2016 |\n---|---|\nOrt | Ulm |\nText ohne Datum.".encode())
    assert (rec.doc_date, rec.doc_date_source) == ("2016-07-13", "header")


def test_no_date_is_none(tmp_path):
    rec = _ingest(tmp_path, "a.txt", "Ab März 2025 wird eine Stelle eingerichtet.".encode())
    assert (rec.doc_date, rec.doc_date_source) == (None, "none")


def test_metadata_csv_errors(tmp_path):
    (tmp_path / "metadata.csv").write_text("doc_id,doc_date\na,3.3.2025\n", encoding="utf-8")
    with pytest.raises(IngestError, match="doc_date must be ISO"):
        read_metadata_csv(tmp_path)
    (tmp_path / "metadata.csv").write_text("id,doc_date\na,2025-03-03\n", encoding="utf-8")
    with pytest.raises(IngestError, match="doc_id"):
        read_metadata_csv(tmp_path)
