"""Stage 1, ingest: corpus folder -> `DocRecord`s (plain data, one per document).

Reading is the only place bytes become text, so every offset later in the pipeline is an
offset into `DocRecord.text` (the stored `documents.text`).  The text is normalised here
once (encoding, NFC, line ends, invisible and exotic spaces) and never changed again.

Structured reports carry a header table (`Vorfall | Sonstiges |`, `---|---|`,
`Ort | Hamm |`) and footer lines (`Analysierte Forenbeiträge: 86`); they become
`metadata` rows and `regions` that later stages treat as non-prose.

`ingest_document` is a pure function of (file bytes, metadata.csv row, configuration,
rules): it can run in any process.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from .layout import normalise_text, parse_structure
from .rulebook import Rules
from .temporal.anchor import anchor_date


class IngestError(Exception):
    """A corpus-level problem (missing folder, unreadable metadata.csv): stops the run."""


class DocumentError(Exception):
    """One document cannot be read; it goes to the `errors` table and the run goes on."""

    def __init__(self, error: str, message: str):
        self.error = error
        self.message = message
        super().__init__(message)


@dataclass
class DocRecord:
    doc_id: str
    path: str  # relative to the corpus root, `/`-separated, with extension
    text: str
    sha256: str  # of the file's bytes
    encoding: str
    doc_date: str | None = None
    doc_date_source: str = "none"  # metadata | header | text | none
    source: str | None = None
    url: str | None = None
    title: str | None = None
    # key/value pairs from header table, footer lines and metadata.csv
    metadata: list[dict] = field(default_factory=list)
    # non-prose character ranges: (start, end, kind) with kind header | footer
    regions: list[tuple[int, int, str]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- corpus
METADATA_COLUMNS = ("doc_date", "source", "url", "title")


def discover(corpus: Path, extensions: list[str]) -> list[Path]:
    """Every document file below `corpus`, in a deterministic order."""
    if not corpus.exists():
        raise IngestError(f"corpus folder not found: {corpus}")
    if not corpus.is_dir():
        raise IngestError(f"corpus is not a folder: {corpus}")
    exts = {e.lower() for e in extensions}
    files = [
        p
        for p in corpus.rglob("*")
        if p.is_file()
        and p.suffix.lower() in exts
        and not any(part.startswith(".") for part in p.relative_to(corpus).parts)
    ]
    return sorted(files, key=lambda p: p.relative_to(corpus).as_posix())


def doc_id_for(path: Path, corpus: Path) -> str:
    rel = path.relative_to(corpus).as_posix()
    return rel[: -len(path.suffix)] if path.suffix else rel


def read_metadata_csv(corpus: Path) -> dict[str, dict]:
    """`metadata.csv` rows by doc_id; a broken file is a corpus-level error."""
    path = corpus / "metadata.csv"
    if not path.exists():
        return {}
    try:
        text, _ = decode(path.read_bytes())
        rows = list(csv.DictReader(text.splitlines()))
    except (OSError, DocumentError, csv.Error) as exc:
        raise IngestError(f"{path}: unreadable metadata.csv ({exc})") from None
    if not rows and text.strip() and "doc_id" not in text.splitlines()[0]:
        raise IngestError(f"{path}: metadata.csv needs a header row with a `doc_id` column")
    if rows and "doc_id" not in rows[0]:
        raise IngestError(f"{path}: metadata.csv needs a `doc_id` column")
    out: dict[str, dict] = {}
    for lineno, row in enumerate(rows, 2):
        doc_id = (row.get("doc_id") or "").strip()
        if not doc_id:
            raise IngestError(f"{path}:{lineno}: empty doc_id")
        date = (row.get("doc_date") or "").strip()
        if date and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            raise IngestError(f"{path}:{lineno}: doc_date must be ISO YYYY-MM-DD, got {date!r}")
        out[doc_id] = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
    return out


# --------------------------------------------------------------------------- bytes -> text
_BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x7fELF")
_WESTERN = ("utf_8", "cp1252", "latin_1", "iso8859_15", "iso8859_1", "utf_16", "utf_32")


def decode(raw: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding name).  UTF-8 (with or without BOM) first, then a detector.

    German legacy files are nearly always cp1252 or latin-1; when charset-normalizer's best
    guess is some other single-byte code page we prefer cp1252, which decodes the same
    umlauts and ß and also the typographic quotes of Windows editors.
    """
    if any(raw.startswith(m) for m in _BINARY_MAGIC) or b"\x00" in raw[:4096] and not _looks_utf16(raw):
        raise DocumentError("binary", "binary file, not text")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_utf16(raw):
        return raw.decode("utf-16"), "utf-16"
    best = from_bytes(raw).best()
    encoding = best.encoding if best is not None else "cp1252"
    if encoding not in _WESTERN:
        encoding = "cp1252"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "latin_1", raw.decode("latin_1")
    if _control_ratio(text) > 0.05:
        raise DocumentError("binary", "binary file, not text")
    return text, encoding


def _looks_utf16(raw: bytes) -> bool:
    return raw.startswith((b"\xff\xfe", b"\xfe\xff"))


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return bad / len(text)


# --------------------------------------------------------------------------- document
def ingest_document(
    path: Path,
    corpus: Path,
    meta_row: dict | None,
    config: dict,
    rules: Rules,
) -> DocRecord:
    """Read, decode, normalise and structure one document (pure per document)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError("unreadable", f"cannot read file: {exc.strerror}") from None
    text, encoding = decode(raw)
    text = normalise_text(text)
    rec = DocRecord(
        doc_id=doc_id_for(path, corpus),
        path=path.relative_to(corpus).as_posix(),
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        encoding=encoding,
    )
    rec.metadata, rec.regions = parse_structure(text, config.get("ingest", {}).get("max_footer_value_words", 6))

    meta_row = meta_row or {}
    for col in ("source", "url", "title"):
        setattr(rec, col, meta_row.get(col) or None)

    # Document date: metadata.csv > header > dateline (opening lines) > none.
    if meta_row.get("doc_date"):
        rec.doc_date, rec.doc_date_source = meta_row["doc_date"], "metadata"
    else:
        for row in rec.metadata:
            if row["section"] == "header" and row["value"]:
                found = anchor_date(row["value"], rules)
                if found:
                    rec.doc_date, rec.doc_date_source = found, "header"
                    break
        if rec.doc_date is None:
            opening = _opening_text(text, rec.regions, config.get("ingest", {}).get("dateline_lines", 4))
            found = anchor_date(opening, rules)
            if found:
                rec.doc_date, rec.doc_date_source = found, "text"
    return rec


def _opening_text(text: str, regions: list[tuple[int, int, str]], n_lines: int) -> str:
    """The first `n_lines` non-empty prose lines (the dateline lives there)."""
    start = max((e for s, e, kind in regions if kind == "header"), default=0)
    picked = []
    for line in text[start:].split("\n"):
        if line.strip():
            picked.append(line)
            if len(picked) >= n_lines:
                break
    return "\n".join(picked)
