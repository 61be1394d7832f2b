"""The `Doc` contract every stage works on: extensions, the rows channel, non-prose regions.

Layer 1 (shared by all stages).  Ingest produces a `DocRecord`; `make_doc` turns it into a
spaCy `Doc` carrying `doc._.doc_id`, `doc_date`, `regions` (header/footer character
ranges), `metadata` and `rows`.  A stage's only output channel is `add_rows(doc, table,
rows)`; the writer writes every table it finds there (a plugin's new table included).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span


def _register_extensions() -> None:
    for name in ("doc_id", "doc_date", "regions", "metadata", "rows"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    if not Span.has_extension("source"):
        Span.set_extension("source", default=None)


_register_extensions()


def add_rows(doc: Doc, table: str, rows: list[dict]) -> None:
    """Append rows for `table` to this document's results (a stage's only output channel)."""
    if doc._.rows is None:
        doc._.rows = {}
    doc._.rows.setdefault(table, []).extend(rows)


def in_regions(doc: Doc, start: int, end: int, kinds: tuple[str, ...] = ("header", "footer")) -> bool:
    """True when the character range overlaps a non-prose region (header table, footer)."""
    return any(s < end and start < e for s, e, k in (doc._.regions or ()) if k in kinds)


def make_doc(nlp: Language, record) -> Doc:
    """Tokenize one DocRecord and attach its ingest data to the Doc."""
    doc = nlp.make_doc(record.text)
    doc._.doc_id = record.doc_id
    doc._.doc_date = record.doc_date
    doc._.regions = [tuple(r) for r in record.regions]
    doc._.metadata = list(record.metadata)
    doc._.rows = {}
    return doc


def date_spans(doc: Doc) -> list[tuple[int, int]]:
    """Character ranges already claimed by the dates stage (later stages skip them)."""
    return [(r["start_char"], r["end_char"]) for r in (doc._.rows or {}).get("dates", []) if "start_char" in r]
