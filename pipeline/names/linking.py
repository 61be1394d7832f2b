"""Within-document linking of entity candidates: `Name (ABK)` and later `ABK`s; surnames of
the document's persons (step 5 of the conflict policy in `entities.py`)."""

from __future__ import annotations

import re

from spacy.attrs import IDX, ORTH
from spacy.tokens import Doc

from ..document import in_regions
from .candidates import Cand
from .lexicon import TIER_GAZ, TIER_RULE, EntityRules

# an abbreviation in brackets: capitals (two at least: `Wien (Ö24)` names a radio station)
_ABBR = re.compile(r"^(?=(?:[^A-ZÄÖÜ]*[A-ZÄÖÜ]){2})[A-ZÄÖÜ][A-ZÄÖÜ0-9&-]{1,7}$")


def link_abbreviations(doc: Doc, cands: list[Cand], er: EntityRules) -> list[Cand]:
    """`Schweizerische Bundesbahnen (SBB)`: the name and its abbreviation are two mentions
    of the same label; later uses of the abbreviation in the document are found too."""
    out, abbrs = [], {}
    n = len(doc)
    for c in cands:
        if c.label != "PER" and c.end - c.start >= 4 and doc[c.end - 1].text == ")" and doc[c.end - 3].text == "(" and _ABBR.match(doc[c.end - 2].text):
            out.append(Cand(c.start, c.end - 3, c.label, c.source, c.tier, None, c.exact, c.role, c.admin_type))
            out.append(Cand(c.end - 2, c.end - 1, c.label, "link:abbreviation", TIER_RULE))
            abbrs[doc[c.end - 2].text] = c.label
            continue
        out.append(c)
        if c.label != "PER" and c.end + 2 < n and doc[c.end].text == "(" and doc[c.end + 2].text == ")" and _ABBR.match(doc[c.end + 1].text):
            abbrs.setdefault(doc[c.end + 1].text, c.label)
    if not abbrs:
        return out
    taken = {i for c in out for i in range(c.start, c.end)}
    for tok in doc:
        if tok.i not in taken and tok.text in abbrs and not in_regions(doc, tok.idx, tok.idx + len(tok.text)):
            out.append(Cand(tok.i, tok.i + 1, abbrs[tok.text], "link:abbreviation", TIER_RULE))
    return sorted(out, key=lambda c: c.start)


def _is_surname(text: str) -> bool:
    """A word with a capital and a small letter (`Herter`, `Šarčević`, `al-Assad`; not `.`,
    `)`, `S.`, `IV`)."""
    return (all(ch.isalpha() or ch in "-'’" for ch in text)
            and any(ch.isupper() for ch in text) and any(ch.islower() for ch in text))


def link_surnames(doc: Doc, cands: list[Cand], er: EntityRules) -> list[Cand]:
    """A capitalised token equal to the surname of a PER of the document (`Herter` after
    `Marc Herter`) is that person.  The surname is the span's last token only when it is a
    word with a capital and a small letter: `Felipe VI.` ends in `.`, which must not turn
    every full stop of the document into a person."""
    surnames = {}
    for c in cands:
        if c.label == "PER" and c.end - c.start >= 2 and _is_surname(doc[c.end - 1].text):
            surnames.setdefault(doc[c.end - 1].text, c)
    if not surnames:
        return cands
    taken = {i for c in cands for i in range(c.start, c.end)}
    extra = []
    strings = doc.vocab.strings  # texts and offsets in one call, not a Token object per token
    for i, (orth, idx) in enumerate(doc.to_array([ORTH, IDX]).tolist()):
        if i in taken:
            continue
        t = strings[orth]
        base = t if t in surnames else (t[:-1] if t.endswith("s") and t[:-1] in surnames else None)
        if base is None or er.never.is_never(t) or in_regions(doc, idx, idx + len(t)):
            continue
        extra.append(Cand(i, i + 1, "PER", "link:surname", TIER_RULE))
    # a gazetteer LOC equal to a surname of this document's persons is that person
    out = []
    for c in cands:
        if c.tier == TIER_GAZ and c.end - c.start == 1 and doc[c.start].text in surnames:
            c = Cand(c.start, c.end, "PER", "link:surname", TIER_RULE)
        out.append(c)
    return sorted(out + extra, key=lambda c: c.start)


def drop_titles_read_as_institutions(doc: Doc, cands: list[Cand]) -> list[Cand]:
    """An institution word that is the role title of the person right after it
    (`Stadtrat Peter Müller`, `Regierungsrat Hans Meier`) is that person's title, not the
    council: no ORG mention (the role stays with the PER)."""
    starts = {c.start: c for c in cands if c.label == "PER" and c.role}
    return [
        c for c in cands
        if not (c.label == "ORG" and c.end - c.start == 1 and c.end in starts)
    ]
