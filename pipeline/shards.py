"""Shards: the unit of work, of reuse on reruns, and of distribution (local pool or Dask).

Every document belongs to one shard, chosen by a stable hash of its `doc_id`
(`shard_of`), so adding or changing a document touches only its own shard.  A shard's
*key* hashes the run fingerprint (code, model, rules, configuration) with, for each of
its documents, the doc_id, path, a hash of the file's bytes and its `metadata.csv` row:
the key changes exactly when the shard's output could.

Discovery (`plan_shards`) streams the corpus walk into a small SQLite index on disk, so
memory does not grow with the number of documents; it hashes every file once.

The shard function (`run_shard`) ingests and processes one shard's documents batch by
batch and writes each table's rows straight to a Parquet part file
(`OUT/.shards/<shard-dir>/<table>.parquet`), then renames the finished folder into
place: a shard folder either exists complete or not at all, so a killed worker costs
only its unfinished shard.  A rerun skips every shard whose folder already exists.
The same function runs in the main process, in a local process pool and on Dask
workers; each process builds the spaCy pipeline once (`worker_pipeline`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from . import schema as S
from .tables import typed_table
from .ingest import DocRecord, WalkProblem, display_path, doc_id_for, ingest_document, iter_corpus, read_metadata

SHARDS_DIR = ".shards"
DONE = "_shard.json"
ROW = "_row"  # hidden column of part files: the row's position within its shard (a sort tiebreak)
DEFAULT_SHARDS = 512
DEFAULT_TASK_DOCS = 64


def shard_settings(config: dict) -> tuple[int, int]:
    """(number of shards, documents per task) from the configuration's `shards:` block."""
    cfg = config.get("shards") or {}
    return max(1, int(cfg.get("count", DEFAULT_SHARDS))), max(1, int(cfg.get("docs_per_task", DEFAULT_TASK_DOCS)))


