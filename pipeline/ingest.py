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
import datetime
import errno
import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from .rules import Rules


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


@dataclass
class WalkProblem:
    """A path the corpus walk met that is not a document: it becomes an `errors` row."""

    path: str  # relative to the corpus root, `/`-separated
    error: str  # symlink_loop | broken_symlink | unreadable | not_a_file | unsupported
    message: str


def discover(corpus: Path, extensions: list[str]) -> list[Path]:
    """Every document file below `corpus`, in a deterministic order."""
    return walk_corpus(corpus, extensions)[0]


def walk_corpus(corpus: Path, extensions: list[str]) -> tuple[list[Path], list[WalkProblem]]:
    """Every path below `corpus`: the document files, and a problem for every other one.

    Hidden names (`.git`, `.DS_Store`) and the root `metadata.csv` are not inputs.  Folder
    symlinks are followed unless they lead back to a folder being walked (a loop); a
    symlink loop, a dangling symlink, an unreadable folder, a device/FIFO/socket and a file
    of a type this pipeline does not read each come back as a `WalkProblem`.
    """
    if not corpus.exists():
        raise IngestError(f"corpus folder not found: {corpus}")
    if not corpus.is_dir():
        raise IngestError(f"corpus is not a folder: {corpus}")
    exts = {e.lower() for e in extensions}
    files: list[Path] = []
    problems: list[WalkProblem] = []

    def rel(p: Path) -> str:
        return display_path(p.relative_to(corpus).as_posix())

    def visit(folder: Path, ancestors: frozenset) -> None:
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            problems.append(WalkProblem(rel(folder), "unreadable", f"cannot list folder: {exc.strerror}"))
            return
        for name in names:
            if name.startswith(".") or (folder == corpus and name == "metadata.csv"):
                continue
            p = folder / name
            try:
                st = os.stat(p)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    problems.append(WalkProblem(rel(p), "symlink_loop", "symlink loop (the link leads back to itself); not read"))
                elif p.is_symlink():
                    problems.append(WalkProblem(rel(p), "broken_symlink", f"symlink to a missing target ({os.readlink(p)}); not read"))
                else:
                    problems.append(WalkProblem(rel(p), "unreadable", f"cannot read: {exc.strerror}"))
                continue
            if stat.S_ISDIR(st.st_mode):
                real = os.path.realpath(p)
                if real in ancestors:
                    problems.append(WalkProblem(rel(p), "symlink_loop", "symlinked folder leads back to a folder above it; not followed"))
                else:
                    visit(p, ancestors | {real})
            elif not stat.S_ISREG(st.st_mode):
                problems.append(WalkProblem(rel(p), "not_a_file", "not a regular file (device, FIFO or socket); not read"))
            elif p.suffix.lower() in exts:
                files.append(p)
            else:
                problems.append(WalkProblem(rel(p), "unsupported", f"not a document type this pipeline reads ({', '.join(sorted(exts))}); not read"))

    visit(corpus, frozenset({os.path.realpath(corpus)}))
    files.sort(key=lambda p: p.relative_to(corpus).as_posix())
    problems.sort(key=lambda w: w.path)
    return files, problems


def display_path(path: str) -> str:
    """A file name as text: bytes that are not UTF-8 are shown as `\\xNN` (storable, stable)."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def doc_id_for(path: Path, corpus: Path) -> str:
    rel = display_path(path.relative_to(corpus).as_posix())
    return rel[: -len(path.suffix)] if path.suffix else rel


@dataclass
class MetadataFile:
    """`metadata.csv`, read: rows by doc_id, the line of each, and warnings to report."""

    path: Path | None = None
    rows: dict[str, dict] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def unmatched(self, doc_ids: set[str]) -> list[str]:
        """Warnings for rows whose doc_id names no document of the corpus."""
        out = []
        for doc_id, line in sorted(self.lines.items(), key=lambda kv: kv[1]):
            if doc_id in doc_ids:
                continue
            hint = ""
            stem, dot, ext = doc_id.rpartition(".")
            if dot and stem in doc_ids:
                hint = f" (a doc_id has no extension: {stem!r})"
            out.append(f"{self.path}:{line}: doc_id {doc_id!r} matches no document in the corpus{hint}")
        return out


def is_iso_date(value: str) -> bool:
    """`YYYY-MM-DD` and a day the calendar has (`2024-02-29` yes, `2024-02-30` no)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def read_metadata_csv(corpus: Path) -> dict[str, dict]:
    """`metadata.csv` rows by doc_id; a broken file is a corpus-level error."""
    return read_metadata(corpus).rows


