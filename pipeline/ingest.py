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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from .formats.decoding import DocumentError, decode  # noqa: F401  (ingest's public names)
from .layout import normalise_text, parse_structure  # noqa: F401  (normalise_text: ditto)
from .rulebook import Rules
from .temporal.anchor import anchor_date


class IngestError(Exception):
    """A corpus-level problem (missing folder, unreadable metadata.csv): stops the run."""


@dataclass
class DocRecord:
    doc_id: str
    path: str  # relative to the corpus root, `/`-separated, with extension
    text: str
    sha256: str  # of the file's bytes
    encoding: str
    doc_date: str | None = None
    doc_date_source: str = "none"  # metadata | html | header | text | none
    source: str | None = None
    url: str | None = None
    title: str | None = None
    # key/value pairs from header table, footer lines and metadata.csv
    metadata: list[dict] = field(default_factory=list)
    # non-prose character ranges: (start, end, kind) with kind header | footer
    regions: list[tuple[int, int, str]] = field(default_factory=list)
    format: str = "txt"  # txt | md | html | pdf | docx | a plugin's format (pipeline/formats/)
    extractor: str | None = None  # library and version that read the bytes
    language: str | None = None  # ISO 639-1 code (pipeline/language.py)
    language_score: float | None = None
    pages: list[dict] = field(default_factory=list)  # {page, start_char, end_char}

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
    """Every path below `corpus`: the document files (sorted by relative path), and a
    problem for every other one.  `iter_corpus` is the same walk, streamed."""
    files: list[Path] = []
    problems: list[WalkProblem] = []
    for item in iter_corpus(corpus, extensions):
        (problems if isinstance(item, WalkProblem) else files).append(item)
    files.sort(key=lambda p: p.relative_to(corpus).as_posix())
    problems.sort(key=lambda w: w.path)
    return files, problems


def iter_corpus(corpus: Path, extensions: list[str]) -> Iterator[Path | WalkProblem]:
    """The corpus walk, one path at a time (memory does not grow with the corpus):
    document files, and a `WalkProblem` for every other path met.

    Hidden names (`.git`, `.DS_Store`) and the root `metadata.csv` are not inputs.  Folder
    symlinks are followed unless they lead back to a folder being walked (a loop); a
    symlink loop, a dangling symlink, an unreadable folder, a device/FIFO/socket and a file
    of a type this pipeline does not read each come back as a `WalkProblem`.  Names are
    visited in sorted order, folder by folder.
    """
    if not corpus.exists():
        raise IngestError(f"corpus folder not found: {corpus}")
    if not corpus.is_dir():
        raise IngestError(f"corpus is not a folder: {corpus}")
    exts = {e.lower() for e in extensions}

    def rel(p: Path) -> str:
        return display_path(p.relative_to(corpus).as_posix())

    def visit(folder: Path, ancestors: frozenset) -> Iterator[Path | WalkProblem]:
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            yield WalkProblem(rel(folder), "unreadable", f"cannot list folder: {exc.strerror}")
            return
        for name in names:
            if name.startswith(".") or (folder == corpus and name == "metadata.csv"):
                continue
            p = folder / name
            try:
                st = os.stat(p)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    yield WalkProblem(rel(p), "symlink_loop", "symlink loop (the link leads back to itself); not read")
                elif p.is_symlink():
                    yield WalkProblem(rel(p), "broken_symlink", f"symlink to a missing target ({os.readlink(p)}); not read")
                else:
                    yield WalkProblem(rel(p), "unreadable", f"cannot read: {exc.strerror}")
                continue
            if stat.S_ISDIR(st.st_mode):
                real = os.path.realpath(p)
                if real in ancestors:
                    yield WalkProblem(rel(p), "symlink_loop", "symlinked folder leads back to a folder above it; not followed")
                else:
                    yield from visit(p, ancestors | {real})
            elif not stat.S_ISREG(st.st_mode):
                yield WalkProblem(rel(p), "not_a_file", "not a regular file (device, FIFO or socket); not read")
            elif p.suffix.lower() in exts:
                yield p
            else:
                yield WalkProblem(rel(p), "unsupported", f"not a document type this pipeline reads ({', '.join(sorted(exts))}); not read")

    yield from visit(corpus, frozenset({os.path.realpath(corpus)}))


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
        _add_metadata_row(result, path, lineno, row)
    return result


def _add_metadata_row(result: MetadataFile, path: Path, lineno: int, row: dict) -> None:
    """One row of metadata.csv: checked (doc_id, calendar date), repeats warned about."""
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


# --------------------------------------------------------------------------- document
def ingest_document(
    path: Path,
    corpus: Path,
    meta_row: dict | None,
    config: dict,
    rules: Rules,
) -> DocRecord:
    """Read, extract, normalise and structure one document (pure per document)."""
    from .formats import check_size

    try:
        check_size(path.stat().st_size, config)  # before reading: a huge file is never loaded
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError("unreadable", f"cannot read file: {exc.strerror}") from None
    return ingest_bytes(raw, path.relative_to(corpus).as_posix(), doc_id_for(path, corpus), meta_row, config, rules)


def ingest_bytes(raw: bytes, rel_path: str, doc_id: str, meta_row: dict | None, config: dict, rules: Rules) -> DocRecord:
    """One document's bytes -> DocRecord: the format's extractor (pipeline/formats/, by the
    suffix of `rel_path`), header table / footer structure, document date, language."""
    from .formats import extract_bytes
    from .language import check_language

    ext = extract_bytes(raw, rel_path, config)
    text = ext.text
    rec = DocRecord(
        doc_id=doc_id,
        path=display_path(rel_path),
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        encoding=ext.encoding,
        format=ext.format,
        extractor=ext.extractor,
        pages=list(ext.pages),
    )
    meta, regions = parse_structure(text, config.get("ingest", {}).get("max_footer_value_words", 6))
    rec.metadata, rec.regions = _merge_structure(meta, regions, ext.metadata, ext.regions)

    meta_row = meta_row or {}
    for col in ("source", "url", "title"):
        setattr(rec, col, meta_row.get(col) or None)
    rec.title = rec.title or ext.title

    # Document date: metadata.csv > the format's own (HTML) > header > dateline > none.
    if meta_row.get("doc_date"):
        rec.doc_date, rec.doc_date_source = meta_row["doc_date"], "metadata"
    elif ext.date:
        rec.doc_date, rec.doc_date_source = ext.date, ext.date_source or ext.format
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
    check_language(rec, config)
    return rec


def _merge_structure(meta: list[dict], regions: list, ext_meta: list[dict], ext_regions: list) -> tuple[list[dict], list]:
    """The text's header/footer structure plus the extractor's (tables it recognised);
    where both found the same lines, the extractor's rows win."""
    if not ext_meta and not ext_regions:
        return meta, regions

    def covered(s, e) -> bool:
        return s is not None and any(rs < e and s < re_ for rs, re_, _ in ext_regions)

    meta = [m for m in meta if not covered(m["start_char"], m["end_char"])] + list(ext_meta)
    regions = [r for r in regions if not covered(r[0], r[1])] + [tuple(r) for r in ext_regions]
    meta.sort(key=lambda m: (m["start_char"] is None, m["start_char"] or 0))
    regions.sort()
    return meta, regions


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
