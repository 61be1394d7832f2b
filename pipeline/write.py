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
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

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


def to_frame(name: str, rows: list[dict]) -> tuple[pd.DataFrame, pa.Table]:
    """Rows in memory -> (the CSV frame, the typed Arrow table) of one table, sorted by
    the data dictionary's keys (the Python API's path; a corpus run merges part files)."""
    table_def = S.TABLES.get(name)
    if table_def is None:
        return _plugin_frame(rows)
    rows = derive_columns(name, rows)
    keys = list(table_def.sort_keys)
    if len(rows) > 1 and keys:
        df = pd.DataFrame(rows, columns=sorted({k for r in rows for k in r} | set(keys)))
        order = df.sort_values(keys, kind="mergesort", na_position="first").index
        rows = [rows[i] for i in order]
    table = typed_table(name, rows)
    return csv_frame(name, table), table


def typed_table(name: str, rows: list[dict]) -> pa.Table:
    """Rows -> the typed Arrow table of one table, in the rows' order.

    Declared tables (pipeline/schema.py) are typed by the data dictionary: NULL for
    missing values (an empty string in a nullable text column is NULL), dates and
    timestamps typed, list columns as lists; extra columns a stage emits follow, types
    inferred.  Plugin tables keep their inferred types."""
    table_def = S.TABLES.get(name)
    if table_def is None:
        return _plugin_frame(rows)[1]
    rows = derive_columns(name, rows)
    declared = table_def.names
    extra = sorted({k for r in rows for k in r} - set(declared))
    arrays, fields = [], []
    for col in table_def.columns:
        values = [_typed(r.get(col.name), col) for r in rows]
        arrays.append(pa.array(values, type=col.type))
        nullable = col.nullable or arrays[-1].null_count > 0  # never fail a run on a stage's None
        fields.append(pa.field(col.name, col.type, nullable=nullable, metadata={"description": col.description}))
    if extra:
        df = pd.DataFrame([{c: r.get(c) for c in extra} for r in rows], columns=extra)
        for c in extra:
            arr = pa.Table.from_pandas(df[[c]], preserve_index=False).column(c).combine_chunks()
            arrays.append(arr)
            fields.append(pa.field(c, arr.type))
    arrow_schema = pa.schema(fields, metadata={"description": table_def.description,
                                               "contract_version": str(S.CONTRACT_VERSION)})
    return pa.Table.from_arrays(arrays, schema=arrow_schema)


def csv_frame(name: str, table: pa.Table) -> pd.DataFrame:
    """A typed table -> the frame written as CSV: text as the data dictionary renders it
    (empty field = NULL, lists `; `-joined, ISO dates), integers without `.0`."""
    table_def = S.TABLES.get(name)
    if table_def is None:
        return table.to_pandas()
    declared = set(table_def.names)
    csv = pd.DataFrame({f.name: [S.csv_value(v, f.type) for v in table.column(f.name).to_pylist()]
                        for f in table.schema if f.name in declared}, columns=[n for n in table.schema.names if n in declared])
    for f in table.schema:
        if f.name not in declared:
            csv[f.name] = table.column(f.name).to_pandas()
    for col in table_def.columns:  # integer columns stay integers in CSV (no 3.0)
        if col.name not in csv:
            continue
        if col.type == S.INT:
            csv[col.name] = csv[col.name].astype("Int64")
        elif col.type == S.FLOAT:
            csv[col.name] = pd.to_numeric(csv[col.name], errors="coerce").astype("float64")
    return csv


def _plugin_frame(rows: list[dict]) -> tuple[pd.DataFrame, pa.Table]:
    """A plugin's table (not in the data dictionary): columns in first-seen order, types
    inferred, sorted by document and offsets when it has them."""
    cols: list[str] = []
    for r in rows:
        cols.extend(k for k in r if k not in cols)
    if not cols:  # no rows in this corpus: still a (typed, empty) table that joins documents
        return pd.DataFrame({"doc_id": pd.Series([], dtype=object)}), pa.table({"doc_id": pa.array([], type=S.STR)})
    front = [c for c in ("doc_id", "start_char", "end_char", "text") if c in cols]
    cols = front + [c for c in cols if c not in front]
    df = pd.DataFrame(rows, columns=cols)
    keys = [c for c in ("doc_id", "start_char", "end_char") if c in cols]
    if len(df) and keys:
        df = df.sort_values(keys, kind="mergesort", na_position="first").reset_index(drop=True)
    return df, pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)


def derive_columns(name: str, rows: list[dict]) -> list[dict]:
    """Columns computed from others at write time: `dates.begin`/`end` from the value."""
    if name != "dates":
        return rows
    from .temporal.bounds import bounds

    out = []
    for r in rows:
        if "begin" not in r or "end" not in r:
            begin, end = bounds(r.get("value"))
            r = dict(r, begin=begin, end=end)
        out.append(r)
    return out


def _typed(value, col: "S.Column"):
    """One cell as the data dictionary types it (None for missing)."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return None
    t = col.type
    if t == S.STR:
        value = value if isinstance(value, str) else str(value)
        return None if value == "" and col.nullable else value
    if t == S.INT:
        return int(value)
    if t == S.FLOAT:
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    if t == S.DATE:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                return None
        return value.date() if isinstance(value, datetime) else value
    if t == S.TIMESTAMP:
        return datetime.fromisoformat(value) if isinstance(value, str) else value
    if pa.types.is_list(t):
        if isinstance(value, str):
            value = [v for v in value.split(S.LIST_SEPARATOR) if v]
        value = [str(v) for v in value]
        return value or None
    return value


def ensure_writable(out: Path) -> None:
    """Fail early (before any document is processed) when `out` cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".write-probe-", delete=True)
        probe.close()
    except OSError as exc:
        raise OutputError(f"cannot write to output folder {out}: {exc.strerror}") from None


def write_run(out: Path, outcome, run_json: dict, memory_limit: str | None = None) -> dict[str, int]:
    """Merge a corpus run's shard parts (`runner.RunOutcome`) into a new output set and
    switch to it atomically; returns the row count of every table."""
    part_dirs = [outcome.parts_root / d for d in outcome.shard_dirs]
    return _write(out, part_dirs, outcome.errors, run_json, memory_limit)


def write_outputs(out: Path, tables: dict[str, list[dict]], run_json: dict) -> dict[str, int]:
    """Rows in memory -> the output set, through the same part files and merge as a
    corpus run (one part per table; `entities` is recomputed from the mentions)."""
    from .shards import PartWriter

    with tempfile.TemporaryDirectory(dir=_ensure(out), prefix=".parts-") as tmp:
        writer = PartWriter(Path(tmp))
        writer.add({k: v for k, v in tables.items() if k not in ("entities", "errors")})
        writer.close()
        return _write(out, [Path(tmp)], list(tables.get("errors", [])), run_json, None)


def _ensure(out: Path) -> Path:
    ensure_writable(out)
    return out


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
        writer = PartWriter(work / "corpus")
        (work / "corpus").mkdir()
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
                files = parts.get(name, [])
                if name == "entities":
                    query = entities_query(parts["mentions"], parts.get("roles", [])) if parts.get("mentions") else None
                    counts[name] = merge_table(con, name, query, staging)
                else:
                    counts[name] = merge_table(con, name, table_query(name, files) if files else None, staging,
                                               table_scan(files) if files else None)
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
