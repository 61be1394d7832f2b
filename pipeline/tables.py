"""Tables: rows -> typed Arrow tables and the frames written as CSV.

The one place where rows meet the data dictionary (`pipeline/schema.py`): column order
and types, NULLs, dates and lists (`typed_table`), and how each value is written to CSV
(`csv_frame`).  Shard part files (`pipeline/shards.py`), the merge (`pipeline/merge.py`)
and the Python API (`to_frame`) all type rows here.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pyarrow as pa

from . import schema as S

# How rows of a plugin's table (not in the data dictionary) are ordered, where it has the columns.
PLUGIN_SORT_KEYS = ("doc_id", "start_char", "end_char")


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
    keys = [c for c in PLUGIN_SORT_KEYS if c in cols]
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
