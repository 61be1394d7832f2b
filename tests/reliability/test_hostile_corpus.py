"""Issue 15.7, 15.8 and the done-when count: every input is a document or an errors row.

The corpus below is hostile on purpose: every encoding, binary files named `.txt`, NUL
bytes at every position, symlink loops (file and folder), a dangling link, a FIFO, odd
and undecodable file names, two files with one doc_id, files of other types, and a
metadata.csv with an unknown column and an unmatched doc_id.
"""

from __future__ import annotations

import os
import random
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from pipeline.formats.decoding import DocumentError, control_byte_ratio, decode

from .helpers import run

TEXT = "Am 3. März 2025 kamen über 40 Gäste in das Rathaus von Hamm. Die Stadt zahlte 1.200 Euro.\n"
FILLER = "Der Ausschuss für Kultur tagte am Dienstag im Sitzungssaal und beriet über den Haushalt. " * 60


def build(c: Path) -> set[str]:
    """Write the hostile corpus; returns every input's relative path as the run must name it."""
    c.mkdir()
    expected: set[str] = set()

    def put(rel: str, data: bytes) -> None:
        p = c / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        expected.add(rel)

    # encodings
    put("enc/utf8.txt", TEXT.encode("utf-8"))
    put("enc/utf8_bom.txt", b"\xef\xbb\xbf" + TEXT.encode("utf-8"))
    put("enc/cp1252.txt", ("„Zitat“ – " + TEXT).encode("cp1252"))
    put("enc/latin1.txt", TEXT.encode("latin-1"))
    put("enc/utf16le_bom.txt", TEXT.encode("utf-16"))
    put("enc/utf16be_bom.txt", b"\xfe\xff" + TEXT.encode("utf-16-be"))
    put("enc/crlf.md", TEXT.replace("\n", "\r\n").encode("utf-8"))
    put("enc/empty.txt", b"")
    put("enc/blank.txt", b"   \n\n\t\n")
    # binary kinds, named as text
    put("bin/png.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    put("bin/zip.txt", b"PK\x03\x04" + bytes(range(256)))
    put("bin/pdf.md", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(200))
    put("bin/random.txt", random.Random(15).randbytes(4096))
    put("bin/zeros.txt", bytes(5000))
    # NUL bytes at every position: one rule, one outcome
    body = (TEXT + FILLER).encode("utf-8")
    for name, pos in (("start", 0), ("early", 10), ("after4k", 5000), ("end", len(body))):
        put(f"nul/{name}.txt", body[:pos] + b"\x00" + body[pos:])
    # odd names
    put("names/mit leerzeichen.txt", TEXT.encode())
    put("names/-beginnt-mit-strich.txt", TEXT.encode())
    put("names/" + unicodedata.normalize("NFD", "Köln-Bericht.txt"), TEXT.encode())
    put("names/zeile\numbruch.txt", TEXT.encode())
    put("names/" + "sehr-langer-name-" * 12 + ".txt", TEXT.encode())
    raw_name = os.path.join(os.fsencode(c / "names"), b"caf\xe9.txt")  # not UTF-8
    with open(raw_name, "wb") as fh:
        fh.write(TEXT.encode())
    expected.add("names/caf\\xe9.txt")
    # one doc_id, two files
    put("dup/bericht.txt", TEXT.encode())
    put("dup/bericht.md", TEXT.encode())
    # other types
    put("other/foto.png", b"\x89PNG\r\n\x1a\n")
    put("other/notizen.csv", b"a,b\n1,2\n")
    put("other/README", b"keine Endung\n")
    # links
    os.symlink("self.txt", c / "self.txt")
    expected.add("self.txt")
    os.symlink("ping.txt", c / "pong.txt")
    os.symlink("pong.txt", c / "ping.txt")
    expected |= {"ping.txt", "pong.txt"}
    os.symlink("gibt-es-nicht.txt", c / "dangling.txt")
    expected.add("dangling.txt")
    os.symlink("enc/utf8.txt", c / "link_to_file.txt")
    expected.add("link_to_file.txt")
    os.symlink("..", c / "enc" / "zurueck")
    expected.add("enc/zurueck")
    os.mkfifo(c / "pipe.txt")
    expected.add("pipe.txt")
    # not inputs: hidden files and the root metadata.csv
    (c / ".versteckt.txt").write_bytes(TEXT.encode())
    (c / "metadata.csv").write_text("doc_id,doc_date,bemerkung\nenc/utf8,2025-03-03,x\nfehlt,2025-03-04,\n", encoding="utf-8")
    return expected


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    expected = build(tmp / "corpus")
    out = tmp / "out"
    assert run(tmp / "corpus", out) == 0
    return expected, out


def test_every_input_is_accounted_for(hostile):
    expected, out = hostile
    docs = pd.read_parquet(out / "documents.parquet")
    errors = pd.read_parquet(out / "errors.parquet")
    seen = list(docs["path"]) + list(errors["path"])
    assert len(seen) == len(set(seen)), "no input counted twice"
    assert set(seen) == expected
    assert len(expected) == 36  # the builder really made every kind


def test_outcome_per_kind(hostile):
    _, out = hostile
    docs = pd.read_parquet(out / "documents.parquet").set_index("path")
    errors = pd.read_parquet(out / "errors.parquet").set_index("path")["error"].to_dict()
    for name in ("utf8", "utf8_bom", "latin1", "utf16le_bom", "utf16be_bom"):
        assert docs.loc[f"enc/{name}.txt", "text"] == TEXT, name
    assert docs.loc["enc/cp1252.txt", "text"].startswith("„Zitat“ – Am 3. März")
    assert docs.loc["link_to_file.txt", "text"] == TEXT
    assert docs.loc["names/caf\\xe9.txt", "doc_id"] == "names/caf\\xe9"
    assert {k: v for k, v in errors.items() if k.startswith("bin/")} == dict.fromkeys(
        ["bin/png.txt", "bin/zip.txt", "bin/pdf.md", "bin/random.txt", "bin/zeros.txt"], "binary")
    assert errors["self.txt"] == errors["ping.txt"] == errors["pong.txt"] == errors["enc/zurueck"] == "symlink_loop"
    assert errors["dangling.txt"] == "broken_symlink" and errors["pipe.txt"] == "not_a_file"
    assert errors["other/foto.png"] == errors["other/notizen.csv"] == errors["other/README"] == "unsupported"
    assert errors["dup/bericht.txt"] == "duplicate_doc_id" and "dup/bericht.md" in docs.index


def test_nul_bytes_give_one_outcome_wherever_they_stand(hostile):
    _, out = hostile
    docs = pd.read_parquet(out / "documents.parquet").set_index("path")
    texts = {docs.loc[f"nul/{n}.txt", "text"] for n in ("start", "early", "after4k", "end")}
    assert texts == {TEXT + FILLER}, "the NUL is removed, the document kept, in every position"


@pytest.mark.parametrize("pos", [0, 1, 100, 4095, 4096, 9000, -1])
def test_decode_rule_is_position_independent(pos):
    body = (TEXT + FILLER).encode("utf-8")
    pos = len(body) if pos == -1 else pos
    text, enc = decode(body[:pos] + b"\x00" + body[pos:])
    assert enc == "utf-8" and text.replace("\x00", "") == TEXT + FILLER
    many = bytearray(body)
    for i in range(pos % 7, len(many), 10):  # one byte in ten is a control byte
        many[i] = 0
    assert control_byte_ratio(bytes(many)) > 0.05
    with pytest.raises(DocumentError) as exc:
        decode(bytes(many))
    assert exc.value.error == "binary"


def test_metadata_warnings_of_the_hostile_corpus(hostile):
    import json

    _, out = hostile
    warnings = json.loads((out / "run.json").read_text(encoding="utf-8"))["warnings"]
    assert any("unknown column 'bemerkung'" in w for w in warnings)
    assert any("doc_id 'fehlt' matches no document" in w for w in warnings)
