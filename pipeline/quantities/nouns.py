"""The counted noun after a number and its unit lemma (`40 internationalen Initiativen` ->
`Initiative`, `Schülerinnen und Schüler` -> `Schüler`, `Verletzte` -> `Verletzter`).

POS tags and the dependency parse are used when the model has them; without them nouns are
found by German capitalisation and the word lists of `rules/figures/nouns.yaml`.
"""

from __future__ import annotations

from spacy.tokens import Token

from ..lemmatizer import lemma_of
from .scan import Scan, is_cap

_NOT_ADJ_POS = ("NOUN", "PROPN", "DET", "ADP", "CCONJ", "PRON", "NUM", "PUNCT")


def fold(scan: Scan, word: str) -> str:
    """Lower-case, umlauts folded (`Ärzt` ~ `Arzt`)."""
    w = word.lower()
    for a, b in scan.fr.umlauts.items():
        w = w.replace(a, b)
    return w


def is_adjective(scan: Scan, t: Token) -> bool:
    """ADJ by the tagger, or a lower-case word with an adjective ending.

    The form test also applies when a tagger says VERB/ADV: small taggers read attributive
    participles after a number as verbs (`2 versuchte und ein vollendeter Einbruch`:
    `versuchte` VERB), which would hide the counted noun.
    """
    if scan.has_pos and t.pos_ == "ADJ":
        return True
    if scan.has_pos and t.pos_ in _NOT_ADJ_POS:
        return False
    low = t.text.lower()
    fr = scan.fr
    return t.is_alpha and not is_cap(t) and low.endswith(fr.adjective_endings) and low not in fr.not_adjectives and len(low) > 3


def is_noun(scan: Scan, t: Token) -> bool:
    if t.is_punct or t.is_space or t.like_num or not is_cap(t):
        return False
    if any(c.isdigit() for c in t.text) or len(t.text) < 2:
        return False  # `G9 X`: a one-letter word is no counted noun
    if t.ent_type_ == "PER":
        return False  # `(66. Ibser)`: a person, not what the number counts
    if scan.has_pos and t.pos_:
        return t.pos_ in ("NOUN", "PROPN")
    if t.is_stop or t.text.lower() in scan.fr.article_forms:
        return False
    return t.text[:1].isalpha()


def noun_after(scan: Scan, i: int) -> tuple[int, int] | None:
    """(first, noun index) of the counted noun starting at token i, skipping adjectives."""
    doc = scan.doc
    j = scan.next(i)
    skipped = 0
    while j < scan.n and skipped <= scan.fr.max_adjectives:
        t = doc[j]
        if scan.blocked[j] and not t.is_space:
            return None
        if is_noun(scan, t):
            if t.is_sent_start and j != i and skipped == 0:
                return None
            if t.text.endswith("-"):
                # `Kurz- und Mittelstreckenflügen`: the counted noun is the full compound
                k = scan.next(j + 1)
                if k < scan.n and (scan.low(k) in scan.fr.pair_conjunctions or doc[k].text == ","):
                    j = scan.next(k + 1)
                    continue
            return (i, j)
        if is_adjective(scan, t):
            skipped += 1
            j = scan.next(j + 1)
            continue
        return None
    return None


def _pair_base(scan: Scan, t: Token) -> str | None:
    """`Schwimmerinnen und Schwimmern`, `Ärztinnen und Ärzte` -> the base form of the pair."""
    fr = scan.fr
    if t.text.lower().endswith(fr.feminine_endings) and t.i + 2 < scan.n and scan.low(t.i + 1) in fr.pair_conjunctions:
        other = scan.doc[t.i + 2]
        base = other.lemma_ or other.text
        if base[:1].isupper() and len(base) >= 3 and (t.text.startswith(base) or fold(scan, t.text).startswith(fold(scan, base))):
            return base
    return None


def _nominalised(scan: Scan, lemma: str) -> str | None:
    """`Jugendliche(n)` -> `Jugendlicher`, `Lehrende` -> `Lehrender`: a nominalised adjective
    whose lemma the lemmatizer left in the weak form."""
    fr = scan.fr
    stem = lemma[: -len(fr.weak_ending)]
    masc = stem + fr.nominalised_ending
    if lemma_of(lemma) == masc or (lemma.endswith(fr.participle_endings) and lemma_of(lemma.lower()) == stem.lower()):
        return masc
    return None


def _compound_tail(text: str) -> str | None:
    """A long compound whose lemma is its text: lemmatise its tail (`…beiträge` -> `…beitrag`)."""
    for k in range(1, len(text) - 4):
        tail = text[k:].capitalize()
        lt = lemma_of(tail)
        if lt != tail and lt[:1].isupper():
            return text[:k] + lt.lower()
    return None


def unit_lemma(scan: Scan, t: Token) -> str:
    fr = scan.fr
    low = t.text.lower()
    base = _pair_base(scan, t)
    if base is not None:
        return base
    if low in fr.lemma_overrides:
        return fr.lemma_overrides[low]
    if t.norm_ and t.norm_ != t.text and t.norm_[:1].isupper():
        return t.norm_
    lemma = t.lemma_ or t.text
    if lemma[:1].islower() and t.text[:1].isupper():
        return lemma[:1].upper() + lemma[1:] + fr.nominalised_ending
    if lemma.endswith(fr.weak_ending) and lemma[:1].isupper() and len(lemma) > 4:
        masc = _nominalised(scan, lemma)
        if masc is not None:
            return masc
    if lemma == t.text and len(t.text) >= 8:
        tail = _compound_tail(t.text)
        if tail is not None:
            return tail
    return lemma
