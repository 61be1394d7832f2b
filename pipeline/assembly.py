"""Assembly: the model policy and the full per-document spaCy pipeline.

Layer 3.  Model policy (`model` in config.yaml, `--model` on the CLI):
- `auto`: `de_core_news_sm` when it is installed, else the embedded model shipped in
  `pipeline/models/de_reports_sm`, else `spacy.blank("de")` + sentencizer;
- `de_core_news_sm`, `embedded`, `blank`, or any spaCy package name / model path.

`build_nlp` loads the model, applies the tokenize stage's German fixes and adds every
stage listed in the configuration by its registered factory name.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

from . import lemmatizer as _lemmatizer  # noqa: F401  (registers simplemma_lemmatizer)
from . import patterncache
from .rulebook import load_rules
from .tokenize import customise_tokenizer

EMBEDDED_MODEL = Path(__file__).parent / "models" / "de_reports_sm"
OFFICIAL_MODEL = "de_core_news_sm"


class ModelError(Exception):
    """The requested model cannot be loaded (one-line message for the CLI)."""


# --------------------------------------------------------------------------- model loading
def resolve_model(name: str) -> tuple[Language, dict]:
    """Load the model named by the policy; returns (nlp, model info for run.json)."""
    name = name or "auto"
    try:
        if name == "auto":
            if spacy.util.is_package(OFFICIAL_MODEL):
                return _load(OFFICIAL_MODEL, "official")
            if (EMBEDDED_MODEL / "meta.json").exists():
                return _load(str(EMBEDDED_MODEL), "embedded")
            return _blank()
        if name == "blank":
            return _blank()
        if name == "embedded":
            if not (EMBEDDED_MODEL / "meta.json").exists():
                raise ModelError(f"embedded model missing at {EMBEDDED_MODEL} (run `make model`)")
            return _load(str(EMBEDDED_MODEL), "embedded")
        if name == OFFICIAL_MODEL and not spacy.util.is_package(OFFICIAL_MODEL):
            raise ModelError(
                f"{OFFICIAL_MODEL} is not installed (python -m spacy download {OFFICIAL_MODEL}),"
                " or use --model auto"
            )
        return _load(name, "official" if name == OFFICIAL_MODEL else "custom")
    except ModelError:
        raise
    except (OSError, IOError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"cannot load model {name!r}: {first}") from None


def _load(name: str, kind: str) -> tuple[Language, dict]:
    nlp = spacy.load(name)
    return nlp, _model_info(name, kind, nlp.meta, list(nlp.pipe_names))


def model_identity(config: dict) -> dict:
    """The model the configuration names, as `build_nlp` would report it, read from its
    meta.json without loading the weights (a rerun whose shards are all unchanged never
    loads the model).  Raises ModelError like `resolve_model`."""
    name = config.get("model", "auto") or "auto"
    if name == "auto":
        if spacy.util.is_package(OFFICIAL_MODEL):
            name = OFFICIAL_MODEL
        elif (EMBEDDED_MODEL / "meta.json").exists():
            name = str(EMBEDDED_MODEL)
        else:
            name = "blank"
    elif name == "embedded":
        if not (EMBEDDED_MODEL / "meta.json").exists():
            raise ModelError(f"embedded model missing at {EMBEDDED_MODEL} (run `make model`)")
        name = str(EMBEDDED_MODEL)
    if name == "blank":
        return dict(_blank_info(), added_components=["de_sentence_fixes", "de_token_norms", "sentencizer"])
    kind = "embedded" if name == str(EMBEDDED_MODEL) else "official" if name == OFFICIAL_MODEL else "custom"
    if name == OFFICIAL_MODEL and not spacy.util.is_package(OFFICIAL_MODEL):
        raise ModelError(f"{OFFICIAL_MODEL} is not installed (python -m spacy download {OFFICIAL_MODEL}), or use --model auto")
    try:
        path = Path(name) if Path(name).exists() else spacy.util.get_package_path(name)
        meta = spacy.util.get_model_meta(path)
    except (OSError, IOError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"cannot load model {name!r}: {first}") from None
    pipes = [p for p in meta.get("pipeline", []) if p not in set(meta.get("disabled", []))]
    info = _model_info(name, kind, meta, pipes)
    info["added_components"] = ["de_sentence_fixes", "de_token_norms"] + ([] if _has_sents(pipes) else ["sentencizer"])
    return info


def _has_sents(pipe_names: list[str]) -> bool:
    return any(n in pipe_names for n in ("parser", "senter"))


def _model_info(name: str, kind: str, meta: dict, pipe_names: list[str]) -> dict:
    return {
        "requested": name,
        "kind": kind,
        "name": _model_name(meta),
        "version": meta.get("version"),
        "spacy_version": meta.get("spacy_version"),
        "path": name if Path(name).exists() else None,
        "components": pipe_names,
        "performance": {k: v for k, v in (meta.get("performance") or {}).items() if not isinstance(v, dict) or k == "ents_per_type"},
    }


def _model_name(meta: dict) -> str:
    lang, name = meta.get("lang", "de"), meta.get("name", "?")
    return name if name.startswith(f"{lang}_") else f"{lang}_{name}"


def _blank() -> tuple[Language, dict]:
    return spacy.blank("de"), _blank_info()


def _blank_info() -> dict:
    return {"requested": "blank", "kind": "blank", "name": "blank:de", "version": spacy.__version__, "components": [], "performance": {}}


# --------------------------------------------------------------------------- build
def build_nlp(config: dict) -> tuple[Language, dict]:
    """The full per-document spaCy pipeline described by the configuration.

    Pure function of the configuration, so worker processes build identical pipelines.
    """
    import importlib

    from . import dates, entities, figures, normalise  # noqa: F401  (register the stages)

    for module in config.get("plugins") or []:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ModelError(f"plugin module {module!r} cannot be imported: {exc}") from None
    nlp, info = resolve_model(config.get("model", "auto"))
    rules = load_rules(config.get("rules", []))
    customise_tokenizer(nlp, rules)
    rules_cfg = {"rules_dirs": list(config.get("rules", []))}
    has_sents = any(n in nlp.pipe_names for n in ("parser", "senter")) and not _disabled(nlp, ("parser", "senter"))
    if has_sents:
        first = nlp.pipe_names[0] if nlp.pipe_names else None
        nlp.add_pipe("de_sentence_fixes", before=first) if first else nlp.add_pipe("de_sentence_fixes")
    else:
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("de_sentence_fixes")
    nlp.add_pipe("de_token_norms", config=rules_cfg)
    if not any(n in nlp.pipe_names for n in ("lemmatizer", "simplemma_lemmatizer")):
        nlp.add_pipe("simplemma_lemmatizer")
    info["added_components"] = ["de_sentence_fixes", "de_token_norms"] + (["sentencizer"] if not has_sents else [])
    for stage in config.get("stages", []):
        factory_cfg = rules_cfg if _accepts_rules(stage) else {}
        try:
            nlp.add_pipe(stage, config=factory_cfg)
        except (ValueError, KeyError) as exc:
            raise ModelError(f"stage {stage!r} cannot be added: {str(exc).splitlines()[0]}") from None
    patterncache.flush()  # the next process reads the stages' compiled patterns instead of parsing them
    return nlp, info


def _disabled(nlp: Language, names: tuple[str, ...]) -> bool:
    return all(n in nlp.disabled for n in names if n in nlp.component_names)


def _accepts_rules(factory: str) -> bool:
    try:
        meta = Language.get_factory_meta(factory)
    except ValueError:
        return False
    return "rules_dirs" in (meta.default_config or {})


@lru_cache(maxsize=4)
def nlp_for_text(model: str = "auto", rules: tuple[str, ...] = ()) -> Language:
    """A ready pipeline for tests and `explain` (cached per model and rules layers)."""
    from .config import load_config

    nlp, _ = build_nlp(load_config(model=model, rules=list(rules)))
    return nlp
