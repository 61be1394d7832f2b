"""The Python API: extract from texts, load a run's tables.

    import pipeline
    tables = pipeline.extract("Landrat Tjark Bartels eröffnete am 8. November 2018 ...")
    tables["mentions"]            # a typed DataFrame, the same rows `run` writes
    nlp = pipeline.Pipeline()     # the model loaded once, for many texts
    for text in texts: nlp.extract(text)
    t = pipeline.load("outputs")  # every table of a run folder, typed
    con = pipeline.connect("outputs")  # DuckDB (read-only) with the join views

Per text the rows come from `runner.process_batch` and `write.to_frame`, exactly as in a
corpus run: the text goes through ingest (normalisation, header/footer metadata, document
date from the dateline), the configured spaCy stages, and the write stage's typing
(pipeline/schema.py).  Column dtypes (`load` and `extract` alike): text `string`,
integers `Int64`, floats `float64`, `doc_date` `datetime64[s]` (midnight),
`begin`/`end` `datetime64[us]`, list columns Python lists (None when empty).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import schema as S

__all__ = ["Pipeline", "extract", "load", "connect", "typed_frame"]


class Pipeline:
    """The pipeline with its model loaded once; `extract` per text, `extract_many` per batch.

    `model`, `rules` (rule folders layered over the built-in ones) and `config` (a YAML
    file) mean what the CLI options of the same names mean.
    """

    def __init__(self, model: str | None = None, rules: str | Path | Iterable[str | Path] | None = None,
                 config: str | Path | None = None):
        from .config import load_config
        from .rules import load_rules
        from .tokenize import build_nlp

        if isinstance(rules, (str, Path)):
            rules = [rules]
        self.config = load_config(config, model=model, rules=[str(r) for r in rules] if rules else None)
        self.rules = load_rules(self.config.get("rules", []))
        self.nlp, self.model_info = build_nlp(self.config)

    def extract(self, text: str, doc_date: str | None = None, doc_id: str = "text") -> dict[str, pd.DataFrame]:
        """One German text -> {table: typed DataFrame} (documents, metadata, mentions,
        entities, roles, dates, figures, errors, and any plugin table)."""
        return self.extract_many([text], doc_dates=[doc_date], doc_ids=[doc_id])

    def extract_many(self, texts: Iterable[str], doc_dates: Iterable[str | None] | None = None,
                     doc_ids: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
        """Many texts -> the tables a run over them writes (doc_ids default `text-0001` ...)."""
        from .runner import process_batch
        from .write import collect_tables

        texts = list(texts)
        ids = list(doc_ids) if doc_ids is not None else [f"text-{i + 1:04d}" for i in range(len(texts))]
        dates = list(doc_dates) if doc_dates is not None else [None] * len(texts)
        if not (len(ids) == len(dates) == len(texts)) or len(set(ids)) != len(ids):
            raise ValueError("texts, doc_dates and doc_ids must have the same length, doc_ids distinct")
        records = [self._record(t, i, d) for t, i, d in zip(texts, ids, dates)]
        batch = int(self.config.get("batch_size", 16))
        results = []
        for k in range(0, len(records), batch):
            results.extend(process_batch(self.nlp, records[k : k + batch]))
        ok = [r for r in results if r.error is None]
        tables = collect_tables(ok, [r.error for r in results if r.error is not None])
        return frames_from_rows(tables)

    def _record(self, text: str, doc_id: str, doc_date: str | None):
        """The DocRecord a corpus run makes of this text (ingest's own reading, through a
        temporary file, so header/footer metadata and the dateline date are the same)."""
        from .ingest import ingest_document

        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        with tempfile.TemporaryDirectory(prefix="pipeline-extract-") as tmp:
            path = Path(tmp) / f"{doc_id}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            meta = {"doc_date": doc_date} if doc_date else None
            rec = ingest_document(path, Path(tmp), meta, self.config, self.rules)
        rec.path = "<text>"
        return rec


_DEFAULT: dict[tuple, Pipeline] = {}


def extract(text: str, doc_date: str | None = None, rules=None) -> dict[str, pd.DataFrame]:
    """One German text -> {table: typed DataFrame}: the same rows a run writes for it.

    `doc_date` (ISO) anchors relative dates, as `metadata.csv` does in a run; `rules` is a
    rules folder (or a list of them) layered over the built-in rules.  The model is loaded
    once per `rules` value and reused; use `Pipeline` for other models or configurations.
    """
    key = tuple(str(r) for r in ([rules] if isinstance(rules, (str, Path)) else rules or ()))
    if key not in _DEFAULT:
        _DEFAULT[key] = Pipeline(rules=list(key) or None)
    return _DEFAULT[key].extract(text, doc_date=doc_date)


def frames_from_rows(tables: dict[str, list[dict]]) -> dict[str, pd.DataFrame]:
    from .write import TABLE_ORDER, to_frame

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