def read_metadata(corpus: Path) -> MetadataFile:
    """`metadata.csv` with its warnings (unknown columns, repeated doc_ids).

    A broken file or an invalid value is a corpus-level error (`IngestError`): the run
    stops before any document is processed, naming the file and line."""
    path = corpus / "metadata.csv"
    result = MetadataFile(path=path)
    if not path.exists():
        return result
    try:
        text, _ = decode(path.read_bytes())
        rows = list(csv.DictReader(text.splitlines()))
    except (OSError, DocumentError, csv.Error) as exc:
        raise IngestError(f"{path}: unreadable metadata.csv ({exc})") from None
    if not rows and text.strip() and "doc_id" not in text.splitlines()[0]:
        raise IngestError(f"{path}: metadata.csv needs a header row with a `doc_id` column")
    if rows and "doc_id" not in rows[0]:
        raise IngestError(f"{path}: metadata.csv needs a `doc_id` column")
    if rows:
        unknown = [c for c in rows[0] if c and c not in ("doc_id", *METADATA_COLUMNS)]
        for col in unknown:
            result.warnings.append(f"{path}:1: unknown column {col!r} ignored (known: doc_id, {', '.join(METADATA_COLUMNS)})")
    for lineno, row in enumerate(rows, 2):
        if None in row:
            result.warnings.append(f"{path}:{lineno}: more fields than columns; the extra ones are ignored")
        doc_id = (row.get("doc_id") or "").strip()
        if not doc_id:
            raise IngestError(f"{path}:{lineno}: empty doc_id")
        date = (row.get("doc_date") or "").strip()
        if date and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            raise IngestError(f"{path}:{lineno}: doc_date must be ISO YYYY-MM-DD, got {date!r}")
        if date and not is_iso_date(date):
            raise IngestError(f"{path}:{lineno}: doc_date {date!r} is not a valid date")
        if doc_id in result.lines:
            result.warnings.append(f"{path}:{lineno}: doc_id {doc_id!r} repeats line {result.lines[doc_id]}; this row wins")
        result.rows[doc_id] = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
        result.lines[doc_id] = lineno
    return result


# --------------------------------------------------------------------------- bytes -> text
_BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x7fELF")
_WESTERN = ("utf_8", "cp1252", "latin_1", "iso8859_15", "iso8859_1", "utf_16", "utf_32")


def decode(raw: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding name).  UTF-8 (with or without BOM) first, then a detector.

    German legacy files are nearly always cp1252 or latin-1; when charset-normalizer's best
    guess is some other single-byte code page we prefer cp1252, which decodes the same
    umlauts and ß and also the typographic quotes of Windows editors.
    """
    if any(raw.startswith(m) for m in _BINARY_MAGIC):
        raise DocumentError("binary", "binary file, not text")
    if not _looks_utf16(raw) and control_byte_ratio(raw) > MAX_CONTROL_RATIO:
        # One rule for the whole file, wherever the bytes stand: a text with a stray NUL
        # is text (the NUL is removed by `normalise_text`); a file where more than one
        # byte in 20 is a control byte is not.
        raise DocumentError("binary", f"binary file, not text ({control_byte_ratio(raw):.0%} control bytes)")
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


# C0 control bytes other than tab, line feed, form feed, carriage return (and DEL).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
MAX_CONTROL_RATIO = 0.05


def control_byte_ratio(raw: bytes) -> float:
    """Share of control bytes in the whole file (NUL, ESC, ...; not tab or line ends)."""
    if not raw:
        return 0.0
    return (len(raw) - len(raw.translate(None, _CONTROL_BYTES))) / len(raw)


def _looks_utf16(raw: bytes) -> bool:
    return raw.startswith((b"\xff\xfe", b"\xfe\xff"))


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return bad / len(text)


# Characters that would break offsets or tokenization; each maps to its replacement.
_SPACE_LIKE = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008\u205f\u3000"), " ")
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)


def normalise_text(text: str) -> str:
    """NFC; CRLF/CR -> LF; exotic spaces -> space; soft hyphens, zero-width chars removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_SPACE_LIKE).translate(_INVISIBLE)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------- structure
