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


def _orthography(lemma: str, text: str) -> str:
    """`Beschlüsse` -> `Beschluß` (the lexicon's old spelling) -> `Beschluss`: a form written
    with `ss` keeps `ss` in its lemma."""
    return lemma.replace("ß", "ss") if "ß" in lemma and "ß" not in text and "ss" in text else lemma


def unit_lemma(scan: Scan, t: Token) -> str:
    return _orthography(_unit_lemma(scan, t), t.text)


def _unit_lemma(scan: Scan, t: Token) -> str:
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


# --------------------------------------------------------------------------- longer units
COMPOUND, SPLIT, TERM = "compound", "split", "term"


def _term_adjective(scan: Scan, t: Token) -> str | None:
    """A capitalised attributive adjective (`Freiwillige`, `Offenen`) -> its weak nominative
    form (`Freiwillige`), the form after the definite article: `die Freiwillige Feuerwehr`."""
    low = t.text.lower()
    if not (t.is_alpha and is_cap(t) and low.endswith(scan.fr.adjective_endings) and t.whitespace_ == " "):
        return None
    base = _adjective_base(low)
    if base is None or base in scan.fr.not_term_adjectives:
        return None
    return t.text[:1] + base[1:] + scan.fr.term_adjective_ending


def _adjective_base(low: str) -> str | None:
    """`freiwillige` -> freiwillig, `aktive` -> aktiv: the lexicon knows the lower-case form as
    an inflected adjective (None: it does not)."""
    base = lemma_of(low)
    return base if base[:1].islower() and low.startswith(base) and low != base else None


def _coordinated_prefix(scan: Scan, j: int) -> int | None:
    """`Einbruchs- und Diebstahlsdelikte`, `Kurz-, Mittel- und Langstrecken…`: the first
    truncated part before the noun at j (None: no truncated part)."""
    doc, first = scan.doc, None
    k = j - 1
    while k >= 1 and (scan.low(k) in scan.fr.pair_conjunctions or doc[k].text == ","):
        part = doc[k - 1]
        if not (part.text.endswith("-") and len(part.text) > 2 and part.text[:-1].isalpha() and is_cap(part)):
            break
        first = k = k - 1
        k -= 1
    return first


def _split_tail(scan: Scan, j: int) -> tuple[str, int] | None:
    """`Gemeinderats -Beschlüsse`, `Gemeinderats-⏎Beschlüsse`: (the second part's text, the
    index of its token) of a compound split by a space or a line break."""
    doc, t = scan.doc, scan.doc[j]
    if t.text.endswith("-") and len(t.text) > 2:
        k = scan.next(j + 1)
        if k < scan.n and (k > j + 1 or t.whitespace_) and is_noun(scan, doc[k]) and scan.low(k) not in scan.fr.pair_conjunctions:
            return doc[k].text, k
        return None
    if j + 1 < scan.n and t.whitespace_:
        nxt = doc[j + 1].text
        if len(nxt) > 2 and nxt[0] == "-" and nxt[1].isupper() and nxt[1:].isalpha():
            return nxt[1:], j + 1
    return None


def _term_noun(scan: Scan, t: Token, plural: bool) -> bool:
    """The noun of a term: a noun, not a time word (`130 Toten Mitte November`), and after a
    count above one in a plural form (its lemma differs: `Feuerwehren`, not `Mitte`)."""
    low = t.text.lower()
    if not is_noun(scan, t) or low in scan.fr.not_term_nouns or low in scan.fr.date_units or low in scan.fr.date_nouns:
        return False
    return not plural or unit_lemma(scan, t) != t.text


def noun_unit(scan: Scan, first: int, j: int, plural: bool = False) -> tuple[str, str | None, int]:
    """The unit of the counted noun at token j (the search began at token `first`): (unit, how,
    end token).  `how`: None (the noun's lemma), COMPOUND (`Einbruchs- und Diebstahlsdelikt`),
    SPLIT (`Gemeinderatsbeschluss`) or TERM (`Freiwillige Feuerwehr`; `plural`: the count is
    above one, so a term's noun must be plural)."""
    doc = scan.doc
    split = _split_tail(scan, j)
    if split is not None:
        tail, k = split
        lemma = _orthography(lemma_of(tail), tail)
        return doc[j].text.rstrip("-") + lemma[:1].lower() + lemma[1:], SPLIT, k + 1
    p = _coordinated_prefix(scan, j)
    if p is not None:
        return scan.text[doc[p].idx : doc[j].idx] + unit_lemma(scan, doc[j]), COMPOUND, j + 1
    adj = _term_adjective(scan, doc[j]) if j + 1 < scan.n and _term_noun(scan, doc[j + 1], plural) else None
    if adj is not None:
        return f"{adj} {unit_lemma(scan, doc[j + 1])}", TERM, j + 2
    adj = _term_adjective(scan, doc[j - 1]) if j - 1 >= first else None
    if adj is not None and _term_noun(scan, doc[j], plural):
        return f"{adj} {unit_lemma(scan, doc[j])}", TERM, j + 1
    return unit_lemma(scan, doc[j]), None, j + 1


def key_noun(scan: Scan, start: int, end: int) -> str | None:
    """The unit of a key (`Analysierte Kommentare` -> `Kommentar`): the lemma of its first noun
    that is not a participle or adjective before another capitalised word."""
    doc = scan.doc
    for t in doc[start:end]:
        if not t.text[:1].isupper() or not t.is_alpha:
            continue
        if scan.has_pos and t.pos_ and t.pos_ not in ("NOUN", "PROPN"):
            continue
        if (t.lemma_[:1].islower() or _adjective_base(t.text.lower())) and t.i + 1 < end and doc[t.i + 1].text[:1].isupper():
            continue  # `Analysierte Kommentare`, `Aktive Mitglieder`: a participle or adjective before the noun
        return unit_lemma(scan, t)
    return None
