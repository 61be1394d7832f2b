"""Stage 5, figures: German numbers with qualifier, unit and kind -> `figures` rows.

(Placeholder: the full stage is being built under its own issue.)
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from .rules import load_rules


@Language.factory("de_figures", default_config={"rules_dirs": []})
def make_figures(nlp: Language, name: str, rules_dirs: list[str]):
    load_rules(rules_dirs)

    def figures(doc: Doc) -> Doc:
        return doc

    return figures
