"""The Python API: extract from texts and files, load a run's tables.

    import pipeline
    tables = pipeline.extract("Landrat Tjark Bartels eröffnete am 8. November 2018 ...")
    tables["mentions"]            # a typed DataFrame, the same rows `run` writes
    nlp = pipeline.Pipeline()     # the model loaded once, for many texts
    for text in texts: nlp.extract(text)
    pdf = pipeline.api.extract_file(open("bericht.pdf", "rb").read(), "bericht.pdf")
    t = pipeline.load("outputs")  # every table of a run folder, typed
    con = pipeline.connect("outputs")  # DuckDB (read-only) with the join views

The single place for extraction outside a corpus run (the HTTP service `serve.py` calls
it too).  It goes through exactly the run's path: `ingest.ingest_bytes` (format extractor,
header/footer structure, document date, language check), `runner.process_batch` (the
configured spaCy stages) and the write stage's typing (`pipeline/schema.py`), so a row here
is the row `python -m pipeline run` writes for the same document.  Column dtypes (`load`
and `extract` alike): text `string`, integers `Int64`, floats `float64`, `doc_date`
`datetime64[s]` (midnight), `begin`/`end` `datetime64[us]`, list columns Python lists.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import schema as S

__all__ = ["Pipeline", "ExtractionError", "extract", "extract_file", "load", "connect", "typed_frame"]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ExtractionError(Exception):
    """The document cannot be processed: `error` (code), `stage`, one-line `message`."""

    def __init__(self, error: str, stage: str, message: str):
        self.error, self.stage, self.message = error, stage, message
        super().__init__(message)

    def to_dict(self) -> dict:
        return {"error": self.error, "stage": self.stage, "message": self.message}


class Pipeline:
    """The pipeline with its model loaded once: `extract` per text, `extract_file` per
    file's bytes, `extract_many` for a batch of texts.

    `config` is a configuration dict or YAML file; `model` and `rules` (rule folders layered
    over the built-in ones) mean what the CLI options of the same names mean.
    """

    def __init__(self, config: dict | str | Path | None = None, model: str | None = None,
                 rules: str | Path | Iterable[str | Path] | None = None):
        from .assembly import build_nlp
        from .config import load_config
        from .rulebook import load_rules

        if isinstance(rules, (str, Path)):
            rules = [rules]
        if isinstance(config, dict):
            self.config = config
        else:
            self.config = load_config(config, model=model, rules=[str(r) for r in rules] if rules else None)
        self.rules = load_rules(self.config.get("rules", []))
        self.nlp, self.model_info = build_nlp(self.config)
        self._lock = threading.Lock()  # one batch at a time through the shared nlp

    # ------------------------------------------------------------------ records
    def record(self, raw: bytes, filename: str = "text.txt", doc_date: str | None = None,
               doc_id: str | None = None):
        """Bytes of a file (format by `filename`'s suffix) -> the DocRecord ingest makes."""
        from .ingest import DocumentError, ingest_bytes

        if doc_date is not None and not (isinstance(doc_date, str) and _ISO_DATE.fullmatch(doc_date)):
            raise ValueError(f"doc_date must be ISO YYYY-MM-DD, got {doc_date!r}")
        name = filename.replace("\\", "/").rsplit("/", 1)[-1] or "text.txt"
        if doc_id is None:
            doc_id = name.rsplit(".", 1)[0] if "." in name else name
        meta_row = {"doc_date": doc_date} if doc_date else None
        try:
            return ingest_bytes(raw, name, doc_id, meta_row, self.config, self.rules)
        except DocumentError as exc:
            raise ExtractionError(exc.error, getattr(exc, "stage", None) or "ingest", exc.message) from None

    def _text_record(self, text: str, doc_id: str, doc_date: str | None):
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        rec = self.record(text.encode("utf-8"), f"{doc_id}.txt", doc_date, doc_id)
        rec.path = "<text>"
        return rec

    # ------------------------------------------------------------------ tables
    def tables(self, records: list) -> dict[str, list[dict]]:
        """The rows a run over these records writes: {table: [row, …]} (failed documents
        in `errors`, entities aggregated over the records)."""
        from .runner import process_batch
        from .write import collect_tables

        batch = int(self.config.get("batch_size", 16))
        results = []
        with self._lock:
            for k in range(0, len(records), batch):
                results.extend(process_batch(self.nlp, records[k : k + batch]))
        ok = [r for r in results if r.error is None]
        return collect_tables(ok, [r.error for r in results if r.error is not None])

    def frames(self, record) -> dict[str, pd.DataFrame]:
        """One record's tables, typed; a document that fails raises ExtractionError."""
        tables = self.tables([record])
        if tables.get("errors"):
            err = tables["errors"][0]
            raise ExtractionError(err["error"], err["stage"], err["message"])
        return frames_from_rows(tables)

    def extract(self, text: str, doc_date: str | None = None, doc_id: str = "text") -> dict[str, pd.DataFrame]:
        """One German text -> {table: typed DataFrame} (documents, metadata, mentions,
        entities, roles, dates, figures, errors, and any plugin table)."""
        return self.extract_many([text], doc_dates=[doc_date], doc_ids=[doc_id])

    def extract_file(self, raw: bytes, filename: str, doc_date: str | None = None) -> dict[str, pd.DataFrame]:
        """One file's bytes (`.pdf`, `.docx`, `.html`, `.md`, `.txt` … by suffix) -> tables."""
        return self.frames(self.record(raw, filename, doc_date))

    def extract_many(self, texts: Iterable[str], doc_dates: Iterable[str | None] | None = None,
                     doc_ids: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
        """Many texts -> the tables a run over them writes (doc_ids default `text-0001` ...)."""
        texts = list(texts)
        ids = list(doc_ids) if doc_ids is not None else [f"text-{i + 1:04d}" for i in range(len(texts))]
        dates = list(doc_dates) if doc_dates is not None else [None] * len(texts)
        if not (len(ids) == len(dates) == len(texts)) or len(set(ids)) != len(ids):
            raise ValueError("texts, doc_dates and doc_ids must have the same length, doc_ids distinct")
        records = [self._text_record(t, i, d) for t, i, d in zip(texts, ids, dates)]
        return frames_from_rows(self.tables(records))


_DEFAULT: dict[tuple, Pipeline] = {}


def _shared(rules, model: str | None = None) -> Pipeline:
    """One Pipeline per (rules layers, model), kept for the process."""
    key = (tuple(str(r) for r in ([rules] if isinstance(rules, (str, Path)) else rules or ())), model)
    if key not in _DEFAULT:
        _DEFAULT[key] = Pipeline(model=model, rules=list(key[0]) or None)
    return _DEFAULT[key]


def extract(text: str, doc_date: str | None = None, rules=None) -> dict[str, pd.DataFrame]:
    """One German text -> {table: typed DataFrame}: the same rows a run writes for it.

    `doc_date` (ISO) anchors relative dates, as `metadata.csv` does in a run; `rules` is a
    rules folder (or a list of them) layered over the built-in rules.  The model is loaded
    once per `rules` value and reused; use `Pipeline` for other models or configurations.
    """
    return _shared(rules).extract(text, doc_date=doc_date)


def extract_file(raw: bytes, filename: str, doc_date: str | None = None, rules=None) -> dict[str, pd.DataFrame]:
    """One file's bytes (format by `filename`'s suffix) -> {table: typed DataFrame}."""
    return _shared(rules).extract_file(raw, filename, doc_date)


def to_json(frames: dict[str, pd.DataFrame]) -> dict[str, list[dict]]:
    """Tables as JSON-ready lists of rows (missing values -> None), written as the CSV
    files write them: dates `YYYY-MM-DD`, timestamps `YYYY-MM-DDTHH:MM:SS`."""
    import json

    out = {}
    for name, df in frames.items():
        df = df.copy()
        table_def = S.TABLES.get(name)
        for col in df.columns:
            if not pd.api.types.is_datetime64_any_dtype(df[col]):
                continue
            is_date = table_def is not None and col in table_def.names and table_def.column(col).type == S.DATE
            text = df[col].dt.strftime("%Y-%m-%d" if is_date else "%Y-%m-%dT%H:%M:%S")
            df[col] = text.astype(object).where(df[col].notna(), None)
        out[name] = json.loads(df.to_json(orient="records", force_ascii=False, double_precision=15))
    return out


def frames_from_rows(tables: dict[str, list[dict]]) -> dict[str, pd.DataFrame]:
    from .tables import to_frame
    from .write import TABLE_ORDER

    names = [n for n in TABLE_ORDER if n in tables] + sorted(n for n in tables if n not in TABLE_ORDER)
    return {name: typed_frame(to_frame(name, tables[name])[1], name) for name in names}


def typed_frame(table: pa.Table, name: str | None = None) -> pd.DataFrame:
    """An Arrow table of the pipeline -> a pandas DataFrame with the API's dtypes."""
    def mapper(t: pa.DataType):
        if t == S.STR:
            return pd.StringDtype()
        if t == S.INT:
            return pd.Int64Dtype()
        return None

    df = table.to_pandas(types_mapper=mapper)
    for field in table.schema:
        if pa.types.is_date(field.type):
            df[field.name] = pd.to_datetime(df[field.name]).astype("datetime64[s]")
        elif pa.types.is_timestamp(field.type):
            df[field.name] = df[field.name].astype("datetime64[us]")
        elif pa.types.is_list(field.type):
            df[field.name] = pd.Series(table.column(field.name).to_pylist(), index=df.index, dtype=object)
    return df


def load(out_dir: str | Path = "outputs") -> dict[str, pd.DataFrame]:
    """Every table of a run folder as a typed DataFrame ({name: DataFrame}, run.json's order)."""
    import json

    out = Path(out_dir)
    run_json = out / "run.json"
    if not run_json.exists():
        raise FileNotFoundError(f"{out} is not a pipeline output folder (no run.json)")
    names = json.loads(run_json.read_text(encoding="utf-8")).get("tables") or sorted(p.stem for p in out.glob("*.parquet"))
    return {name: typed_frame(pq.read_table(out / f"{name}.parquet"), name) for name in names}


def connect(out_dir: str | Path = "outputs"):
    """A read-only DuckDB connection to `OUT/pipeline.duckdb` (tables, comments, views)."""
    import duckdb

    from .write import DB_NAME

    path = Path(out_dir) / DB_NAME
    if not path.exists():
        raise FileNotFoundError(f"no {DB_NAME} in {out_dir}")
    return duckdb.connect(str(path), read_only=True)
