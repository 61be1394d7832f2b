"""Stage 7, write: shard part files -> the output set (Parquet, CSV, DuckDB) + run.json.

Column order and types come from the data dictionary (`pipeline/schema.py`); rows are
sorted, so two runs over the same input give byte-identical Parquet/CSV files whatever
the engine or number of workers.  The tables are merged from the shards' part files by
a streaming DuckDB query per table (`pipeline/merge.py`), so memory does not grow with
the corpus.  The whole set is written into a new run folder and switched in with one
atomic rename (`pipeline/outdir.py`), so an interrupted run never leaves half a table
or a mixed set.  Tables a plugin stage adds are written too, columns inferred.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

from .names.kinds import entity_kind
from .runner import DocResult

from . import schema as S

# Columns, types and sort keys of every table come from the data dictionary (pipeline/schema.py).
TABLE_ORDER = list(S.TABLE_ORDER)
DB_NAME = "pipeline.duckdb"
log = logging.getLogger("pipeline.write")


class OutputError(Exception):
    """The output folder cannot be written (one-line message for the CLI)."""


def collect_tables(results: list[DocResult], errors: list[dict]) -> dict[str, list[dict]]:
    """Per-document results in memory -> table rows, plus the corpus-wide `entities`
    table (the Python API's path; a corpus run merges shard part files instead)."""
    tables: dict[str, list[dict]] = defaultdict(list)
    for res in results:
        tables["documents"].append(res.document)
        for name, rows in res.tables.items():
            tables[name].extend(rows)
    tables["entities"] = aggregate_entities(tables.get("mentions", []), tables.get("roles", []))
    tables["errors"] = list(errors)
    for name in S.TABLES:
        tables.setdefault(name, [])
    return dict(tables)


def aggregate_entities(mentions: list[dict], roles: list[dict]) -> list[dict]:
    """One row per entity_id (= label + canonical) over the corpus.

    Extra columns: `roles` (role names seen for a person, a sorted list), `admin_type` (the
    most frequent administrative type of a place), `kind` (`names.kinds.entity_kind`:
    name, acronym or generic), `surface_forms` (distinct texts, by
    frequency), `sources` (which model/rules found it).  Ties are broken alphabetically,
    so the table does not depend on document order.
    """
    from collections import Counter

    agg: dict[str, dict] = {}
    docs: dict[str, set] = defaultdict(set)
    role_names: dict[str, set] = defaultdict(set)
    admin: dict[str, Counter] = defaultdict(Counter)
    forms: dict[str, Counter] = defaultdict(Counter)
    sources: dict[str, set] = defaultdict(set)
    kinds: dict[str, list] = defaultdict(list)
    for r in roles:
        if r.get("entity_id") and r.get("role"):
            role_names[r["entity_id"]].add(r["role"])
    for m in mentions:
        eid = m["entity_id"]
        row = agg.setdefault(eid, {"entity_id": eid, "label": m["label"], "canonical": m["canonical"], "n_mentions": 0})
        row["n_mentions"] += 1
        docs[eid].add(m["doc_id"])
        if m.get("admin_type"):
            admin[eid][m["admin_type"]] += 1
        forms[eid][m.get("text") or ""] += 1
        if m.get("source"):
            sources[eid].add(str(m["source"]))
        if m.get("role"):
            role_names[eid].add(m["role"])
        kinds[eid].append(m.get("kind"))
    for eid, row in agg.items():
        row["n_docs"] = len(docs[eid])
        row["roles"] = sorted(role_names.get(eid, ())) or None
        row["admin_type"] = sorted(admin[eid].items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if admin[eid] else None
        row["kind"] = entity_kind(kinds[eid])
        row["surface_forms"] = [t for t, _ in sorted(forms[eid].items(), key=lambda kv: (-kv[1], kv[0])) if t] or None
        row["sources"] = sorted(sources[eid]) or None
    return [agg[k] for k in sorted(agg)]


def ensure_writable(out: Path) -> None:
    """Fail early (before any document is processed) when `out` cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".write-probe-", delete=True)
        probe.close()
    except OSError as exc:
        raise OutputError(f"cannot write to output folder {out}: {exc.strerror}") from None


def write_run(out: Path, outcome, run_json: dict, memory_limit: str | None = None) -> dict[str, int]:
    """Merge a corpus run's shard parts (`run.RunOutcome`) into a new output set and
    switch to it atomically; returns the row count of every table."""
    part_dirs = [outcome.parts_root / d for d in outcome.shard_dirs]
    return _write(out, part_dirs, outcome.errors, run_json, memory_limit)


def write_outputs(out: Path, tables: dict[str, list[dict]], run_json: dict) -> dict[str, int]:
    """Rows in memory -> the output set, through the same part files and merge as a
    corpus run (one part per table; `entities` is recomputed from the mentions)."""
    from .shards import PartWriter

    ensure_writable(out)
    with tempfile.TemporaryDirectory(dir=out, prefix=".parts-") as tmp:
        writer = PartWriter(Path(tmp))
        writer.add({k: v for k, v in tables.items() if k not in ("entities", "errors")})
        writer.close()
        return _write(out, [Path(tmp)], list(tables.get("errors", [])), run_json, None)


def _write(out: Path, part_dirs: list[Path], corpus_errors: list[dict], run_json: dict,
           memory_limit: str | None) -> dict[str, int]:
    """Write every table into a new run folder and switch to it atomically; row counts.

    The placing of files (run folder, lock, switch, cleanup) is `pipeline/outdir.py`."""
    from .outdir import OutputLock

    ensure_writable(out)
    with OutputLock(out):
        run_dir = new_output_set(out)
        try:
            counts = _write_set(run_dir, part_dirs, corpus_errors, run_json, memory_limit)
            publish_output_set(out, run_dir)
            write_readme(out, list(counts))
        except OSError as exc:
            discard_output_set(out, run_dir)
            raise OutputError(output_os_message(out, exc)) from None
    return counts


def _write_set(staging: Path, part_dirs: list[Path], corpus_errors: list[dict], run_json: dict,
               memory_limit: str | None) -> dict[str, int]:
    import duckdb

    from .faults import checkpoint
    from .merge import connect, entities_query, merge_table, parts_by_table, table_query, table_scan
    from .shards import PartWriter

    work = staging / ".merge"
    work.mkdir()
    if corpus_errors:  # walk problems and duplicate doc_ids: one more part
        (work / "corpus").mkdir()
        writer = PartWriter(work / "corpus")
        writer.add({"errors": corpus_errors})
        writer.close()
        part_dirs = [*part_dirs, work / "corpus"]
    parts = parts_by_table(part_dirs)
    names = [n for n in TABLE_ORDER if n in S.TABLES] + sorted(n for n in parts if n not in S.TABLES)
    counts: dict[str, int] = {}
    try:
        con = connect(work, memory_limit)
        try:
            for name in names:
                table_parts = parts.get(name)
                if name == "entities":
                    query = entities_query(parts["mentions"], parts.get("roles")) if "mentions" in parts else None
                    counts[name] = merge_table(con, name, query, staging)
                else:
                    counts[name] = merge_table(con, name, table_query(name, table_parts) if table_parts else None,
                                               staging, table_scan(table_parts) if table_parts else None)
                checkpoint(f"write:{name}.parquet")
                checkpoint(f"write:{name}.csv")
        finally:
            con.close()
        _write_duckdb(staging / DB_NAME, staging, names)
    except duckdb.IOException as exc:  # a full disk, seen through DuckDB
        raise OSError(errno.EIO, " ".join(str(exc).split())[:200]) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    checkpoint(f"write:{DB_NAME}")
    run_json = dict(run_json, counts=counts, tables=names, database=DB_NAME)
    (staging / "run.json").write_text(json.dumps(run_json, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    checkpoint("write:run.json")
    return counts


def new_output_set(out: Path) -> Path:
    """A fresh run folder for the next output set (`OUT/.runs/<run-id>/`)."""
    from .outdir import new_run_dir

    return new_run_dir(out)


def publish_output_set(out: Path, run_dir: Path) -> None:
    """Switch `OUT`'s contract paths to the finished run folder in one atomic step."""
    from .outdir import publish

    publish(out, run_dir)


def discard_output_set(out: Path, run_dir: Path) -> None:
    """Remove an unfinished run folder (never the live one)."""
    from .outdir import current_target

    live = current_target(out)
    if live is None or live.resolve() != run_dir.resolve():
        shutil.rmtree(run_dir, ignore_errors=True)


def output_os_message(out: Path, exc: BaseException) -> str:
    """One line for an OS error while writing the output set (full disk and the like)."""
    err = getattr(exc, "errno", None)
    text = str(exc)
    if err == errno.ENOSPC or "No space left" in text:
        return f"no space left on device while writing {out}; the previous tables are unchanged"
    if err == errno.EDQUOT:
        return f"disk quota exceeded while writing {out}; the previous tables are unchanged"
    reason = getattr(exc, "strerror", None) or " ".join(text.split())[:200] or type(exc).__name__
    return f"cannot write outputs to {out}: {reason}; the previous tables are unchanged"


def _write_duckdb(db_path: Path, staging: Path, names: list[str]) -> None:
    import duckdb

    con = duckdb.connect(str(db_path))
    try:
        for name in names:
            pq_path = str(staging / f"{name}.parquet").replace("'", "''")
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM read_parquet(\'{pq_path}\')')
        _duckdb_constraints(con, names)
    finally:
        con.close()


def _duckdb_constraints(con, names: list[str]) -> None:
    """Primary keys, NOT NULL, comments and the join views from the data dictionary."""
    for name in names:
        t = S.TABLES.get(name)
        if t is None:
            continue
        for col in t.columns:
            if col.nullable:
                continue
            if con.execute(f'SELECT count(*) FROM "{name}" WHERE "{col.name}" IS NULL').fetchone()[0]:
                log.warning("%s.%s has NULLs although the data dictionary says NOT NULL", name, col.name)
            else:
                con.execute(f'ALTER TABLE "{name}" ALTER COLUMN "{col.name}" SET NOT NULL')
        if t.primary_key:
            key = ", ".join(f'"{c}"' for c in t.primary_key)
            dupes = con.execute(f'SELECT count(*) - count(DISTINCT ({key})) FROM "{name}"').fetchone()[0]
            if dupes:
                log.warning("%s: %d duplicate %s value(s); no primary key declared", name, dupes, key)
            else:
                con.execute(f'ALTER TABLE "{name}" ADD PRIMARY KEY ({key})')
    for stmt in S.duckdb_statements(names):
        if stmt.startswith("CREATE VIEW") and not all(n in names for n in ("documents", "entities", "roles", "dates", "mentions")):
            continue
        con.execute(stmt)


def write_readme(out: Path, names: list[str]) -> None:
    """OUT/README.md: the data dictionary, written with every run.  A plain file beside the
    contract links (documentation, the same for every run of this code, so it need not
    switch with the output set); replaced atomically."""
    tmp = out / ".README.md.tmp"
    tmp.write_text(S.render_readme([n for n in names if n not in S.TABLES]), encoding="utf-8")
    os.replace(tmp, out / "README.md")
