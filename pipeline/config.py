"""Reads the pipeline configuration (`pipeline/config.yaml` or a user file)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CONFIG = Path(__file__).parent / "config.yaml"


class ConfigError(Exception):
    pass


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
    if not isinstance(cfg.get("stages"), list) or not all(isinstance(s, str) for s in cfg["stages"]):
        raise ConfigError(f"{path}: `stages` must be a list of component names")
    cfg["rules"] = [str(r) for r in cfg.get("rules") or []]
    return cfg


def _merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out
