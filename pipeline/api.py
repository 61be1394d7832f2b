"""Extraction as a function: the rows a run writes, for one text or one file's bytes.

The single place for per-document extraction outside a corpus run: the HTTP service
(`pipeline/serve.py`) calls it, and so can any Python code.  It goes through exactly the
run's path -- `ingest.ingest_bytes` (format extractor, header/footer structure, document
date, language check) and `runner.process_batch` (the configured spaCy stages) -- and
returns the tables with the writer's columns (`write.to_frame`), so a row here is the row
`python -m pipeline run` would write for the same document.

    from pipeline.api import extract
    tables = extract("Hamm, 14. März 2025 – Die Stadt plant 40 Radwege.")
    tables["figures"][["text", "value", "unit"]]

A `Pipeline` keeps the model loaded; `extract()` reuses one per (model, rules layers).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import pandas as pd

from .ingest import DocRecord, DocumentError

# the per-document tables a run writes (plus `entities` aggregated over the one document)
TABLES = ("documents", "metadata", "mentions", "entities", "roles", "dates", "figures", "pages")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ExtractionError(Exception):
    """The document cannot be processed: `error` (code), `stage`, one-line `message`."""

    def __init__(self, error: str, stage: str, message: str):
        self.error, self.stage, self.message = error, stage, message
        super().__init__(message)

    def to_dict(self) -> dict:
        return {"error": self.error, "stage": self.stage, "message": self.message}


class Pipeline:
    """A loaded pipeline: configuration, rules, spaCy model (built once)."""

    def __init__(self, config: dict | None = None, model: str | None = None, rules: list[str] | None = None):
        from .config import load_config
        from .rulebook import load_rules
        from .assembly import build_nlp

        self.config = config if config is not None else load_config(model=model, rules=list(rules or []) or None)
        self.rules = load_rules(self.config.get("rules", []))
        self.nlp, self.model_info = build_nlp(self.config)
        self._lock = threading.Lock()  # one document at a time through the shared nlp

    # ------------------------------------------------------------------ records
    def record(self, raw: bytes, filename: str = "text.txt", doc_date: str | None = None,
               doc_id: str | None = None) -> DocRecord:
        """Bytes of a file (format by `filename`'s suffix) -> DocRecord, as ingest makes it."""
        from .ingest import ingest_bytes

        if doc_date is not None and not (isinstance(doc_date, str) and _ISO_DATE.fullmatch(doc_date)):
            raise ValueError(f"doc_date must be ISO YYYY-MM-DD, got {doc_date!r}")
        name = filename.replace("\\", "/").rsplit("/", 1)[-1] or "text.txt"
        if doc_id is None:
            doc_id = name.rsplit(".", 1)[0] if "." in name else name
        meta_row = {"doc_date": doc_date} if doc_date else None
        try:
            return ingest_bytes(raw, name, doc_id, meta_row, self.config, self.rules)
        except DocumentError as exc:
            raise ExtractionError(exc.error, exc.stage or "ingest", exc.message) from None

    # ------------------------------------------------------------------ rows
    def rows(self, record: DocRecord) -> dict[str, list[dict]]:
        """The run's rows for one record: {table: [row, …]}."""
        from .runner import process_batch
        from .write import aggregate_entities

        with self._lock:
            (res,) = process_batch(self.nlp, [record])
        if res.error is not None:
            raise ExtractionError(res.error["error"], res.error["stage"], res.error["message"])
        tables: dict[str, list[dict]] = {name: [] for name in TABLES}
        tables["documents"] = [res.document]
        for name, rows in res.tables.items():
            tables.setdefault(name, []).extend(rows)
        tables["entities"] = aggregate_entities(tables["mentions"], tables["roles"])
        return tables

    def frames(self, record: DocRecord) -> dict[str, pd.DataFrame]:
        """The run's tables for one record, with the writer's columns, types and order."""
        from .write import to_frame

        return {name: to_frame(name, rows)[0] for name, rows in self.rows(record).items()}

    def extract(self, text: str, doc_date: str | None = None, doc_id: str = "text") -> dict[str, pd.DataFrame]:
        return self.frames(self.record(text.encode("utf-8"), f"{doc_id}.txt", doc_date, doc_id))

    def extract_file(self, raw: bytes, filename: str, doc_date: str | None = None) -> dict[str, pd.DataFrame]:
        return self.frames(self.record(raw, filename, doc_date))


@lru_cache(maxsize=4)
def pipeline_for(model: str | None = None, rules: tuple[str, ...] = ()) -> Pipeline:
    """A shared Pipeline per (model, rules layers)."""
    return Pipeline(model=model, rules=list(rules))


def extract(text: str, doc_date: str | None = None, rules: list[str] | None = None,
            model: str | None = None) -> dict[str, pd.DataFrame]:
    """One German text -> {table: DataFrame} as a run writes them (offsets into the
    normalised text, which is `tables["documents"].text[0]`)."""
    return pipeline_for(model, tuple(rules or ())).extract(text, doc_date)


def extract_file(raw: bytes, filename: str, doc_date: str | None = None, rules: list[str] | None = None,
                 model: str | None = None) -> dict[str, pd.DataFrame]:
    """One file's bytes (`.pdf`, `.docx`, `.html`, `.md`, `.txt` … by suffix) -> tables."""
    return pipeline_for(model, tuple(rules or ())).extract_file(raw, filename, doc_date)


def to_json(frames: dict[str, pd.DataFrame]) -> dict[str, list[dict]]:
    """Tables as JSON-ready lists of rows (missing values -> None)."""
    import json

    return {name: json.loads(df.to_json(orient="records", force_ascii=False, double_precision=15))
            for name, df in frames.items()}
