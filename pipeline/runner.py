"""The runner: chains ingest -> spaCy stages -> write over a corpus.

Per document the work is a pure function of (DocRecord, configuration): `process_batch`
runs in the main process or in worker processes (`--workers N`) and returns plain rows.
A document that fails in any stage becomes an `errors` row and the batch goes on.
Results are cached per document under `OUT/.cache/`, keyed by the document's content
and a fingerprint of code, model, rules and configuration, so a rerun only processes
what changed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import multiprocessing as mp
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .assembly import build_nlp
from .document import make_doc
from .faults import checkpoint
from .ingest import DocRecord, DocumentError, display_path, doc_id_for, ingest_document, read_metadata, walk_corpus
from .rulebook import load_rules
from .version import CONTRACT_VERSION, __version__

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


def _error(record_or_path, stage: str, exc: BaseException) -> dict:
    path = record_or_path.path if isinstance(record_or_path, DocRecord) else str(record_or_path)
    doc_id = record_or_path.doc_id if isinstance(record_or_path, DocRecord) else None
    if isinstance(exc, DocumentError):
        return {"path": path, "doc_id": doc_id, "stage": exc.stage or stage, "error": exc.error, "message": exc.message}
    message = " ".join(str(exc).split())[:300] or type(exc).__name__
    return {"path": path, "doc_id": doc_id, "stage": stage, "error": type(exc).__name__, "message": message}


def process_batch(nlp, records: list[DocRecord], limits: tuple[int, int] | None = None) -> list[DocResult]:
    """Run the spaCy stages over a batch, isolating failures; long documents by segments.

    `limits` = (longest document processed in one pass, longest segment of a longer
    one); default `long_document_limits({})`."""
    one_pass, segment = limits or long_document_limits({})
    one_pass = min(one_pass, nlp.max_length)
    if not any(len(r.text) > one_pass for r in records):
        return _process_batch(nlp, records)
    short = [r for r in records if len(r.text) <= one_pass]
    done = {res.doc_id: res for res in (_process_batch(nlp, short) if short else [])}
    for rec in records:
        if len(rec.text) > one_pass:
            done[rec.doc_id] = process_long(nlp, rec, min(segment, nlp.max_length))
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
            failed[rec.doc_id] = DocResult(rec.doc_id, error=_error(rec, "tokenize", exc))
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
                    failed[rec.doc_id] = DocResult(rec.doc_id, error=_error(rec, stage, exc))
            alive = survivors
        timings[stage] += time.perf_counter() - t0

    out: dict[str, DocResult] = dict(failed)
    for rec, doc in alive:
        try:
            out[rec.doc_id] = _result_from_doc(rec, doc)
        except Exception as exc:  # noqa: BLE001
            out[rec.doc_id] = DocResult(rec.doc_id, error=_error(rec, "normalise", exc))
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
    return replace(rec, text=rec.text[start:end], regions=regions, metadata=metadata)


def process_long(nlp, rec: DocRecord, segment_chars: int) -> DocResult:
    """One long document, segment by segment; rows as if the text had been one Doc."""
    tables: dict[str, list[dict]] = {}
    timings: dict[str, float] = defaultdict(float)
    n_tokens = n_sentences = n_mentions = 0
    first_doc_row = None
    for start, end in segment_bounds(rec.text, segment_chars):
        (res,) = _process_batch(nlp, [_segment_record(rec, start, end)])
        for k, v in res.timings.items():
            timings[k] += v
        if res.error is not None:
            error = dict(res.error, message=f"characters {start}-{end}: {res.error['message']}")
            return DocResult(rec.doc_id, error=error, timings=dict(timings))
        first_doc_row = first_doc_row or res.document
        ids = {}
        for row in res.tables.get("mentions", []):
            ids[row["mention_id"]] = f"{rec.doc_id}#m{n_mentions + len(ids)}"
        for table, rows in res.tables.items():
            if table == "metadata":
                continue
            for row in rows:
                for col in ("start_char", "end_char"):
                    if isinstance(row.get(col), int):
                        row[col] += start
                if table == "mentions" and isinstance(row.get("sentence"), int):
                    row["sentence"] += n_sentences
                if row.get("mention_id") in ids:
                    row["mention_id"] = ids[row["mention_id"]]
            tables.setdefault(table, []).extend(rows)
        n_mentions += len(ids)
        n_tokens += res.document["n_tokens"]
        n_sentences += res.document["n_sentences"]
    tables["metadata"] = [dict(m, doc_id=rec.doc_id) for m in rec.metadata]
    document = dict(first_doc_row, text=rec.text, n_chars=len(rec.text), n_tokens=n_tokens, n_sentences=n_sentences)
    return DocResult(rec.doc_id, document=document, tables=tables, timings=dict(timings))


# --------------------------------------------------------------------------- workers
_WORKER_NLP = None
_WORKER_LIMITS = None


def _init_worker(config: dict) -> None:
    global _WORKER_NLP, _WORKER_LIMITS
    _WORKER_NLP, _ = build_nlp(config)
    _WORKER_LIMITS = long_document_limits(config)


def _worker_batch(records: list[DocRecord]) -> list[DocResult]:
    return process_batch(_WORKER_NLP, records, _WORKER_LIMITS)


def _batches(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --------------------------------------------------------------------------- cache
def code_fingerprint() -> str:
    """Hash of the package's Python sources: a code change invalidates cached results."""
    h = hashlib.sha256(__version__.encode())
    for p in sorted(Path(__file__).parent.rglob("*.py")):
        if "training" in p.parts or "evaluation" in p.parts:
            continue
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def run_fingerprint(config: dict, model_info: dict, rules_fp: str) -> str:
    blob = json.dumps(
        {"code": code_fingerprint(), "config": config, "model": model_info, "rules": rules_fp},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def _record_key(rec: DocRecord) -> str:
    return hashlib.sha256(json.dumps(rec.to_dict(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class ResultCache:
    def __init__(self, root: Path | None):
        self.root = root
        self.warnings: list[str] = []

    def get(self, rec: DocRecord) -> DocResult | None:
        if self.root is None:
            return None
        path = self.root / f"{_record_key(rec)}.json.gz"
        if not path.exists():
            return None
        try:
            data = json.loads(gzip.decompress(path.read_bytes()))
        except (OSError, ValueError):
            return None
        return DocResult(rec.doc_id, document=data["document"], tables=data["tables"], cached=True)

    def put(self, rec: DocRecord, res: DocResult) -> None:
        if self.root is None or res.error is not None:
            return
        path = self.root / f"{_record_key(rec)}.json.gz"
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        payload = json.dumps({"document": res.document, "tables": res.tables}, ensure_ascii=False, default=str)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(gzip.compress(payload.encode(), mtime=0))
            os.replace(tmp, path)
        except OSError as exc:  # a full disk: the cache is an optimisation, the run goes on
            tmp.unlink(missing_ok=True)
            self.warnings.append(f"result cache switched off: cannot write {self.root} ({exc.strerror})")
            self.root = None


# --------------------------------------------------------------------------- corpus run
@dataclass
class RunOutcome:
    results: list[DocResult]
    errors: list[dict]
    timings: dict[str, float]
    model_info: dict
    rules_manifest: list[dict]
    n_cached: int
    fingerprint: str
    warnings: list[str] = field(default_factory=list)  # printed and kept in run.json
    extensions: list[str] = field(default_factory=list)


def run_corpus(
    corpus: Path,
    out: Path,
    config: dict,
    workers: int = 1,
    progress: bool = True,
    use_cache: bool = True,
) -> RunOutcome:
    """Process every document below `corpus`; corpus-level problems raise IngestError."""
    timings: dict[str, float] = defaultdict(float)
    t0 = time.perf_counter()
    rules = load_rules(config.get("rules", []))
    nlp, model_info = build_nlp(config)  # validates rules: a RuleError stops here
    timings["setup"] += time.perf_counter() - t0

    t0 = time.perf_counter()
    extensions = config.get("ingest", {}).get("extensions", [".txt", ".md"])
    files, walk_problems = walk_corpus(corpus, extensions)
    meta = read_metadata(corpus)
    records: list[DocRecord] = []
    errors: list[dict] = [
        {"path": w.path, "doc_id": None, "stage": "ingest", "error": w.error, "message": w.message} for w in walk_problems
    ]
    warnings = list(meta.warnings)
    first_path: dict[str, str] = {}
    for path in files:
        doc_id = doc_id_for(path, corpus)
        rel = display_path(path.relative_to(corpus).as_posix())
        if doc_id in first_path:  # `a.txt` and `a.md`: one doc_id, two files
            errors.append({"path": rel, "doc_id": doc_id, "stage": "ingest", "error": "duplicate_doc_id",
                           "message": f"doc_id {doc_id!r} is already taken by {first_path[doc_id]}; rename one of the files"})
            continue
        first_path[doc_id] = rel
        try:
            records.append(ingest_document(path, corpus, meta.rows.get(doc_id), config, rules))
        except DocumentError as exc:
            errors.append(_error(rel, "ingest", exc))
        except Exception as exc:  # noqa: BLE001
            errors.append(_error(rel, "ingest", exc))
    warnings.extend(meta.unmatched(set(first_path)))
    checkpoint("ingest")
    timings["ingest"] += time.perf_counter() - t0

    fingerprint = run_fingerprint(config, model_info, rules.fingerprint())
    cache = ResultCache(out / ".cache" / fingerprint if use_cache else None)
    results: dict[str, DocResult] = {}
    todo: list[DocRecord] = []
    for rec in records:
        hit = cache.get(rec)
        if hit is not None:
            results[rec.doc_id] = hit
        else:
            todo.append(rec)
    n_cached = len(results)

    batch_size = int(config.get("batch_size", 16))
    bar = _progress(len(records), progress, initial=n_cached)
    by_id = {r.doc_id: r for r in todo}

    def consume(batch_results: Iterable[DocResult]) -> None:
        for res in batch_results:
            for k, v in res.timings.items():
                timings[k] += v
            results[res.doc_id] = res
            if res.error is None:
                cache.put(by_id[res.doc_id], res)
            bar.update(1)
        checkpoint("process")

    if workers > 1 and len(todo) > batch_size:
        ctx = mp.get_context("spawn" if sys.platform == "darwin" else "fork")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(config,)) as pool:
            for batch_results in pool.imap(_worker_batch, _batches(todo, batch_size)):
                consume(batch_results)
    else:
        for batch in _batches(todo, batch_size):
            consume(process_batch(nlp, batch, long_document_limits(config)))
    bar.close()

    ordered = [results[r.doc_id] for r in records]
    errors.extend(r.error for r in ordered if r.error is not None)
    return RunOutcome(
        results=[r for r in ordered if r.error is None],
        errors=errors,
        timings=dict(timings),
        model_info=model_info,
        rules_manifest=rules.manifest(),
        n_cached=n_cached,
        fingerprint=fingerprint,
        warnings=warnings + cache.warnings,
        extensions=list(extensions),
    )


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool, initial: int = 0):
    if not enabled or total == 0:
        return _NoBar()
    from tqdm import tqdm

    # disable=None: shown only when stderr is a terminal (no `\r` updates in pipes and logs)
    return tqdm(total=total, initial=initial, unit="doc", desc="documents", file=sys.stderr, dynamic_ncols=True,
                leave=False, disable=None)


def prune_cache(out: Path, keep: str) -> int:
    """Remove the cache folders of other fingerprints (code, model, rules, configuration)
    from `OUT/.cache`, keeping `keep`; returns how many were removed."""
    import shutil

    root = out / ".cache"
    if not root.is_dir():
        return 0
    removed = 0
    for d in sorted(root.iterdir()):
        if d.is_dir() and d.name != keep:
            shutil.rmtree(d, ignore_errors=True)
            removed += 1
    return removed


def run_info(outcome: RunOutcome, config: dict, counts: dict[str, int], seconds: float, corpus: Path, out: Path) -> dict:
    return {
        "contract_version": CONTRACT_VERSION,
        "pipeline_version": __version__,
        "corpus": str(corpus),
        "out": str(out),
        "model": outcome.model_info,
        "config": config,
        "rules": outcome.rules_manifest,
        "counts": counts,
        "documents_from_cache": outcome.n_cached,
        "timings_seconds": {k: round(v, 4) for k, v in sorted(outcome.timings.items())},
        "total_seconds": round(seconds, 3),
        "fingerprint": outcome.fingerprint,
        "warnings": list(outcome.warnings),
    }
