"""The runner: per-document processing.

Per document the work is a pure function of (DocRecord, configuration): `process_batch`
runs the spaCy stages over a batch and returns plain rows; a document that fails in any
stage becomes an `errors` row and the batch goes on.  Documents longer than spaCy can
take in one pass are processed in segments.  The corpus run over shards that calls this
is `pipeline/run.py`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol

from .document import make_doc
from .ingest import DocRecord, DocumentError

# Model components are timed as the stage they serve.
STAGE_OF_COMPONENT = {
    "tok2vec": "tokenize", "tagger": "tokenize", "morphologizer": "tokenize", "parser": "tokenize",
    "senter": "tokenize", "sentencizer": "tokenize", "attribute_ruler": "tokenize",
    "lemmatizer": "tokenize", "simplemma_lemmatizer": "tokenize", "de_sentence_fixes": "tokenize",
    "de_token_norms": "tokenize", "ner": "entities", "de_entities": "entities",
    "de_dates": "dates", "de_figures": "figures", "de_normalise": "normalise",
}


@dataclass
class DocResult:
    doc_id: str
    document: dict | None = None
    tables: dict[str, list[dict]] = field(default_factory=dict)
    error: dict | None = None
    timings: dict[str, float] = field(default_factory=dict)
    cached: bool = False


# --------------------------------------------------------------------------- per document
def _document_row(record: DocRecord, doc) -> dict:
    return {
        "doc_id": record.doc_id,
        "path": record.path,
        "text": record.text,
        "doc_date": record.doc_date,
        "doc_date_source": record.doc_date_source,
        "n_tokens": sum(1 for t in doc if not t.is_space),
        "n_sentences": sum(1 for _ in doc.sents) if doc.has_annotation("SENT_START") or len(doc) == 0 else 1,
        "sha256": record.sha256,
        "encoding": record.encoding,
        "n_chars": len(record.text),
        "source": record.source,
        "url": record.url,
        "title": record.title,
        "format": record.format,
        "extractor": record.extractor,
        "language": record.language,
        "language_score": record.language_score,
    }


def _result_from_doc(record: DocRecord, doc) -> DocResult:
    tables: dict[str, list[dict]] = {"metadata": [dict(m) for m in record.metadata]}
    if record.pages:
        tables["pages"] = [dict(p) for p in record.pages]
    for table, rows in (doc._.rows or {}).items():
        tables.setdefault(table, []).extend(rows)
    for rows in tables.values():
        for row in rows:
            row["doc_id"] = record.doc_id
    return DocResult(record.doc_id, document=_document_row(record, doc), tables=tables)


def result_rows(res: DocResult) -> dict[str, list[dict]]:
    """A processed document's rows by table, its `documents` row included."""
    return {"documents": [res.document], **res.tables}


def error_row(record_or_path, stage: str, exc: BaseException) -> dict:
    path = record_or_path.path if isinstance(record_or_path, DocRecord) else str(record_or_path)
    doc_id = record_or_path.doc_id if isinstance(record_or_path, DocRecord) else None
    if isinstance(exc, DocumentError):
        return {"path": path, "doc_id": doc_id, "stage": exc.stage or stage, "error": exc.error, "message": exc.message}
    message = " ".join(str(exc).split())[:300] or type(exc).__name__
    return {"path": path, "doc_id": doc_id, "stage": stage, "error": type(exc).__name__, "message": message}


def process_batch(nlp, records: list[DocRecord], limits: tuple[int, int] | None = None,
                  long_sink=None) -> list[DocResult]:
    """Run the spaCy stages over a batch, isolating failures; long documents by segments.

    `limits` = (longest document processed in one pass, longest segment of a longer
    one); default `long_document_limits({})`.  `long_sink(doc_id)`, when given, opens a
    `RowSink` for one long document: its rows go there segment by segment instead of
    into the result (memory bounded by the segment size)."""
    one_pass, segment = limits or long_document_limits({})
    one_pass = min(one_pass, nlp.max_length)
    if not any(len(r.text) > one_pass for r in records):
        return _process_batch(nlp, records)
    short = [r for r in records if len(r.text) <= one_pass]
    done = {res.doc_id: res for res in (_process_batch(nlp, short) if short else [])}
    for rec in records:
        if len(rec.text) > one_pass:
            done[rec.doc_id] = process_long(nlp, rec, min(segment, nlp.max_length), long_sink)
    return [done[r.doc_id] for r in records]


