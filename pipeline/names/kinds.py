"""The kind of an entity mention (`mentions.kind`, output contract v2): `name`, `acronym`
or `generic`, and the kind of a corpus-wide entity (`entities.kind`).

- `generic`: a span of a label in `generic_labels` whose last word is an institution noun
  of `lexicons/generic_institutions.txt` (also in the genitive: `Landratsamts`) and whose
  other words are place adjectives (`der Berner Gemeinderat`): an institution named by
  its kind, resolved from context by the normalise stage (`Stadtverwaltung Hamm`).  Not a
  named entity (NoSta-D / GermEval guidelines).
- `acronym`: a one-word mention of acronym shape (`acronym_shape` in `kinds.yaml`:
  `CDU`, `ÖAMTC`, `AfD`, `ORF2`) or in the curated list `acronyms` (`dpa`, `ver.di`).
- `name`: everything else (`Marc Herter`, `Polizei Köln`, `Landratsamt Ravensburg`).

Rules: `rules/entities/kinds.yaml` (with examples, run by `rules check`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from spacy.tokens import Span

from ..rulebook import RuleError, Rules, compile_regex, line_of
from .candidates import _derived_place as derived_place  # same package: the place-adjective test
from .lexicon import EntityRules

KINDS = "entities/kinds.yaml"
NAME, ACRONYM, GENERIC = "name", "acronym", "generic"
KIND_ORDER = (NAME, ACRONYM, GENERIC)  # precedence when an entity's mentions differ

if not Span.has_extension("kind"):
    Span.set_extension("kind", default=None)


@dataclass(frozen=True)
class KindRules:
    generic: frozenset
    generic_labels: frozenset
    acronym_shape: re.Pattern
    acronyms: frozenset


def kind_rules(rules: Rules, er: EntityRules) -> KindRules:
    f = rules.require(KINDS)
    data = rules.yaml(f) or {}
    shape = data.get("acronym_shape")
    if not isinstance(shape, str) or not shape:
        raise RuleError(f.path, line_of(data), "`acronym_shape` must be a regular expression")
    return KindRules(
        generic=er.lexicons.get("generic_institutions", frozenset()),
        generic_labels=frozenset(str(x) for x in data.get("generic_labels") or ("ORG",)),
        acronym_shape=compile_regex(shape, f.path, line_of(data)),
        acronyms=frozenset(str(x) for x in data.get("acronyms") or ()),
    )


def _generic_noun(word: str, kr: KindRules) -> bool:
    return word in kr.generic or any(word.endswith(e) and word[: -len(e)] in kr.generic for e in ("es", "s"))


def mention_kind(span: Span, er: EntityRules, kr: KindRules) -> str:
    """`generic`, `acronym` or `name` for one entity span (see the module docstring)."""
    words = [t.text for t in span if not (t.is_punct or t.is_space)]
    if not words:
        return NAME
    if span.label_ in kr.generic_labels and _generic_noun(words[-1], kr) and all(derived_place(w, er) for w in words[:-1]):
        return GENERIC
    text = span.text
    if len(span) == 1 and (text in kr.acronyms or kr.acronym_shape.match(text)):
        return ACRONYM
    return NAME


def entity_kind(kinds: Iterable[str | None]) -> str:
    """The kind of a corpus-wide entity from the kinds of its mentions: `name` when any
    mention is a name as written, else `acronym` when any is an acronym, else `generic`
    (an entity only ever referred to by its institution noun).  A missing kind (a stage
    without kinds) counts as `name`.  Independent of mention order and of frequencies: an
    entity that is written out once is a named entity, however often it is called
    `der Gemeinderat`.  SQL:
    `CASE min(CASE coalesce(kind, 'name') WHEN 'name' THEN 0 WHEN 'acronym' THEN 1 ELSE 2 END)
    WHEN 0 THEN 'name' WHEN 1 THEN 'acronym' ELSE 'generic' END`."""
    best = len(KIND_ORDER) - 1
    seen = False
    for k in kinds:
        seen = True
        k = k or NAME
        best = min(best, KIND_ORDER.index(k) if k in KIND_ORDER else 0)
    return KIND_ORDER[best] if seen else NAME
