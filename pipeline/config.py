"""Reads the pipeline configuration (`pipeline/config.yaml` or a user file).

The file is validated by a pydantic model (`PipelineConfig`): unknown keys are refused
with a message naming them (`batch_sise`, `modell` -> "unknown key ... did you mean ..."),
wrong types are refused with the key's path.  The result is the validated configuration
as a plain dict, as the stages have always read it.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

DEFAULT_CONFIG = Path(__file__).parent / "config.yaml"


class ConfigError(Exception):
    pass


class IngestConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    extensions: list[str] = Field(default_factory=lambda: [".txt", ".md", ".html", ".htm", ".pdf", ".docx"], min_length=1)
    dateline_lines: int = Field(4, ge=0)
    max_footer_value_words: int = Field(6, ge=0)


class FormatsConfig(BaseModel):
    """Size limits of the input-format extractors (pipeline/formats/)."""

    model_config = ConfigDict(extra="forbid")

    max_bytes: int = Field(100_000_000, ge=1)
    max_uncompressed_bytes: int = Field(200_000_000, ge=1)
    max_compression_ratio: float = Field(200, gt=0)
    max_pdf_pages: int = Field(2000, ge=1)


class LanguageCheckConfig(BaseModel):
    """When a document in another language is skipped (pipeline/language.py)."""

    model_config = ConfigDict(extra="forbid")

    min_chars: int = Field(200, ge=0)
    min_score: float = Field(0.9, ge=0, le=1)
    min_share: float = Field(0.2, ge=0, le=1)
    min_paragraph_chars: int = Field(40, ge=0)


class LongDocumentsConfig(BaseModel):
    """Documents longer than `one_pass_chars` are processed in segments (README: Long documents)."""

    model_config = ConfigDict(extra="forbid")

    one_pass_chars: int = Field(1_000_000, ge=1)
    segment_chars: int = Field(100_000, ge=1)


class ShardsConfig(BaseModel):
    """How a corpus is cut into shards (README: Scaling out)."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(512, ge=1)
    docs_per_task: int = Field(64, ge=1)
    max_vocab: int = Field(150_000, ge=1000)


class WriteConfig(BaseModel):
    """The merge of shard results into the output tables."""

    model_config = ConfigDict(extra="forbid")

    memory_limit: str = Field("256MB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")


class PipelineConfig(BaseModel):
    """Every key a configuration file may have (see pipeline/config.yaml)."""

    model_config = ConfigDict(extra="forbid")

    model: str = "auto"
    stages: list[str]
    plugins: list[str] = Field(default_factory=list)
    batch_size: int = Field(16, ge=1)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    formats: FormatsConfig = Field(default_factory=FormatsConfig)
    languages: list[str] = Field(default_factory=lambda: ["de"])
    language_check: LanguageCheckConfig = Field(default_factory=LanguageCheckConfig)
    long_documents: LongDocumentsConfig = Field(default_factory=LongDocumentsConfig)
    shards: ShardsConfig = Field(default_factory=ShardsConfig)
    write: WriteConfig = Field(default_factory=WriteConfig)
    rules: list[str] = Field(default_factory=list)


def load_config(path: str | Path | None = None, **overrides: Any) -> dict:
    """The configuration as a plain dict; `overrides` with value None are ignored."""
    path = Path(path) if path else DEFAULT_CONFIG
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: configuration must be a mapping")
    base = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    cfg = _merge(base, data)
    for key, value in overrides.items():
        if value is not None:
            cfg[key] = value
    if isinstance(cfg.get("rules"), (list, tuple)):
        cfg["rules"] = [str(r) for r in cfg["rules"]]
    elif cfg.get("rules") is None:
        cfg["rules"] = []
    return validate_config(cfg, path)


def validate_config(cfg: dict, path: str | Path = "<config>") -> dict:
    """The configuration checked against `PipelineConfig`, or a one-line ConfigError."""
    try:
        return PipelineConfig.model_validate(cfg).model_dump()
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            parent = PipelineConfig
            for part in err["loc"][:-1]:
                field = parent.model_fields.get(str(part))
                parent = field.annotation if field and isinstance(field.annotation, type) else parent
            close = difflib.get_close_matches(str(err["loc"][-1]), list(parent.model_fields), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            problems.append(f"unknown key `{where}`{hint}")
        elif err["type"] == "missing":
            problems.append(f"`{where}` is required")
        else:
            problems.append(f"`{where}`: {err['msg']}")
    return "; ".join(problems)


def _merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out