def shard_of(doc_id: str, n_shards: int) -> int:
    """The shard of a document: stable across runs, machines and corpus growth."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8", "surrogateescape"), digest_size=8).digest(), "big") % n_shards


# --------------------------------------------------------------------------- planning
@dataclass
class Shard:
    index: int
    key: str
    n_docs: int

    @property
    def dirname(self) -> str:
        return f"s{self.index:05d}-{self.key}"


@dataclass
class ShardTask:
    """What a worker needs to process shards: plain data (picklable, small)."""

    corpus: str
    parts_root: str
    shards: list[tuple[int, str, list[tuple[str, bytes]]]]  # (index, dirname, [(doc_id, path below corpus)])
    meta_rows: dict[str, dict] = field(default_factory=dict)
    force: bool = False


@dataclass
class Plan:
    """The corpus as shards, plus what the walk found that is not a document."""

    corpus: Path
    index_path: Path
    shards: list[Shard]
    errors: list[dict]  # corpus-level: walk problems, duplicate doc_ids
    warnings: list[str]
    meta_rows: dict[str, dict]
    n_documents: int

    def documents(self, shard: Shard) -> list[tuple[str, bytes]]:
        with sqlite3.connect(self.index_path) as con:
            return con.execute("SELECT doc_id, file FROM docs WHERE shard = ? ORDER BY doc_id", (shard.index,)).fetchall()

    def tasks(self, shards: list[Shard], parts_root: Path, per_task: int, force: bool) -> Iterator[ShardTask]:
        """Shards packed into tasks of about `per_task` documents, in shard order."""
        batch: list = []
        n = 0
        for shard in shards:
            docs = self.documents(shard)
            batch.append((shard.index, shard.dirname, docs))
            n += len(docs)
            if n >= per_task:
                yield self._task(batch, parts_root, force)
                batch, n = [], 0
        if batch:
            yield self._task(batch, parts_root, force)

    def _task(self, batch: list, parts_root: Path, force: bool) -> ShardTask:
        rows = {d: self.meta_rows[d] for _, _, docs in batch for d, _ in docs if d in self.meta_rows}
        return ShardTask(str(self.corpus.resolve()), str(parts_root), batch, rows, force)


def plan_shards(corpus: Path, config: dict, fingerprint: str, workdir: Path) -> Plan:
    """Walk the corpus once, hash every file, and group the documents into shards.

    The document index lives in `workdir/index.sqlite` (on disk: bounded memory).  Raises
    IngestError for corpus-level problems (missing folder, broken metadata.csv)."""
    n_shards, _ = shard_settings(config)
    extensions = config.get("ingest", {}).get("extensions", [".txt", ".md"])
    meta = read_metadata(corpus)
    errors: list[dict] = []
    workdir.mkdir(parents=True, exist_ok=True)
    index_path = workdir / "index.sqlite"
    index_path.unlink(missing_ok=True)
    hashes: dict[int, "hashlib._Hash"] = {}
    counts: dict[int, int] = defaultdict(int)
    n_docs = 0
    with sqlite3.connect(index_path) as con:
        con.execute("CREATE TABLE docs (doc_id TEXT PRIMARY KEY, path TEXT, file BLOB, shard INTEGER)")
        for path in iter_corpus(corpus, extensions):
            if isinstance(path, WalkProblem):
                errors.append({"path": path.path, "doc_id": None, "stage": "ingest", "error": path.error,
                               "message": path.message})
                continue
            doc_id = doc_id_for(path, corpus)
            rel = display_path(path.relative_to(corpus).as_posix())
            shard = shard_of(doc_id, n_shards)
            file = os.fsencode(path.relative_to(corpus))  # the name as on disk (any bytes)
            if con.execute("INSERT OR IGNORE INTO docs VALUES (?, ?, ?, ?)", (doc_id, rel, file, shard)).rowcount == 0:
                (taken,) = con.execute("SELECT path FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
                errors.append({"path": rel, "doc_id": doc_id, "stage": "ingest", "error": "duplicate_doc_id",
                               "message": f"doc_id {doc_id!r} is already taken by {taken}; rename one of the files"})
                continue  # `a.txt` and `a.md`: one doc_id, two files
            h = hashes.setdefault(shard, hashlib.sha256(fingerprint.encode()))
            h.update(json.dumps([doc_id, rel, _file_digest(path), meta.rows.get(doc_id)], ensure_ascii=False,
                                sort_keys=True).encode("utf-8", "surrogateescape"))
            counts[shard] += 1
            n_docs += 1
        con.execute("CREATE INDEX by_shard ON docs (shard, doc_id)")
    shards = [Shard(i, hashes[i].hexdigest()[:24], counts[i]) for i in sorted(hashes)]
    warnings = list(meta.warnings) + _unmatched_metadata(meta, index_path)
    return Plan(corpus, index_path, shards, errors, warnings, meta.rows, n_docs)


def _file_digest(path: Path) -> str:
    """A hash of the file's bytes (a file that cannot be read hashes as its error: the
    ingest stage then reports it)."""
    h = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        return f"unreadable:{exc.errno}"
    return h.hexdigest()


def _unmatched_metadata(meta, index_path: Path) -> list[str]:
    if not meta.lines:
        return []
    with sqlite3.connect(index_path) as con:
        known = {d for (d,) in con.execute("SELECT doc_id FROM docs WHERE doc_id IN (SELECT value FROM json_each(?))",
                                           (json.dumps(list(meta.lines)),))}
    return meta.unmatched(known)


def done_shards(parts_root: Path) -> set[str]:
    """The shard folders already complete under `parts_root`."""
    if not parts_root.is_dir():
        return set()
    return {d.name for d in parts_root.iterdir() if d.is_dir() and (d / DONE).exists()}


# --------------------------------------------------------------------------- the shard function
_PIPELINES: dict[str, tuple] = {}
_ZONES: dict[str, object] = {}  # the open spaCy memory zone of each pipeline


DEFAULT_MAX_VOCAB = 150_000
# One short German report: its first pass loads what the stages read lazily (simplemma's
# dictionary, dateparser's data, compiled patterns), so forked workers share those pages.
WARM_UP_TEXT = ("Am 3. März 2024 teilte Landrat Peter Müller in Hamm mit, dass über 2.113 Initiativen "
                "gegen 16:00 Uhr beim Landratsamt eingegangen seien. Die Polizei meldete zwei Verletzte.")


def max_vocab(config: dict) -> int:
    """Strings a worker's vocabulary may hold before its memory zone is renewed (`shards.max_vocab`)."""
    return max(1000, int((config.get("shards") or {}).get("max_vocab", DEFAULT_MAX_VOCAB)))


