"""Merge: shard part files -> the contract's tables, streamed through DuckDB.

Each table is one `ORDER BY` query over all shards' part files (the data dictionary's
sort keys, NULLs first, then part file and row position as the tiebreak, so the order is
total and the output byte-deterministic whatever engine or worker count produced the
parts).  DuckDB sorts out of core within `memory_limit`, spilling to a temporary folder;
the result is read in fixed-size batches and written to Parquet (typed by the data
dictionary, one row group per batch) and CSV (formatted as `tables.csv_frame` formats
it), so no step holds a whole table in memory.  The corpus-wide `entities` table is an
aggregation over the `mentions` and `roles` parts (`ENTITIES_SQL`, the same result as
`write.aggregate_entities` over rows in memory).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from . import schema as S
from .shards import ROW
from .tables import PLUGIN_SORT_KEYS, csv_frame, typed_table

BATCH_ROWS = 16_384
# `documents` rows carry whole texts: smaller batches keep the merge's memory flat
TABLE_BATCH_ROWS = {"documents": 500}
DEFAULT_MEMORY_LIMIT = "256MB"
log = logging.getLogger("pipeline.merge")


def parts_by_table(part_dirs: list[Path]) -> dict[str, "Parts"]:
    """Every table's part files, in shard order (the folders' order; a long document's
    parts are in a sub-folder of its shard)."""
    files: dict[str, list[str]] = {}
    for d in part_dirs:
        for f in sorted(d.glob("*.parquet")) + sorted(d.glob("long-*/*.parquet")):
            files.setdefault(f.stem, []).append(str(f))
    return {name: Parts(fs) for name, fs in files.items()}


def connect(tmp_dir: Path, memory_limit: str | None = None):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit or DEFAULT_MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = {_sql_str(str(tmp_dir))}")
    con.execute("SET preserve_insertion_order = true")
    return con


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Parts:
    """One table's part files, each file's schema read once from its footer."""

    files: list[str]
    schemas: list[pa.Schema] = field(init=False)

    def __post_init__(self) -> None:
        self.schemas = [pq.read_schema(f) for f in self.files]

    @property
    def columns(self) -> set[str]:
        return {n for s in self.schemas for n in s.names}

    @property
    def source(self) -> str:
        """The part files as one relation.  Columns are matched by name only when the
        files' schemas differ (a stage's extra column, a plugin's inferred types): DuckDB's
        `union_by_name` reads every file up front, which costs memory with the corpus."""
        kinds = {tuple((f.name, str(f.type)) for f in s) for s in self.schemas}
        union = ", union_by_name = true" if len(kinds) > 1 else ""
        return f"read_parquet([{', '.join(_sql_str(f) for f in self.files)}]{union}, filename = true)"


def table_scan(parts: Parts) -> str:
    """The rows of one table's part files, unsorted."""
    return f"SELECT * FROM {parts.source}"


def table_query(name: str, parts: Parts) -> str:
    """The sorted rows of one table over its part files (hidden columns dropped)."""
    table_def = S.TABLES.get(name)
    keys = list(table_def.sort_keys) if table_def else list(PLUGIN_SORT_KEYS)
    cols = parts.columns
    order = ", ".join(f'"{k}" ASC NULLS FIRST' for k in keys if k in cols)
    order = f"{order}, " if order else ""
    return f'SELECT * EXCLUDE ("{ROW}", filename) FROM {parts.source} ORDER BY {order}filename, "{ROW}"'


