"""The data dictionary: every output table and column, in one place.

Each column has a name, an Arrow type, whether it may be NULL, a description and the
output-contract version that introduced it (`contract` False for project extensions,
*ext* in the README).  Everything about the tables' shape is derived from here:

- the Parquet schemas, with each field's description as Parquet field metadata
  (`description`) and the table's description as schema metadata;
- the DuckDB tables, their `COMMENT ON TABLE/COLUMN`, primary keys and the join views;
- the CSV convention (`csv_value`): an empty field is NULL, lists are `; `-joined,
  dates ISO `YYYY-MM-DD`, timestamps ISO `YYYY-MM-DDTHH:MM:SS`;
- `OUT/README.md`, written with every run (`render_readme`);
- the typed loader `pipeline.load` (`pandas_dtypes`).

Python code adds a column here first; `write.py` refuses nothing it does not know about
(plugin tables and extra columns are written with inferred types) but documents only
what is declared here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from .version import CONTRACT_VERSION

STR, INT, FLOAT, BOOL = pa.string(), pa.int64(), pa.float64(), pa.bool_()
DATE = pa.date32()
TIMESTAMP = pa.timestamp("us")
STR_LIST = pa.list_(pa.string())
LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    description: str
    nullable: bool = True
    since: int = 1  # output-contract version that introduced (or typed) the column
    contract: bool = True  # False: a project extension (*ext*)


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    sort_keys: tuple[str, ...]
    primary_key: tuple[str, ...] = ()
    # column -> (table, column) it refers to; documented and checked by tests, and used
    # by the join views (DuckDB foreign keys would forbid replacing a table in place)
    references: dict[str, tuple[str, str]] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name, type_, description, nullable=True, since=1, contract=True):
    return Column(name, type_, description, nullable, since, contract)


def _x(name, type_, description, nullable=True, since=1):
    return Column(name, type_, description, nullable, since, contract=False)


_DOC = ("doc_id", "documents", "doc_id")
_OFFSETS = (
    _c("start_char", INT, "0-based start offset into documents.text", nullable=False),
    _c("end_char", INT, "end offset (exclusive) into documents.text", nullable=False),
)

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("documents", "One row per document read from the corpus.", (
        _c("doc_id", STR, "path relative to the corpus root, without extension, `/`-separated", nullable=False),
        _c("path", STR, "file path relative to the corpus root", nullable=False),
        _c("text", STR, "the stored, normalised text (NFC, \\n line ends); offsets of every table index it", nullable=False),
        _c("doc_date", DATE, "document date: anchor for relative dates (ISO text in CSV)", since=2),
        _c("doc_date_source", STR, "where doc_date comes from: metadata, header, text or none", nullable=False),
        _c("n_tokens", INT, "tokens without whitespace tokens", nullable=False),
        _c("n_sentences", INT, "sentences", nullable=False),
        _c("sha256", STR, "SHA-256 of the file bytes"),
        _x("encoding", STR, "detected encoding of the file"),
        _x("n_chars", INT, "characters of the stored text"),
        _x("source", STR, "source from metadata.csv"),
        _x("url", STR, "url from metadata.csv"),
        _x("title", STR, "title from metadata.csv, else the one the format's extractor found (HTML, DOCX, Markdown)"),
        _c("format", STR, "input format: txt, md, html, pdf, docx, or a plugin's", since=2),
        _c("extractor", STR, "library (and version) that extracted the text", since=2),
        _c("language", STR, "detected language (ISO 639-1, py3langid)", since=2),
        _c("language_score", FLOAT, "confidence of the detected language (0-1)", since=2),
    ), sort_keys=("doc_id",), primary_key=("doc_id",)),
    Table("metadata", "One row per key/value pair of a document's header table or footer.", (
        _c("doc_id", STR, "the document", nullable=False),
        _c("key", STR, "the key as written (e.g. Ort)", nullable=False),
        _c("value", STR, "the value as written (e.g. Hamm)"),
        _x("section", STR, "header or footer"),
        _x("start_char", INT, "start offset of the value"),
        _x("end_char", INT, "end offset of the value"),
    ), sort_keys=("doc_id", "start_char", "key"), references={"doc_id": _DOC[1:]}),
    Table("mentions", "One row per entity mention (PER, LOC, ORG, MISC or a label from the rules).", (
        _c("doc_id", STR, "the document", nullable=False),
        _c("mention_id", STR, "stable id of the mention (document + offsets)", nullable=False),
        *_OFFSETS,
        _c("text", STR, "the mention as written", nullable=False),
        _c("label", STR, "PER, LOC, ORG, MISC, or a label from a rule file", nullable=False),
        _c("canonical", STR, "normalised name (base form, e.g. Deutschlands -> Deutschland)", nullable=False),
        _c("entity_id", STR, "stable hash of label + canonical; joins entities", nullable=False),
        _c("kind", STR, "name (a name as written), acronym (an acronym alone: CDU, dpa), or generic (an institution "
                        "noun such as Landratsamt, resolved from context): generic rows are not named entities",
           nullable=False, since=2),
        _x("source", STR, "what found it: model, gazetteer, rule:<file or id>, link:..."),
        _x("role", STR, "for PER: the role title before or after the name (Landrat)"),
        _x("admin_type", STR, "for LOC: administrative type written with it (Landkreis)"),
        _x("sentence", INT, "sentence index in the document"),
    ), sort_keys=("doc_id", "start_char", "end_char", "label"), primary_key=("mention_id",),
        references={"doc_id": _DOC[1:], "entity_id": ("entities", "entity_id")}),
    Table("entities", "One row per distinct (label, canonical) across the corpus.", (
        _c("entity_id", STR, "stable hash of label + canonical", nullable=False),
        _c("label", STR, "entity label", nullable=False),
        _c("canonical", STR, "normalised name", nullable=False),
        _c("n_mentions", INT, "mentions in the corpus", nullable=False),
        _c("n_docs", INT, "documents it is mentioned in", nullable=False),
        _x("roles", STR_LIST, "all role titles seen with this person, sorted (CSV: `; `-joined)", since=2),
        _x("admin_type", STR, "most frequent administrative type of a place"),
        _x("kind", STR, "name when any mention is a name as written, else acronym when any is an acronym, "
                        "else generic (only ever named by its institution noun)", since=2),
        _x("surface_forms", STR_LIST, "distinct spellings, most frequent first (CSV: `; `-joined)", since=2),
        _x("sources", STR_LIST, "model/rules that found it, sorted (CSV: `; `-joined)", since=2),
    ), sort_keys=("label", "canonical"), primary_key=("entity_id",)),
    Table("roles", "One row per person-role pair found in a document.", (
        _x("doc_id", STR, "the document", nullable=False),
        _x("mention_id", STR, "the person's mention"),
        _x("entity_id", STR, "the person's entity"),
        _x("person", STR, "the person's canonical name"),
        _x("role", STR, "the role title (base form)"),
        _x("start_char", INT, "start offset of the role phrase"),
        _x("end_char", INT, "end offset of the role phrase"),
        _x("text", STR, "the role title and the name as written (Landrat Tjark Bartels)"),
        _x("org_or_place", STR, "organisation or place the text attaches the role to"),
        _x("org_entity_id", STR, "entity of org_or_place, when it is a mention"),
    ), sort_keys=("doc_id", "start_char", "end_char"),
        references={"doc_id": _DOC[1:], "mention_id": ("mentions", "mention_id"), "entity_id": ("entities", "entity_id"),
                    "org_entity_id": ("entities", "entity_id")}),
    Table("dates", "One row per temporal expression.", (
        _c("doc_id", STR, "the document", nullable=False),
        *_OFFSETS,
        _c("text", STR, "the expression as written", nullable=False),
        _c("type", STR, "DATE, TIME, DURATION or SET", nullable=False),
        _c("value", STR, "TIMEX3 value (2019-01, 2018-11-08/2018-11-11, P3Y); NULL when unresolvable"),
        _c("granularity", STR, "precision of value: day, month, year, decade, week, quarter, season, hour ..."),
        _c("modifier", STR, "since, from, until, start, mid, end, approx; NULL when none"),
        _c("begin", TIMESTAMP, "start of the time the value covers (inclusive); NULL when not anchorable", since=2),
        _c("end", TIMESTAMP, "end of the time the value covers (exclusive: a day ends at next day 00:00)", since=2),
        _x("anchor", STR, "document date the value was resolved against"),
        _x("frequency", STR, "for SET: how often (P1W)"),
        _x("rule", STR, "id of the date rule that produced the row"),
    ), sort_keys=("doc_id", "start_char", "end_char"), references={"doc_id": _DOC[1:]}),
    Table("figures", "One row per quantity.", (
        _c("doc_id", STR, "the document", nullable=False),
        *_OFFSETS,
        _c("text", STR, "the figure as written", nullable=False),
        _c("value", FLOAT, "the number (lower end of a range)"),
        _c("value_max", FLOAT, "upper end of a range; NULL otherwise"),
        _c("qualifier", STR, "=, >, >=, <, <=, ~", nullable=False),
        _c("unit", STR, "lemma of the counted noun, or %, EUR, km ...; NULL when none"),
        _c("kind", STR, "count, percent, money, measure, multiplier, ordinal", nullable=False),
        _x("of", STR, "for percent: percent of what"),
        _x("unit_source", STR, "how the unit was found"),
        _x("metadata_key", STR, "for a figure in a header table: its key"),
        _x("rule", STR, "id of the figure rule that produced the row"),
    ), sort_keys=("doc_id", "start_char", "end_char"), references={"doc_id": _DOC[1:]}),
    Table("errors", "One row per document or rule file that could not be processed.", (
        _c("path", STR, "file path (relative to the corpus) or rule file", nullable=False),
        _c("stage", STR, "stage that failed: ingest, tokenize, entities, ...", nullable=False),
        _c("error", STR, "error class (binary, encoding, ...)", nullable=False),
        _c("message", STR, "one-line message"),
        _x("doc_id", STR, "the document, when known"),
    ), sort_keys=("path", "stage")),
    Table("pages", "One row per page of a paged input (PDF): where the page's text lies in documents.text.", (
        _x("doc_id", STR, "the document", nullable=False),
        _x("page", INT, "page number, 1-based", nullable=False),
        _x("start_char", INT, "start offset of the page's text"),
        _x("end_char", INT, "end offset (exclusive) of the page's text"),
    ), sort_keys=("doc_id", "page"), references={"doc_id": _DOC[1:]}),
)}

TABLE_ORDER = list(TABLES)

# Views in the DuckDB file that answer the usual joins (documented in OUT/README.md).
VIEWS: dict[str, tuple[str, str]] = {
    "person_roles": (
        "People with their roles across documents (one row per person, role and document).",
        "SELECT e.entity_id, e.canonical AS person, r.role, r.org_or_place, r.doc_id, d.doc_date\n"
        "FROM roles r JOIN entities e ON e.entity_id = r.entity_id JOIN documents d USING (doc_id)",
    ),
    "mention_entities": (
        "Mentions with their entity and document date.",
        "SELECT m.*, e.n_docs, e.roles AS entity_roles, d.doc_date\n"
        "FROM mentions m JOIN entities e USING (entity_id) JOIN documents d USING (doc_id)",
    ),
    "timeline": (
        "Dated expressions with their document, ordered by begin.",
        "SELECT t.doc_id, d.doc_date, t.begin, t.\"end\", t.type, t.value, t.modifier, t.text, t.start_char\n"
        "FROM dates t JOIN documents d USING (doc_id) WHERE t.begin IS NOT NULL ORDER BY t.doc_id, t.begin, t.start_char",
    ),
}


def arrow_schema(name: str, extra: dict[str, pa.DataType] | None = None) -> pa.Schema:
    """The Parquet schema of a table: typed fields with their descriptions."""
    t = TABLES[name]
    fields = [
        pa.field(c.name, c.type, nullable=c.nullable, metadata={"description": c.description})
        for c in t.columns
    ]
    fields += [pa.field(k, v) for k, v in (extra or {}).items()]
    return pa.schema(fields, metadata={"description": t.description, "contract_version": str(CONTRACT_VERSION)})


def csv_value(value, type_: pa.DataType):
    """A value as it is written to CSV (an empty field is NULL)."""
    if value is None:
        return None
    if pa.types.is_list(type_):
        return LIST_SEPARATOR.join(value) if len(value) else None
    if pa.types.is_timestamp(type_):
        return value.isoformat(timespec="seconds")
    if pa.types.is_date(type_):
        return value.isoformat()
    return value


def pandas_dtypes(name: str) -> dict[str, str]:
    """pandas dtypes of a table's scalar columns as `pipeline.load` returns them."""
    out = {}
    for c in TABLES[name].columns:
        if c.type == INT:
            out[c.name] = "Int64"
        elif c.type == FLOAT:
            out[c.name] = "float64"
        elif c.type == STR:
            out[c.name] = "string"
        elif c.type == TIMESTAMP:
            out[c.name] = "datetime64[us]"
    return out


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def duckdb_statements(names: list[str]) -> list[str]:
    """COMMENT ON statements and join views for the tables present in the file."""
    stmts = []
    for name in names:
        t = TABLES.get(name)
        if t is None:
            continue
        stmts.append(f'COMMENT ON TABLE "{name}" IS {_sql_str(t.description)}')
        for c in t.columns:
            stmts.append(f'COMMENT ON COLUMN "{name}"."{c.name}" IS {_sql_str(c.description)}')
    for view, (desc, sql) in VIEWS.items():
        stmts.append(f'CREATE VIEW "{view}" AS {sql}')
        stmts.append(f'COMMENT ON VIEW "{view}" IS {_sql_str(desc)}')
    return stmts