def worker_pipeline(config: dict):
    """(nlp, rules, long-document limits) for this configuration, built once per process.

    spaCy's vocabulary keeps every word string and lexeme it has seen, so a process that
    reads millions of documents would grow with the corpus.  The documents are processed
    inside a spaCy memory zone (`nlp.memory_zone()`): when the vocabulary holds more than
    `shards.max_vocab` strings, the zone is closed -- the strings and lexemes added in it
    are freed, the model's own stay -- and a new one opened.  Rows hold Python strings,
    never a Doc or a hash of a transient string, so results do not depend on when a zone
    ends (every engine and worker count gives the same bytes; a test)."""
    from .assembly import build_nlp
    from .rulebook import load_rules
    from .runner import long_document_limits

    key = json.dumps(config, sort_keys=True, default=str)
    if key not in _PIPELINES:
        nlp, _ = build_nlp(config)
        _PIPELINES[key] = (nlp, load_rules(config.get("rules", [])), long_document_limits(config))
        _ZONES[key] = _open_zone(nlp)
    elif len(_PIPELINES[key][0].vocab.strings) > max_vocab(config):
        _ZONES.pop(key).__exit__(None, None, None)
        _release_memory()
        _ZONES[key] = _open_zone(_PIPELINES[key][0])
    return _PIPELINES[key]


def _open_zone(nlp):
    zone = nlp.memory_zone()
    zone.__enter__()
    return zone


def warm_pipeline(config: dict) -> None:
    """Build the pipeline and run one short report through it (before a fork: the workers
    then share the lazily loaded data instead of each loading its own copy)."""
    from .ingest import ingest_bytes
    from .runner import process_batch

    nlp, rules, limits = worker_pipeline(config)
    process_batch(nlp, [ingest_bytes(WARM_UP_TEXT.encode("utf-8"), "warm-up.txt", "warm-up", None, config, rules)],
                  limits)


def _release_memory() -> None:
    """Drop per-word memos and hand freed heap back to the system (glibc only; best effort)."""
    import ctypes
    import gc

    from .lemmatizer import lemma_of

    lemma_of.cache_clear()
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def release_pipelines() -> None:
    """Drop this process's pipelines (before the merge: the model's memory goes back)."""
    for zone in _ZONES.values():
        zone.__exit__(None, None, None)
    _ZONES.clear()
    _PIPELINES.clear()
    _release_memory()


@dataclass
class ShardSummary:
    """What a finished shard reports back (also kept in the shard folder as `_shard.json`)."""

    index: int
    dirname: str
    n_docs: int = 0
    n_ok: int = 0
    n_errors: int = 0
    n_tokens: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    processed: bool = True


def read_summary(folder: Path) -> ShardSummary:
    """The summary a finished shard folder keeps (`_shard.json`), as reused."""
    return ShardSummary(**dict(json.loads((folder / DONE).read_text()), processed=False))


def run_task(task: ShardTask, config: dict) -> list[ShardSummary]:
    """Process every shard of a task that is not already done (the unit a worker runs)."""
    root = Path(task.parts_root)
    out = []
    for index, dirname, docs in task.shards:
        final = root / dirname
        if (final / DONE).exists() and not task.force:
            out.append(read_summary(final))
            continue
        out.append(_run_shard(task, config, index, dirname, docs))
    return out


