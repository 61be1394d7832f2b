"""Stage 2, tokenize: the German spaCy pipeline and the `Doc` every later stage works on.

Model policy (`model` in config.yaml, `--model` on the CLI):
- `auto`: `de_core_news_sm` when it is installed, else the embedded model shipped in
  `pipeline/models/de_reports_sm`, else `spacy.blank("de")` + sentencizer;
- `de_core_news_sm`, `embedded`, `blank`, or any spaCy package name / model path.

Whatever model is loaded gets the same German fixes, so downstream stages see one
tokenization: gender forms (`Bürgermeister/innen`, `Bürger:innen`, `LokalpolitikerInnen`)
are one token whose `norm_` is the base form; a year before a sentence-final period
(`im Jahr 2023.`) is split from it; header/footer lines and headlines are sentences of
their own; ordinals (`8.`) stay one token and do not end a sentence.  A lemmatizer is
added when the model lacks one, so `token.lemma_` is always set.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import compile_suffix_regex

from . import lemmatizer as _lemmatizer  # noqa: F401  (registers simplemma_lemmatizer)
from .rules import RuleError, Rules, line_of, load_rules

EMBEDDED_MODEL = Path(__file__).parent / "models" / "de_reports_sm"
OFFICIAL_MODEL = "de_core_news_sm"


class ModelError(Exception):
    """The requested model cannot be loaded (one-line message for the CLI)."""


# --------------------------------------------------------------------------- Doc data
def _register_extensions() -> None:
    for name in ("doc_id", "doc_date", "regions", "metadata", "rows"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    if not Span.has_extension("source"):
        Span.set_extension("source", default=None)


_register_extensions()


def add_rows(doc: Doc, table: str, rows: list[dict]) -> None:
    """Append rows for `table` to this document's results (a stage's only output channel)."""
    if doc._.rows is None:
        doc._.rows = {}
    doc._.rows.setdefault(table, []).extend(rows)


def in_regions(doc: Doc, start: int, end: int, kinds: tuple[str, ...] = ("header", "footer", "code")) -> bool:
    """True when the character range overlaps a non-prose region (header table, footer,
    Markdown code block)."""
    return any(s < end and start < e for s, e, k in (doc._.regions or ()) if k in kinds)


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
    meta = nlp.meta
    info = {
        "requested": name,
        "kind": kind,
        "name": _model_name(meta),
        "version": meta.get("version"),
        "spacy_version": meta.get("spacy_version"),
        "path": name if Path(name).exists() else None,
        "components": list(nlp.pipe_names),
        "performance": {k: v for k, v in (meta.get("performance") or {}).items() if not isinstance(v, dict) or k == "ents_per_type"},
    }
    return nlp, info


def _model_name(meta: dict) -> str:
    lang, name = meta.get("lang", "de"), meta.get("name", "?")
    return name if name.startswith(f"{lang}_") else f"{lang}_{name}"


def _blank() -> tuple[Language, dict]:
    nlp = spacy.blank("de")
    return nlp, {"requested": "blank", "kind": "blank", "name": "blank:de", "version": spacy.__version__, "components": [], "performance": {}}


# --------------------------------------------------------------------------- tokenizer fixes
class GenderForms:
    """Compiled `tokenize/gender_forms.yaml`: recognise a form and give its base."""

    def __init__(self, rules: Rules):
        rel = "tokenize/gender_forms.yaml"
        data = rules.yaml(rel)
        path = rules.require(rel).path
        try:
            markers = [re.escape(m) for m in data["markers"]]
            suffixes = sorted(data["suffixes"], key=len, reverse=True)
            self.keep = tuple(data.get("keep_stem_endings", []))
            self.plural_ending = data.get("plural_ending", "en")
            self.singular_ending = data.get("singular_ending", "e")
            self.exceptions = dict(data.get("exceptions") or {})
        except (KeyError, TypeError) as exc:
            raise RuleError(path, line_of(data), f"missing or malformed key {exc}") from None
        suffix_alt = "|".join(re.escape(s) for s in suffixes)
        alts = [rf"(?P<stem>[A-ZÄÖÜ][\w\-äöüß]*?[a-zäöüß])(?:{'|'.join(markers)})(?P<suf>{suffix_alt})"]
        if data.get("capital_i", True):
            alts.append(r"(?P<stem2>[A-ZÄÖÜ][\w\-äöüß]*?[a-zäöüß]{2})(?P<suf2>Innen|In)")
        self.regex = re.compile(rf"^(?:{'|'.join(alts)})$")

    def match(self, text: str) -> bool:
        return bool(self.regex.match(text))

    def base(self, text: str) -> str | None:
        if text in self.exceptions:
            return self.exceptions[text]
        m = self.regex.match(text)
        if not m:
            return None
        stem = m.group("stem") or m.group("stem2")
        suf = (m.group("suf") or m.group("suf2") or "").lower().lstrip("-")
        if stem.endswith(self.keep):
            return stem
        return stem + (self.plural_ending if suf == "innen" else self.singular_ending)


# A four-digit year directly followed by a period ends a sentence (`im Jahr 2023.`);
# without this the German tokenizer keeps `2023.` as one ordinal-like token.
_YEAR_PERIOD_SUFFIX = r"(?<=\b(?:1[0-9]|20)[0-9]{2})\."


def customise_tokenizer(nlp: Language, rules: Rules) -> None:
    gender = GenderForms(rules)
    tokenizer = nlp.tokenizer
    old_match = tokenizer.token_match

    def token_match(text: str):
        return gender.regex.match(text) or (old_match(text) if old_match else None)

    tokenizer.token_match = token_match
    suffixes = list(nlp.Defaults.suffixes or []) + [_YEAR_PERIOD_SUFFIX]
    tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    # special cases (`GmbH.` -> `GmbH` `.`; `Act.Now` one token): tokenize/special_cases.txt
    if rules.file("tokenize/special_cases.txt"):
        from spacy.attrs import ORTH

        for line, entry in rules.lines("tokenize/special_cases.txt"):
            text, _, split = (p.strip() for p in entry.partition("=>"))
            parts = split.split() if split else [text]
            if "".join(parts) != text:
                raise RuleError(rules.require("tokenize/special_cases.txt").path, line, f"pieces {parts} do not spell {text!r}")
            tokenizer.add_special_case(text, [{ORTH: p} for p in parts])
    nlp.meta.setdefault("_pipeline_fixes", True)


@Language.factory("de_token_norms", default_config={"rules_dirs": []})
def make_token_norms(nlp: Language, name: str, rules_dirs: list[str]):
    """Sets `norm_` of gender forms to their base form (`Bürger:innen` -> `Bürger`)."""
    gender = GenderForms(load_rules(rules_dirs))

    def token_norms(doc: Doc) -> Doc:
        for token in doc:
            if len(token.text) > 4:
                base = gender.base(token.text)
                if base:
                    token.norm_ = base
        return doc

    return token_norms


@Language.component("de_sentence_fixes")
def sentence_fixes(doc: Doc) -> Doc:
    """Line structure the statistical models do not see: headlines, tables, footers.

    A token after a blank line, after a short line without sentence-final punctuation
    (a headline or dateline), or inside a header/footer region starts a sentence.
    """
    if len(doc) == 0:
        return doc
    text = doc.text
    starts = [0]
    for i, token in enumerate(doc):
        if i == 0:
            continue
        prev = doc[i - 1]
        ws = prev.whitespace_ + (prev.text if prev.is_space else "")
        if "\n" not in ws or token.is_space:
            continue
        line_start = text.rfind("\n", 0, prev.idx) + 1
        prev_line = text[line_start : prev.idx + len(prev.text)].strip()
        if (
            "\n\n" in ws.replace(" ", "")
            or len(prev_line) < 60
            or prev_line.endswith((".", "!", "?", ":", "“", '"', "»", "|"))
            or in_regions(doc, token.idx, token.idx + 1)
        ):
            starts.append(i)
    # One write for all: setting `token.is_sent_start` one by one re-checks the whole Doc
    # for a parse each time (quadratic in the document length).
    values = doc.to_array([SENT_START])
    values[starts] = 1
    doc.from_array([SENT_START], values)
    return doc


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
    return nlp, info


def _disabled(nlp: Language, names: tuple[str, ...]) -> bool:
    return all(n in nlp.disabled for n in names if n in nlp.component_names)


def _accepts_rules(factory: str) -> bool:
    try:
        meta = Language.get_factory_meta(factory)
    except ValueError:
        return False
    return "rules_dirs" in (meta.default_config or {})


def make_doc(nlp: Language, record) -> Doc:
    """Tokenize one DocRecord and attach its ingest data to the Doc."""
    doc = nlp.make_doc(record.text)
    doc._.doc_id = record.doc_id
    doc._.doc_date = record.doc_date
    doc._.regions = [tuple(r) for r in record.regions]
    doc._.metadata = list(record.metadata)
    doc._.rows = {}
    return doc


@lru_cache(maxsize=4)
def nlp_for_text(model: str = "auto", rules: tuple[str, ...] = ()) -> Language:
    """A ready pipeline for tests and `explain` (cached per model and rules layers)."""
    from .config import load_config

    nlp, _ = build_nlp(load_config(model=model, rules=list(rules)))
    return nlp


# --------------------------------------------------------------------------- rule checks
from .checks import rule_checker  # noqa: E402  (registration only)


@rule_checker("tokenize")
def check_tokenize_rules(rules: Rules, config: dict, nlp: Language | None) -> list[RuleError]:
    """gender_forms.yaml: schema, and every example is one token with the given base."""
    rel = "tokenize/gender_forms.yaml"
    path = rules.require(rel).path
    data = rules.yaml(rel)
    problems: list[RuleError] = []
    if not isinstance(data, dict):
        return [RuleError(path, 1, "expected a mapping with markers, suffixes, examples")]
    for key in ("markers", "suffixes"):
        if not isinstance(data.get(key), list) or not data[key]:
            problems.append(RuleError(path, data.key_lines.get(key, data.line), f"`{key}` must be a non-empty list"))
    if problems:
        return problems
    gender = GenderForms(rules)
    examples = data.get("examples") or []
    for i, ex in enumerate(examples):
        line = examples.item_lines[i] if hasattr(examples, "item_lines") else None
        if not isinstance(ex, dict) or "text" not in ex or "norm" not in ex:
            problems.append(RuleError(path, line, "example needs `text` and `norm`"))
            continue
        got = gender.base(ex["text"])
        if got != ex["norm"]:
            problems.append(RuleError(path, line, f"example {ex['text']!r}: expected base {ex['norm']!r}, got {got!r}"))
        if nlp is not None:
            doc = nlp.make_doc(f"Die {ex['text']} kamen.")
            if doc[1].text != ex["text"]:
                problems.append(RuleError(path, line, f"example {ex['text']!r} is not one token: {[t.text for t in doc]}"))
    return problems