def duckdb_type(type_: pa.DataType) -> str:
    return {STR: "VARCHAR", INT: "BIGINT", FLOAT: "DOUBLE", BOOL: "BOOLEAN", DATE: "DATE",
            TIMESTAMP: "TIMESTAMP", STR_LIST: "VARCHAR[]"}[type_]


def render_readme(extra_tables: list[str] = ()) -> str:
    """OUT/README.md: the data dictionary of the tables in this folder."""
    lines = [
        "# Pipeline outputs",
        "",
        f"Written by every run (output contract version {CONTRACT_VERSION}, "
        "`../shared/docs/output-contract.md`). Each table is `<table>.parquet` and `<table>.csv`, "
        "and a table of `pipeline.duckdb`; `run.json` records versions, configuration, rule files, "
        "counts and timings. Character offsets are 0-based, end-exclusive, into `documents.text`.",
        "",
        "Types: Parquet and DuckDB are typed (dates, timestamps, lists); missing values are NULL, "
        "never `''`. CSV is text: an empty field is NULL, list columns are `; `-joined, dates are "
        "`YYYY-MM-DD`, timestamps `YYYY-MM-DDTHH:MM:SS`. Typed loading: "
        "`pipeline.load(\"OUT\")` (pandas) or `duckdb.connect(\"OUT/pipeline.duckdb\")`.",
        "",
        "The table files are symlinks into `current/`, which points at the live run folder in "
        "`.runs/<run-id>/`: a run writes its whole set there and switches `current` in one atomic "
        "step, so these paths always show one complete set. `.lock` is held while a run is in "
        "progress. Copy the folder with `cp -rL` to get plain files. `.shards/` holds each shard's "
        "results (Parquet part files) so a rerun only processes the shards whose documents changed "
        "(`--no-cache` forces a full run).",
        "",
    ]
    for t in TABLES.values():
        lines += [f"## `{t.name}`", "", t.description, ""]
        if t.primary_key:
            lines.append(f"Primary key: `{', '.join(t.primary_key)}`.")
        if t.references:
            refs = ", ".join(f"`{c}` → `{rt}.{rc}`" for c, (rt, rc) in t.references.items())
            lines.append(f"Joins: {refs}.")
        lines += ["", "| column | type | null | since | description |", "|---|---|---|---|---|"]
        for c in t.columns:
            ext = "" if c.contract else " *ext*"
            lines.append(f"| `{c.name}` | {duckdb_type(c.type)} | {'yes' if c.nullable else 'no'} | v{c.since}{ext} | "
                         f"{c.description.replace('|', '/')} |")
        lines.append("")
    for name in extra_tables:
        if name not in TABLES:
            lines += [f"## `{name}`", "", "Written by a plugin stage; columns inferred.", ""]
    lines += ["## Views in `pipeline.duckdb`", ""]
    for view, (desc, sql) in VIEWS.items():
        lines += [f"- `{view}`: {desc}", "", "  ```sql", *("  " + s for s in sql.splitlines()), "  ```", ""]
    return "\n".join(lines)