def entities_query(mentions: Parts, roles: Parts | None) -> str:
    """One row per entity_id over the corpus (see `write.aggregate_entities`; the kind
    rule is `names.kinds.entity_kind`)."""
    kind = "kind" if "kind" in mentions.columns else "NULL"
    roles = (f"SELECT entity_id, role FROM {roles.source} WHERE entity_id IS NOT NULL AND role IS NOT NULL "
             f"AND role <> '' UNION " if roles else "")
    return f"""
WITH m AS (SELECT * FROM {mentions.source}),
r AS ({roles}SELECT entity_id, role FROM m WHERE role IS NOT NULL AND role <> ''),
roles AS (SELECT entity_id, list(DISTINCT role ORDER BY role) AS roles FROM r GROUP BY entity_id),
adm AS (SELECT entity_id, first(admin_type ORDER BY c DESC, admin_type) AS admin_type FROM
        (SELECT entity_id, admin_type, count(*) AS c FROM m WHERE admin_type IS NOT NULL AND admin_type <> ''
         GROUP BY entity_id, admin_type) GROUP BY entity_id),
forms AS (SELECT entity_id, list(text ORDER BY c DESC, text) AS surface_forms FROM
          (SELECT entity_id, text, count(*) AS c FROM m WHERE text IS NOT NULL AND text <> '' GROUP BY entity_id, text)
          GROUP BY entity_id),
src AS (SELECT entity_id, list(s ORDER BY s) AS sources FROM
        (SELECT DISTINCT entity_id, CAST(source AS VARCHAR) AS s FROM m WHERE source IS NOT NULL
         AND CAST(source AS VARCHAR) <> '') GROUP BY entity_id),
base AS (SELECT entity_id, min(label) AS label, min(canonical) AS canonical, count(*) AS n_mentions,
         count(DISTINCT doc_id) AS n_docs,
         CASE min(CASE coalesce({kind}, 'name') WHEN 'name' THEN 0 WHEN 'acronym' THEN 1 WHEN 'generic' THEN 2 ELSE 0 END)
         WHEN 0 THEN 'name' WHEN 1 THEN 'acronym' ELSE 'generic' END AS kind
         FROM m GROUP BY entity_id)
SELECT base.*, roles.roles, adm.admin_type, forms.surface_forms, src.sources
FROM base LEFT JOIN roles USING (entity_id) LEFT JOIN adm USING (entity_id) LEFT JOIN forms USING (entity_id)
LEFT JOIN src USING (entity_id)
ORDER BY label ASC NULLS FIRST, canonical ASC NULLS FIRST, entity_id"""


def merge_table(con, name: str, query: str | None, dest: Path, scan: str | None = None) -> int:
    """Run `query` (None: an empty table) and stream its rows into `dest/<name>.parquet`
    and `.csv`; returns the number of rows.  `scan`: the same rows unsorted (a cheaper
    query for the NULL check), default `query`."""
    schema = typed_table(name, []).schema
    batches = iter(())
    if query is not None:
        found = _reader(con, f"SELECT * FROM ({query}) LIMIT 0").schema
        schema = _nullable_where_nulls(con, scan or query, _target_schema(name, schema, found), set(found.names))
        batches = _reader(con, query, TABLE_BATCH_ROWS.get(name, BATCH_ROWS))
    n = 0
    with pq.ParquetWriter(dest / f"{name}.parquet", schema, compression="zstd") as pw, \
            open(dest / f"{name}.csv", "w", encoding="utf-8", newline="") as csv:
        header = True
        for batch in batches:
            table = _conform(pa.Table.from_batches([batch]), schema)
            pw.write_table(table, row_group_size=TABLE_BATCH_ROWS.get(name, BATCH_ROWS))
            csv_frame(name, table).to_csv(csv, index=False, header=header, lineterminator="\n")
            header = False
            n += table.num_rows
        if header:  # no rows: the header line only
            csv_frame(name, schema.empty_table()).to_csv(csv, index=False, lineterminator="\n")
    return n


def _reader(con, query: str, rows: int = BATCH_ROWS):
    """A query's rows as a stream of Arrow record batches (DuckDB 2 and 1.x names)."""
    rel = con.sql(query)
    if hasattr(rel, "to_arrow_reader"):
        return rel.to_arrow_reader(rows)
    return rel.fetch_arrow_reader(rows)


def _target_schema(name: str, declared: pa.Schema, found: pa.Schema) -> pa.Schema:
    """The data dictionary's columns (types, descriptions) first, then any extra column a
    stage emitted, with the type DuckDB found for it; a plugin's table as found."""
    if name not in S.TABLES:
        return found.remove_metadata()
    fields = list(declared) + [f for f in found if f.name not in declared.names]
    return pa.schema(fields, metadata=declared.metadata)


def _nullable_where_nulls(con, query: str, schema: pa.Schema, present: set[str]) -> pa.Schema:
    """A NOT NULL column that holds a NULL after all (or that no stage wrote) is written
    nullable (a stage's None must never fail a run; the DuckDB load logs it)."""
    required = [f.name for f in schema if not f.nullable and f.name in present]
    nulls_of = {f.name: 1 for f in schema if not f.nullable and f.name not in present}
    if required:
        counts = con.execute("SELECT " + ", ".join(f'count(*) FILTER (WHERE "{c}" IS NULL)' for c in required)
                             + f" FROM ({query})").fetchall()[0]
        nulls_of.update(zip(required, counts))
    for col, nulls in nulls_of.items():
        if nulls:
            i = schema.get_field_index(col)
            schema = schema.set(i, schema.field(i).with_nullable(True))
    return schema


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A batch as the target schema: columns in its order, missing ones NULL, types cast."""
    arrays = []
    for f in schema:
        if f.name in table.column_names:
            col = table.column(f.name).combine_chunks()
            arrays.append(col if col.type == f.type else col.cast(f.type))
        else:
            arrays.append(pa.nulls(table.num_rows, type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)