def _process_batch(nlp, records: list[DocRecord]) -> list[DocResult]:
    """Run the spaCy stages over a batch, stage by stage (timed), isolating failures."""
    timings: dict[str, float] = defaultdict(float)
    alive: list[tuple[DocRecord, object]] = []
    failed: dict[str, DocResult] = {}
    t0 = time.perf_counter()
    for rec in records:
        try:
            alive.append((rec, make_doc(nlp, rec)))
        except Exception as exc:  # noqa: BLE001 - one bad document must not stop the run
            failed[rec.doc_id] = DocResult(rec.doc_id, error=error_row(rec, "tokenize", exc))
    timings["tokenize"] += time.perf_counter() - t0

    for name, proc in nlp.pipeline:
        stage = STAGE_OF_COMPONENT.get(name, name)
        t0 = time.perf_counter()
        docs = [d for _, d in alive]
        try:
            if hasattr(proc, "pipe"):
                docs = list(proc.pipe(docs, batch_size=len(docs) or 1))
            else:
                docs = [proc(d) for d in docs]
            alive = [(r, d) for (r, _), d in zip(alive, docs)]
        except Exception:  # noqa: BLE001 - find the failing document(s) one by one
            survivors = []
            for rec, doc in alive:
                try:
                    survivors.append((rec, proc(doc)))
                except Exception as exc:  # noqa: BLE001
                    failed[rec.doc_id] = DocResult(rec.doc_id, error=error_row(rec, stage, exc))
            alive = survivors
        timings[stage] += time.perf_counter() - t0

    out: dict[str, DocResult] = dict(failed)
    for rec, doc in alive:
        try:
            out[rec.doc_id] = _result_from_doc(rec, doc)
        except Exception as exc:  # noqa: BLE001
            out[rec.doc_id] = DocResult(rec.doc_id, error=error_row(rec, "normalise", exc))
    results = [out[r.doc_id] for r in records]
    if results:
        results[0].timings = dict(timings)
    return results


# --------------------------------------------------------------------------- long documents
# spaCy refuses texts over `nlp.max_length` (1,000,000 characters) and its memory grows
# with the text.  A longer document is processed in segments cut at paragraph ends (else
# line ends, sentence ends, spaces), one segment at a time, so memory is bounded by the
# segment size; offsets, sentence numbers and mention ids are mapped back to the whole
# text.  What a stage links across a whole document (a surname back to the full name, an
# abbreviation to its definition) does not cross a segment boundary.
LONG_DOCUMENT_CHARS = 1_000_000
SEGMENT_CHARS = 100_000


def long_document_limits(config: dict) -> tuple[int, int]:
    cfg = config.get("long_documents") or {}
    one_pass = int(cfg.get("one_pass_chars", LONG_DOCUMENT_CHARS))
    segment = int(cfg.get("segment_chars", SEGMENT_CHARS))
    return max(one_pass, 1000), max(min(segment, one_pass), 1000)


_CUTS = ("\n\n", "\n", ". ", "! ", "? ", " ")