def _run_shard(task: ShardTask, config: dict, index: int, dirname: str, docs: list) -> ShardSummary:
    from .faults import checkpoint
    from .runner import error_row, process_batch, result_rows

    nlp, rules, limits = worker_pipeline(config)
    corpus, root = Path(task.corpus), Path(task.parts_root)
    tmp = root / f".tmp-{dirname}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    summary = ShardSummary(index, dirname, n_docs=len(docs))
    timings: dict[str, float] = defaultdict(float)
    writer = PartWriter(tmp)
    batch_size = int(config.get("batch_size", 16))
    for start in range(0, len(docs), batch_size):
        records: list[DocRecord] = []
        errors: list[dict] = []
        t0 = time.perf_counter()
        for doc_id, file in docs[start : start + batch_size]:
            path = corpus / os.fsdecode(file)
            try:
                records.append(ingest_document(path, corpus, task.meta_rows.get(doc_id), config, rules))
            except Exception as exc:  # noqa: BLE001 - one bad document must not stop the run
                errors.append(error_row(display_path(os.fsdecode(file)), "ingest", exc))
        timings["ingest"] += time.perf_counter() - t0
        for res in process_batch(nlp, records, limits, long_sink=writer.long_document):
            for k, v in res.timings.items():
                timings[k] += v
            if res.error is not None:
                errors.append(res.error)
                continue
            summary.n_ok += 1
            summary.n_tokens += int(res.document.get("n_tokens") or 0)
            writer.add(result_rows(res))
        summary.n_errors += len(errors)
        writer.add({"errors": errors})
        checkpoint("process")
    t0 = time.perf_counter()
    writer.close()
    timings["write"] += time.perf_counter() - t0
    summary.timings = {k: round(v, 6) for k, v in sorted(timings.items())}
    (tmp / DONE).write_text(json.dumps(asdict(summary), sort_keys=True) + "\n", encoding="utf-8")
    final = root / dirname
    if final.exists():  # --no-cache over an existing folder: replace it
        shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)
    checkpoint("shard")
    return summary


class PartWriter:
    """Rows of one shard -> one Parquet part file per table, written batch by batch.

    Declared tables are typed by the data dictionary as they arrive (memory: one batch);
    a plugin's table (types inferred) is written once at the end."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows_seen: dict[str, int] = defaultdict(int)
        self.plugin_rows: dict[str, list[dict]] = defaultdict(list)

    def long_document(self, doc_id: str) -> "LongDocumentParts":
        """A sink for one long document's rows (its own part files, kept only when the
        whole document succeeds)."""
        return LongDocumentParts(self.folder / f"long-{len(list(self.folder.glob('long-*'))):05d}")

    def add(self, tables: dict[str, list[dict]]) -> None:
        for name, rows in tables.items():
            if name not in S.TABLES:  # a plugin's table: written even when it stays empty
                self.plugin_rows[name].extend(rows)
                continue
            if not rows:
                continue
            self._write(name, typed_table(name, rows))

    def _write(self, name: str, table: pa.Table) -> None:
        first = self.rows_seen[name]
        table = table.append_column(ROW, pa.array(range(first, first + table.num_rows), type=pa.int64()))
        self.rows_seen[name] += table.num_rows
        if name not in self.writers:  # parts are internal: every column nullable, one schema per table
            schema = pa.schema([f.with_nullable(True) for f in table.schema], metadata=table.schema.metadata)
            self.writers[name] = pq.ParquetWriter(self.folder / f"{name}.parquet", schema, compression="zstd")
        self.writers[name].write_table(table.cast(self.writers[name].schema))

    def close(self) -> None:
        for name, rows in sorted(self.plugin_rows.items()):
            self._write(name, typed_table(name, rows))
        for w in self.writers.values():
            w.close()


def prune_shards(out: Path, keep: set[str]) -> int:
    """Remove the shard folders of `OUT/.shards` this run did not use (older contents,
    other configurations) and unfinished ones; returns how many were removed.  Call with
    the output lock held."""
    root = out / SHARDS_DIR
    if not root.is_dir():
        return 0
    removed = 0
    for d in sorted(root.iterdir()):
        if d.name not in keep:
            shutil.rmtree(d, ignore_errors=True) if d.is_dir() else d.unlink(missing_ok=True)
            removed += 1
    return removed


class LongDocumentParts:
    """`runner.RowSink` of a long document: rows written segment by segment to a
    sub-folder of the shard (memory bounded by one segment's rows)."""

    def __init__(self, folder: Path):
        folder.mkdir()
        self.folder = folder
        self.writer = PartWriter(folder)

    def add(self, tables: dict[str, list[dict]]) -> None:
        self.writer.add(tables)

    def keep(self) -> None:
        self.writer.close()

    def discard(self) -> None:
        self.writer.close()
        shutil.rmtree(self.folder, ignore_errors=True)
