"""Input formats: one small extractor per file format, chosen by suffix.

Every extractor has the same shape: `extract(raw: bytes, path: str, config: dict) ->
Extraction`.  It returns the text every offset of the pipeline points into (already
normalised: build it with `TextBuilder`), and what the format itself says about the
document: title, publication date, author, key/value metadata rows with offsets into the
text, non-prose regions, page spans, and its own name and library version.  A document it
cannot read raises `DocumentError(code, one-line message)`: an `errors` row, the run goes on.

Built-in extractors (one module each): `text` (.txt and any suffix without an extractor),
`markdown` (.md), `html` (.html, .htm), `pdf` (.pdf), `docx` (.docx).  A plugin adds one
with `register(MyExtractor())`, imported through `plugins:` in the configuration or the
`de_pipeline.formats` entry-point group (docs/plugin-example.md, "A new input format").
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata as _md
from typing import Protocol

from ..layout import normalise_text
from .decoding import DocumentError

__all__ = [
    "DocumentError", "Extraction", "Extractor", "TextBuilder", "check_size", "extract_bytes", "extractor_for", "library_version",
    "register", "registered", "kv_pairs", "limit", "properties",
]


@dataclass
class Extraction:
    text: str  # normalised; every offset below points into it
    format: str  # txt | md | html | pdf | docx | a plugin's name
    extractor: str  # library and version, e.g. `pypdf 5.1.0`
    encoding: str | None = None  # of the bytes, when the format is text
    title: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD publication date the format declares
    date_source: str | None = None  # doc_date_source for `date` (e.g. `html`)
    author: str | None = None
    # {key, value, start_char, end_char, section}; properties without offsets are allowed
    metadata: list[dict] = field(default_factory=list)
    regions: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, header|footer)
    pages: list[dict] = field(default_factory=list)  # {page, start_char, end_char}


class Extractor(Protocol):
    name: str  # the format name written to documents.format
    suffixes: tuple[str, ...]  # lower-case, with the dot

    def extract(self, raw: bytes, path: str, config: dict) -> Extraction: ...


# --------------------------------------------------------------------------- registry
_REGISTRY: dict[str, Extractor] = {}
_BUILTINS = ("text", "markdown", "html", "pdf", "docx")
_loaded = False


def register(extractor: Extractor, replace: bool = True) -> Extractor:
    """Make `extractor` read its suffixes (a later registration wins unless replace=False)."""
    for suffix in extractor.suffixes:
        suffix = suffix.lower() if suffix.startswith(".") else f".{suffix.lower()}"
        if replace or suffix not in _REGISTRY:
            _REGISTRY[suffix] = extractor
    return extractor


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for name in _BUILTINS:
        importlib.import_module(f"{__name__}.{name}")
    _loaded = True
    try:
        eps = _md.entry_points(group="de_pipeline.formats")
    except TypeError:  # pragma: no cover - Python < 3.10 API
        eps = _md.entry_points().get("de_pipeline.formats", [])
    for ep in eps:
        obj = ep.load()
        register(obj() if isinstance(obj, type) else obj)


def registered() -> dict[str, str]:
    """suffix -> format name, for documentation and `run.json`."""
    _load()
    return {s: e.name for s, e in sorted(_REGISTRY.items())}


def extractor_for(path: str) -> Extractor:
    """The extractor for a file name; suffixes nobody registered are read as plain text."""
    _load()
    m = re.search(r"\.[^./\\]+$", path)
    suffix = m.group().lower() if m else ""
    return _REGISTRY.get(suffix) or _REGISTRY[".txt"]


def check_size(n_bytes: int, config: dict) -> None:
    max_bytes = limit(config, "max_bytes", 100_000_000)
    if n_bytes > max_bytes:
        raise DocumentError("too_large", f"file is {n_bytes:,} bytes, more than formats.max_bytes ({max_bytes:,})")


def extract_bytes(raw: bytes, path: str, config: dict) -> Extraction:
    """Run the extractor for `path` on `raw`; every failure is a one-line DocumentError."""
    check_size(len(raw), config)
    extractor = extractor_for(path)
    try:
        ext = extractor.extract(raw, path, config)
    except DocumentError:
        raise
    except MemoryError:
        raise DocumentError("too_large", f"{extractor.name}: out of memory while reading") from None
    except Exception as exc:  # noqa: BLE001 - a library's failure on one file is that file's error
        first = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise DocumentError("unreadable", f"unreadable {extractor.name} file: {first}") from None
    builtin = type(extractor).__module__.startswith(f"{__name__}.")  # these build with normalise_text
    if not builtin and ext.text != normalise_text(ext.text):
        raise DocumentError("extractor", f"extractor {ext.extractor} returned text that is not normalised")
    for row in ext.metadata:
        s, e = row.get("start_char"), row.get("end_char")
        if s is not None and ext.text[s:e] != row["value"]:
            raise DocumentError("extractor", f"extractor {ext.extractor}: metadata offsets do not slice the text")
    return ext


@lru_cache(maxsize=None)
def library_version(dist: str) -> str:
    """`<distribution> <version>` for documents.extractor."""
    try:
        return f"{dist} {_md.version(dist)}"
    except _md.PackageNotFoundError:
        return dist


def limit(config: dict, key: str, default: int) -> int:
    """A size limit from the `formats:` section of the configuration."""
    return int((config.get("formats") or {}).get(key, default))


# --------------------------------------------------------------------------- building text
class TextBuilder:
    """Appends normalised pieces and remembers where each lands (offsets stay exact)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.metadata: list[dict] = []
        self.regions: list[tuple[int, int, str]] = []

    def add(self, piece: str) -> tuple[int, int]:
        piece = normalise_text(piece)
        start = self.pos
        self.parts.append(piece)
        self.pos += len(piece)
        return start, self.pos

    def newline(self, n: int = 1) -> None:
        """End the current line and make sure `n - 1` blank lines follow (never at the start)."""
        if not self.pos:
            return
        text_end = "".join(self.parts[-3:])
        have = len(text_end) - len(text_end.rstrip("\n"))
        if have < n:
            self.add("\n" * (n - have))

    def kv_lines(self, pairs: list[tuple[str, str]], section: str) -> None:
        """Key/value pairs as `Key: Value` lines: metadata rows and one non-prose region."""
        if not pairs:
            return
        self.newline(2)
        start = self.pos
        for key, value in pairs:
            self.newline()
            self.add(f"{key}: ")
            vs, ve = self.add(value)
            self.metadata.append({"key": normalise_text(key), "value": normalise_text(value),
                                  "start_char": vs, "end_char": ve, "section": section})
        self.regions.append((start, self.pos, "header" if section == "header" else "footer"))
        self.newline(2)

    @property
    def text(self) -> str:
        return "".join(self.parts).rstrip("\n")


def properties(**values: str | None) -> list[dict]:
    """Document properties (HTML meta, DOCX core properties) as `metadata` rows without
    offsets (section `properties`): `author`, `title`, `date` …"""
    return [{"key": k, "value": normalise_text(str(v)).strip(), "start_char": None, "end_char": None,
             "section": "properties"} for k, v in values.items() if v and str(v).strip()]


_KEY = re.compile(r"^[^\n.!?;|]{1,60}$")


def kv_pairs(rows: list[list[str]]) -> list[tuple[str, str]] | None:
    """A table as key/value pairs when it is one (two columns, short label-like keys)."""
    rows = [[" ".join(c.split()) for c in r] for r in rows if any(c.strip() for c in r)]
    if not rows or any(len(r) != 2 for r in rows):
        return None
    if not all(_KEY.match(k) and len(k.split()) <= 6 for k, _ in rows):
        return None
    if sum(len(v) for _, v in rows) > 120 * len(rows):  # long prose cells: not a fact sheet
        return None
    return [(k.rstrip(":").strip(), v) for k, v in rows]
