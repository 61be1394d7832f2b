"""Stage 6, normalise: entity spans -> `mentions` rows with canonical form and entity_id.

`entity_id` is a hash of (label, canonical), so the same entity gets the same id in every
run and every process; the corpus-wide `entities` table is aggregated at write time.
(Minimal version: canonical = surface text.  Canonicalisation, linking and roles are
being built under their own issue.)
"""

from __future__ import annotations

import hashlib

from spacy.language import Language
from spacy.tokens import Doc

from .rules import load_rules
from .tokenize import add_rows


def entity_id(label: str, canonical: str) -> str:
    return "E" + hashlib.sha1(f"{label}\t{canonical}".encode()).hexdigest()[:12]


@Language.factory("de_normalise", default_config={"rules_dirs": []})
def make_normalise(nlp: Language, name: str, rules_dirs: list[str]):
    load_rules(rules_dirs)

    def normalise(doc: Doc) -> Doc:
        rows = []
        for i, ent in enumerate(doc.ents):
            canonical = " ".join(ent.text.split())
            rows.append(
                {
                    "mention_id": f"{doc._.doc_id}#m{i}",
                    "start_char": ent.start_char,
                    "end_char": ent.end_char,
                    "text": ent.text,
                    "label": ent.label_,
                    "canonical": canonical,
                    "entity_id": entity_id(ent.label_, canonical),
                    "source": ent._.source or "model",
                }
            )
        add_rows(doc, "mentions", rows)
        return doc

    return normalise
