"""Stage 3, entities: statistical NER + rule layers -> `doc.ents` with provenance.

(Minimal version: model entities outside header/footer regions.  Rule layers,
gazetteers and the conflict policy are being built under their own issue.)
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from .rules import load_rules
from .tokenize import in_regions


@Language.factory("de_entities", default_config={"rules_dirs": []})
def make_entities(nlp: Language, name: str, rules_dirs: list[str]):
    load_rules(rules_dirs)

    def entities(doc: Doc) -> Doc:
        kept = []
        for ent in doc.ents:
            if in_regions(doc, ent.start_char, ent.end_char):
                continue
            if ent._.source is None:
                ent._.source = "model"
            kept.append(ent)
        doc.ents = kept
        return doc

    return entities