def segment_bounds(text: str, limit: int) -> list[tuple[int, int]]:
    """(start, end) of consecutive segments of at most `limit` characters covering `text`,
    each ending after a paragraph break where there is one in its second half."""
    bounds, pos, n = [], 0, len(text)
    while n - pos > limit:
        window_end = pos + limit
        cut = -1
        for sep in _CUTS:
            at = text.rfind(sep, pos + limit // 2, window_end - len(sep) + 1)
            if at != -1:
                cut = at + len(sep)
                break
        if cut <= pos:
            cut = window_end
        while cut < n and cut - pos < limit and text[cut] == "\n":  # keep a blank-line run whole
            cut += 1
        bounds.append((pos, cut))
        pos = cut
    bounds.append((pos, n))
    return bounds


def _segment_record(rec: DocRecord, start: int, end: int) -> DocRecord:
    """The part `start:end` of a document, with its regions and metadata offsets shifted.

    Metadata rows outside the segment stay as context (a header's `Ort` names the place of
    the whole report) without offsets, so no stage emits their rows twice."""
    from dataclasses import replace

    regions = [(max(s, start) - start, min(e, end) - start, k) for s, e, k in rec.regions if s < end and e > start]
    metadata = []
    for m in rec.metadata:
        inside = m.get("start_char") is not None and start <= m["start_char"] and m["end_char"] <= end
        if inside:
            metadata.append(dict(m, start_char=m["start_char"] - start, end_char=m["end_char"] - start))
        else:
            metadata.append(dict(m, start_char=None, end_char=None))
    return replace(rec, text=rec.text[start:end], regions=regions, metadata=metadata, pages=[])


class RowSink(Protocol):
    """Where a long document's rows go, segment by segment: `add(tables)`, then `keep()`
    when the whole document succeeded or `discard()` when a segment failed
    (`shards.LongDocumentParts` writes them to part files)."""

    def add(self, tables: dict[str, list[dict]]) -> None: ...

    def keep(self) -> None: ...

    def discard(self) -> None: ...


class _ListSink:
    """Rows kept in memory (the default: the Python API, explain, tests)."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict]] = {}

    def add(self, tables: dict[str, list[dict]]) -> None:
        for table, rows in tables.items():
            self.tables.setdefault(table, []).extend(rows)

    def keep(self) -> None:
        pass

    def discard(self) -> None:
        self.tables = {}


def process_long(nlp, rec: DocRecord, segment_chars: int, open_sink=None) -> DocResult:
    """One long document, segment by segment; rows as if the text had been one Doc.

    With `open_sink`, the rows go to `open_sink(doc_id)` as each segment finishes and the
    result holds only the document's own rows (metadata); otherwise all rows."""
    sink = open_sink(rec.doc_id) if open_sink else _ListSink()
    timings: dict[str, float] = defaultdict(float)
    n_tokens = n_sentences = n_mentions = 0
    first_doc_row = None
    for start, end in segment_bounds(rec.text, segment_chars):
        (res,) = _process_batch(nlp, [_segment_record(rec, start, end)])
        for k, v in res.timings.items():
            timings[k] += v
        if res.error is not None:
            sink.discard()
            error = dict(res.error, message=f"characters {start}-{end}: {res.error['message']}")
            return DocResult(rec.doc_id, error=error, timings=dict(timings))
        first_doc_row = first_doc_row or res.document
        ids = {}
        for row in res.tables.get("mentions", []):
            ids[row["mention_id"]] = f"{rec.doc_id}#m{n_mentions + len(ids)}"
        segment_tables = {}
        for table, rows in res.tables.items():
            if table == "metadata":
                continue
            segment_tables[table] = rows
            for row in rows:
                for col in ("start_char", "end_char"):
                    if isinstance(row.get(col), int):
                        row[col] += start
                if table == "mentions" and isinstance(row.get("sentence"), int):
                    row["sentence"] += n_sentences
                if row.get("mention_id") in ids:
                    row["mention_id"] = ids[row["mention_id"]]
        sink.add(segment_tables)
        n_mentions += len(ids)
        n_tokens += res.document["n_tokens"]
        n_sentences += res.document["n_sentences"]
    sink.keep()
    tables = sink.tables if isinstance(sink, _ListSink) else {}
    tables["metadata"] = [dict(m, doc_id=rec.doc_id) for m in rec.metadata]
    if rec.pages:  # the whole document's pages, once (segments carry none)
        tables["pages"] = [dict(p, doc_id=rec.doc_id) for p in rec.pages]
    document = dict(first_doc_row, text=rec.text, n_chars=len(rec.text), n_tokens=n_tokens, n_sentences=n_sentences)
    return DocResult(rec.doc_id, document=document, tables=tables, timings=dict(timings))