_TABLE_ROW = re.compile(r"^[ \t]*\|?[ \t]*([^|\n]+?)[ \t]*\|[ \t]*([^|\n]*?)[ \t]*\|?[ \t]*$")
_TABLE_SEP = re.compile(r"^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(\|[ \t]*:?-*:?[ \t]*)*\|?[ \t]*$")
_FOOTER_KV = re.compile(r"^[ \t]*(?P<key>[^\n:|]{2,80}?)[ \t]*:[ \t]*(?P<value>[^\n]{1,80}?)[ \t]*$")
_FOOTER_LABEL = re.compile(r"^[ \t]*[A-ZÄÖÜ][^\n.!?:;|]{1,60}$")


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return out


def parse_structure(text: str, max_footer_value_words: int = 6) -> tuple[list[dict], list[tuple[int, int, str]]]:
    """Header table rows and footer key/value lines -> (metadata rows, non-prose regions)."""
    lines = _lines(text)
    meta: list[dict] = []
    regions: list[tuple[int, int, str]] = []

    # Header: a table at the very top (first non-empty lines containing `|`).
    i = 0
    while i < len(lines) and not lines[i][2].strip():
        i += 1
    start_i = i
    while i < len(lines):
        s, e, line = lines[i]
        if _TABLE_SEP.match(line):
            i += 1
            continue
        m = _TABLE_ROW.match(line)
        if not m or not m.group(1).strip():
            break
        key, value = m.group(1).strip(), m.group(2).strip()
        vs = s + m.start(2)
        meta.append({"key": key, "value": value, "start_char": vs, "end_char": vs + len(value), "section": "header"})
        i += 1
    if i > start_i and meta:
        regions.append((lines[start_i][0], lines[i - 1][1], "header"))
    header_end = lines[i - 1][1] if i > start_i else 0

    # Footer: from the end, `Key: Value` lines with short values, plus label lines above.
    j = len(lines) - 1
    while j >= 0 and not lines[j][2].strip():
        j -= 1
    footer: list[dict] = []
    end_j = j
    while j >= 0 and lines[j][0] >= header_end:
        s, e, line = lines[j]
        m = _FOOTER_KV.match(line)
        if m and len(m.group("value").split()) <= max_footer_value_words and "," not in m.group("key"):
            vs = s + m.start("value")
            value = m.group("value")
            footer.append({"key": m.group("key").strip(), "value": value, "start_char": vs, "end_char": vs + len(value), "section": "footer"})
            j -= 1
            continue
        break
    if footer:
        # Label lines directly above the key/value block (`Ort des Geschehens`) are part of it.
        while j >= 0 and lines[j][0] >= header_end and _FOOTER_LABEL.match(lines[j][2]) and len(lines[j][2].split()) <= 5:
            j -= 1
        regions.append((lines[j + 1][0], lines[end_j][1], "footer"))
        meta.extend(reversed(footer))
    return meta, regions


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def code_regions(text: str) -> list[tuple[int, int, str]]:
    """Markdown fenced code blocks (```` ``` ```` or `~~~`) as non-prose regions `code`:
    no stage reads figures, dates or names out of code.  An unclosed fence runs to the
    end of the text (as in CommonMark)."""
    out: list[tuple[int, int, str]] = []
    opened: tuple[int, str, int] | None = None
    for s, e, line in _lines(text):
        m = _FENCE.match(line)
        if opened is None:
            if m:
                opened = (s, m.group(1)[0], len(m.group(1)))
        elif m and m.group(1)[0] == opened[1] and len(m.group(1)) >= opened[2] and not line[m.end():].strip():
            out.append((opened[0], e, "code"))
            opened = None
    if opened is not None:
        out.append((opened[0], len(text), "code"))
    return out


# --------------------------------------------------------------------------- document
def ingest_document(
    path: Path,
    corpus: Path,
    meta_row: dict | None,
    config: dict,
    rules: Rules,
) -> DocRecord:
    """Read, decode, normalise and structure one document (pure per document)."""
    from .dates import anchor_date  # the date vocabulary lives with the date stage

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError("unreadable", f"cannot read file: {exc.strerror}") from None
    text, encoding = decode(raw)
    text = normalise_text(text)
    rec = DocRecord(
        doc_id=doc_id_for(path, corpus),
        path=display_path(path.relative_to(corpus).as_posix()),
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        encoding=encoding,
    )
    rec.metadata, rec.regions = parse_structure(text, config.get("ingest", {}).get("max_footer_value_words", 6))
    if path.suffix.lower() == ".md":
        rec.regions = sorted(rec.regions + code_regions(text))

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
