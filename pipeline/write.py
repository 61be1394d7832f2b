"""Stage 7, write: per-document rows -> corpus tables (Parquet, CSV, DuckDB) + run.json.

Column order and types are declared here (the output contract's columns first), rows are
sorted, so two runs over the same input give byte-identical Parquet/CSV files.  The whole
set is written into a new run folder and switched in with one atomic rename
(`pipeline/outdir.py`), so an interrupted run never leaves half a table or a mixed set.  Tables a plugin stage adds are written too, columns inferred.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .runner import DocResult

STR, INT, FLOAT, BOOL = pa.string(), pa.int64(), pa.float64(), pa.bool_()

# table -> [(column, type)]; contract columns first, project extensions after.
SCHEMAS: dict[str, list[tuple[str, pa.DataType]]] = {
    "documents": [
        ("doc_id", STR), ("path", STR), ("text", STR), ("doc_date", STR), ("doc_date_source", STR),
        ("n_tokens", INT), ("n_sentences", INT), ("sha256", STR),
        ("encoding", STR), ("n_chars", INT), ("source", STR), ("url", STR), ("title", STR),
    ],
    "metadata": [
        ("doc_id", STR), ("key", STR), ("value", STR),
        ("section", STR), ("start_char", INT), ("end_char", INT),
    ],
    "mentions": [
        ("doc_id", STR), ("mention_id", STR), ("start_char", INT), ("end_char", INT), ("text", STR),
        ("label", STR), ("canonical", STR), ("entity_id", STR),
        ("source", STR), ("role", STR), ("admin_type", STR), ("sentence", INT),
    ],
    "entities": [
        ("entity_id", STR), ("label", STR), ("canonical", STR), ("n_mentions", INT), ("n_docs", INT),
        ("roles", STR), ("admin_type", STR), ("surface_forms", STR), ("sources", STR),
    ],
    "roles": [
        ("doc_id", STR), ("mention_id", STR), ("entity_id", STR), ("person", STR), ("role", STR),
        ("start_char", INT), ("end_char", INT), ("text", STR), ("org_or_place", STR), ("org_entity_id", STR),
    ],
    "dates": [
        ("doc_id", STR), ("start_char", INT), ("end_char", INT), ("text", STR), ("type", STR),
        ("value", STR), ("granularity", STR), ("modifier", STR),
        ("anchor", STR), ("frequency", STR), ("rule", STR),
    ],
    "figures": [
        ("doc_id", STR), ("start_char", INT), ("end_char", INT), ("text", STR), ("value", FLOAT),
        ("value_max", FLOAT), ("qualifier", STR), ("unit", STR), ("kind", STR),
        ("of", STR), ("unit_source", STR), ("metadata_key", STR), ("rule", STR),
    ],
    "errors": [("path", STR), ("stage", STR), ("error", STR), ("message", STR), ("doc_id", STR)],
}
TABLE_ORDER = ["documents", "metadata", "mentions", "entities", "roles", "dates", "figures", "errors"]
SORT_KEYS = {
    "documents": ["doc_id"],
    "metadata": ["doc_id", "start_char", "key"],
    "mentions": ["doc_id", "start_char", "end_char", "label"],
    "entities": ["label", "canonical"],
    "roles": ["doc_id", "start_char", "end_char"],
    "dates": ["doc_id", "start_char", "end_char"],
    "figures": ["doc_id", "start_char", "end_char"],
    "errors": ["path", "stage"],
}
DB_NAME = "pipeline.duckdb"


class OutputError(Exception):
    """The output folder cannot be written (one-line message for the CLI)."""


def collect_tables(results: list[DocResult], errors: list[dict]) -> dict[str, list[dict]]:
    """Per-document results -> table rows, plus the corpus-wide `entities` table."""
    tables: dict[str, list[dict]] = defaultdict(list)
    for res in results:
        tables["documents"].append(res.document)
        for name, rows in res.tables.items():
            tables[name].extend(rows)
    tables["entities"] = aggregate_entities(tables.get("mentions", []), tables.get("roles", []))
    tables["errors"] = list(errors)
    for name in SCHEMAS:
        tables.setdefault(name, [])
    return dict(tables)


def aggregate_entities(mentions: list[dict], roles: list[dict]) -> list[dict]:
    """One row per entity_id (= label + canonical) over the corpus.

    Extra columns: `roles` (role names seen for a person, `; `-joined), `admin_type` (the
    most frequent administrative type of a place), `surface_forms` (distinct texts, by
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
    for eid, row in agg.items():
        row["n_docs"] = len(docs[eid])
        row["roles"] = "; ".join(sorted(role_names.get(eid, ()))) or None
        row["admin_type"] = sorted(admin[eid].items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if admin[eid] else None
        row["surface_forms"] = "; ".join(t for t, _ in sorted(forms[eid].items(), key=lambda kv: (-kv[1], kv[0])) if t)
        row["sources"] = "; ".join(sorted(sources[eid])) or None
    return [agg[k] for k in sorted(agg)]


def to_frame(name: str, rows: list[dict]) -> tuple[pd.DataFrame, pa.Table]:
    schema = SCHEMAS.get(name)
    if schema is None:  # a plugin's table: columns in first-seen order
        cols: list[str] = []
        for r in rows:
            cols.extend(k for k in r if k not in cols)
        front = [c for c in ("doc_id", "start_char", "end_char", "text") if c in cols]
        cols = front + [c for c in cols if c not in front]
        df = pd.DataFrame(rows, columns=cols)
        keys = [c for c in ("doc_id", "start_char", "end_char") if c in cols]
    else:
        declared = [c for c, _ in schema]
        extra = sorted({k for r in rows for k in r} - set(declared))
        df = pd.DataFrame(rows, columns=declared + extra)
        keys = SORT_KEYS.get(name, declared[:1])
    if len(df) and keys:
        df = df.sort_values(keys, kind="mergesort", na_position="first").reset_index(drop=True)
    arrow_schema = None
    if schema is not None:
        fields = [pa.field(c, t) for c, t in schema]
        for c in df.columns[len(schema) :]:
            fields.append(pa.field(c, pa.Table.from_pandas(df[[c]], preserve_index=False).schema.field(c).type))
        arrow_schema = pa.schema(fields)
        for c, t in schema:
            if t == INT:
                df[c] = df[c].astype("Int64")
            elif t == FLOAT:
                df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
            elif t == STR:
                df[c] = df[c].astype(object).where(df[c].notna(), None)
                df[c] = df[c].map(lambda v: v if v is None or isinstance(v, str) else str(v))
    table = pa.Table.from_pandas(df, schema=arrow_schema, preserve_index=False)
    table = table.replace_schema_metadata(None)  # no pandas/library metadata: stable bytes
    return df, table


def ensure_writable(out: Path) -> None:
    """Fail early (before any document is processed) when `out` cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".write-probe-", delete=True)
        probe.close()
    except OSError as exc:
        raise OutputError(f"cannot write to output folder {out}: {exc.strerror}") from None


def write_outputs(out: Path, tables: dict[str, list[dict]], run_json: dict) -> dict[str, int]:
    """Write every table into a new run folder and switch to it atomically; row counts.

    The placing of files (run folder, lock, switch, cleanup) is `pipeline/outdir.py`."""
    from .outdir import OutputLock

    ensure_writable(out)
    with OutputLock(out):
        run_dir = new_output_set(out)
        try:
            counts = _write_set(run_dir, tables, run_json)
            publish_output_set(out, run_dir)
        except OSError as exc:
            discard_output_set(out, run_dir)
            raise OutputError(output_os_message(out, exc)) from None
    return counts


def _write_set(staging: Path, tables: dict[str, list[dict]], run_json: dict) -> dict[str, int]:
    from .faults import checkpoint

    names = [n for n in TABLE_ORDER if n in tables] + sorted(n for n in tables if n not in TABLE_ORDER)
    counts: dict[str, int] = {}
    frames = {}
    for name in names:
        df, table = to_frame(name, tables[name])
        frames[name] = df
        counts[name] = len(df)
        pq.write_table(table, staging / f"{name}.parquet", compression="zstd")
        checkpoint(f"write:{name}.parquet")
        df.to_csv(staging / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
        checkpoint(f"write:{name}.csv")
    import duckdb

    try:
        _write_duckdb(staging / DB_NAME, staging, names)
    except duckdb.IOException as exc:  # a full disk, seen through DuckDB
        raise OSError(errno.EIO, " ".join(str(exc).split())[:200]) from None
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
    finally:
        con.close()
