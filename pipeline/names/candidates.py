"""Candidate entity spans: phrase lookup, trimming, the never list, model-span checks and
the overlap policy (the conflict policy of `entities.py`, steps 1-4)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.attrs import ORTH, SPACY
from spacy.tokens import Doc, Span, Token

from ..document import in_regions
from .lexicon import MAX_PHRASE_TOKENS, TIER_GAZ, TIER_RULE, EntityRules, phrase_key


MEMO_SIZE = 200_000


@dataclass
class Cand:
    start: int  # token offsets
    end: int
    label: str
    source: str
    tier: int
    canonical: str | None = None
    exact: bool = False  # curated phrase: never trimmed
    role: str | None = None
    admin_type: str | None = None


def phrase_matches(doc: Doc, er: EntityRules) -> list[Cand]:
    """Candidates from the phrase lists (curated files and gazetteer; the longest phrase
    starting at a token wins), else from one-word place forms (genitive, compass, district)."""
    out = []
    # token texts and trailing spaces in one call (`for t in doc` makes a Token object per token)
    strings = doc.vocab.strings
    attrs = doc.to_array([ORTH, SPACY]).tolist() if len(doc) else []
    texts = [strings[a[0]] for a in attrs]
    ws = [" " if a[1] else "" for a in attrs]
    starts = er.phrase_start_memo
    for i, t0 in enumerate(texts):
        # a token can start a phrase only when its first three characters can (memoised)
        ok = starts.get(t0[:3])
        if ok is None:
            ok = starts[t0[:3]] = phrase_key(t0[:3]) in er.phrase_prefixes
        found, cand = _phrase_at(doc, i, texts, ws, er) if ok and t0.strip() else (False, None)
        if not found:
            cand = _place_word_at(doc, i, er, t0)
        if cand is not None:
            out.append(cand)
    return out


def _phrase_at(doc: Doc, i: int, texts: list[str], ws: list[str], er: EntityRules) -> tuple[bool, Cand | None]:
    """The longest known phrase starting at token `i` (whose first characters can start
    one): (a phrase was found, its candidate); a one-word settlement used as a common noun
    is found but gives no candidate."""
    # grow the span token by token while its key can still begin a phrase; the longest
    # span that is a phrase and does not end in a whitespace token wins
    best = None
    raw = ""
    for j in range(i, min(len(doc), i + MAX_PHRASE_TOKENS)):
        raw += texts[j]
        if len(raw) > er.max_phrase_chars:
            break
        key = phrase_key(raw)
        if not er.starts_a_phrase(key):
            break
        if texts[j].strip() and key in er.phrases:
            best = (j + 1, key)
        raw += ws[j]
    if best is None:
        return False, None
    j, key = best
    p = er.phrases[key]
    if p.tier == TIER_GAZ and j == i + 1 and not p.region and _common_noun_not_place(doc, i, er):
        return True, None
    return True, Cand(i, j, p.label, p.source, p.tier, p.canonical or (key if p.tier == TIER_GAZ else None), exact=p.tier == TIER_RULE)


def _place_word_at(doc: Doc, i: int, er: EntityRules, t: str) -> Cand | None:
    """One word `t` (token `i`) that is a form of a known place: `Deutschlands`,
    `Nordhessen`, `Hamm-Mitte`."""
    if not t[:1].isupper() or len(t) < 4:
        return None
    memo = er.place_word_memo
    hit = memo.get(t)
    if hit is None:
        if len(memo) >= MEMO_SIZE:  # bounded: a long run meets ever new words
            memo.clear()
        hit = memo[t] = _place_word(t, er)
    if not hit:
        return None
    label, source, tier, canonical, genitive = hit
    if genitive and _non_noun(doc[i]):
        return None  # an adverb (`Allerdings`, `Abends`), not the place `Allerding` + s
    return Cand(i, i + 1, label, source, tier, canonical)


def _place_word(t: str, er: EntityRules) -> tuple | bool:
    """What `_place_word_at` finds for the word `t`, context aside: (label, source, tier,
    canonical, is a genitive) or False."""
    # genitive of a known place: `Deutschlands`, `Hameln-Pyrmonts`
    base = er.canonical_place(t) if t.endswith("s") else None
    if base is not None:
        p = er.phrases.get(phrase_key(t[:-1])) or er.phrases.get(phrase_key(t[:-2]))
        return ("LOC", p.source if p else "gazetteer", p.tier if p else TIER_GAZ, base, True)
    # compass parts of a known place: `Nordhessen`, `Ostdeutschland`, `Hamm-Mitte`, `Dorfen-Nord`
    m = _COMPASS_PREFIX.match(t)
    if m and phrase_key(m.group(2)[:1].upper() + m.group(2)[1:]) in er.loc_phrases:
        return ("LOC", "rule:compass", TIER_GAZ, t, False)
    m = _DISTRICT_SUFFIX.match(t)
    if m and phrase_key(m.group(1)) in er.loc_phrases:
        return ("LOC", "rule:district", TIER_GAZ, t, False)
    return False


def _common_noun_not_place(doc: Doc, i: int, er: EntityRules) -> bool:
    """A one-word settlement name of the gazetteer used as an ordinary word: at a sentence
    start with a lower-case lemma (an adverb or adjective written with a capital), or right
    after an article (`ein Schlag`, `der Brunnen`, `am Puls`: towns take no article; waters
    and mountains do, `am Mühlbach`, and so do districts and regions, which the gazetteer
    marks, `im Harz`)."""
    tok = doc[i]
    if tok.is_sent_start and _non_noun(tok):
        return True
    return (
        i > 0
        and doc[i - 1].lower_ in er.never.settlement_articles
        and not tok.lower_.endswith(er.never.article_ok_endings)
        and not (i > 1 and f"{doc[i - 2].lower_} {doc[i - 1].lower_}" in er.never.article_ok_before)
    )


def _non_noun(tok: Token) -> bool:
    """A capitalised word whose lemma is lower-case: an adverb, numeral, adjective or verb
    written with a capital at the start of a sentence (`Allerdings`, `Abends`)."""
    lemma = tok.lemma_
    return bool(lemma) and lemma[:1].islower() and tok.text[:1].isupper()


_COMPASS_PREFIX = re.compile(r"^(Nord|Süd|Ost|West|Mittel|Nordost|Nordwest|Südost|Südwest|Ober|Nieder|Unter)([A-ZÄÖÜ]?[a-zäöüß]+)$")
_DISTRICT_SUFFIX = re.compile(r"^([A-ZÄÖÜ][\w]+(?:-[A-ZÄÖÜ][\w]+)*)-(?:Mitte|Nord|Süd|Ost|West|Nordost|Nordwest|Südost|Südwest|Zentrum|Innenstadt|Altstadt|Land|Stadt)$")


def _trim(doc: Doc, c: Cand, er: EntityRules) -> Cand | None:
    """Step 2 of the policy: cut leading function words, roles, titles, admin words and
    descriptors and trailing numbers/punctuation; curated phrases are exact."""
    if c.exact:
        return c
    s = _admin_place_start(doc, c, er)
    e = c.end
    while s < e:
        skip = _leading_token_skipped(doc, c, er, s, e)
        if not skip:
            break
        s += 1
    e = _trailing_end(doc, c, s, e)
    if s >= e:
        return None
    if (s, e) != (c.start, c.end) and c.canonical is not None:
        c.canonical = er.canonical_place(doc[s:e].text) if c.label == "LOC" else None
    c.start, c.end = s, e
    return c


def _admin_place_start(doc: Doc, c: Cand, er: EntityRules) -> int:
    """`(Niedersächsischen) Landkreis Hameln-Pyrmont` is the place Hameln-Pyrmont, whatever
    label the model gave the whole span: admin word + place -> LOC (+ admin_type)."""
    s, e = c.start, c.end
    k = s
    while k < e - 1 and doc[k].text not in er.admin and (doc[k].lower_ in er.never.leading_words or er.never.is_never(doc[k].text)):
        k += 1
    if k < e - 1 and doc[k].text in er.admin and c.label != "LOC" and doc[k + 1].text[:1].isupper():
        c.label, s = "LOC", k
    return s


def _leading_token_skipped(doc: Doc, c: Cand, er: EntityRules, s: int, e: int) -> bool:
    """Whether token `s` is cut from the front of the span (recording a role or admin type
    it carries on the candidate)."""
    tok = doc[s]
    if tok.text.lower() in er.never.leading_words or tok.is_punct or tok.is_space:
        return True
    if c.label == "PER":
        role = er.is_role(tok)
        if role is not None:
            c.role = role
            return True
        if tok.text in er.lexicons.get("titles", ()):
            return True
    if c.label in ("LOC", "GPE") and tok.text in er.admin and e - s > 1 and doc[s + 1].text[:1].isupper():
        if not genitive_place(doc[s + 1 : e].text, er):
            c.admin_type = er.admin[tok.text]
        return True
    if c.label == "ORG" and tok.text in er.lexicons.get("org_descriptors", ()) and e - s > 1:
        return True
    if c.label in er.never.leading_adjectives_for and e - s > 1 and er.never.is_never(tok.text):
        # `Römisches Reich`, `Bayerischer Wald`: the adjective is part of the name
        return not (c.label == "LOC" and e - s == 2 and _adjective_names_it(doc[s + 1].text, er))
    return False


def _trailing_end(doc: Doc, c: Cand, s: int, e: int) -> int:
    """The span end after cutting an unclosed bracket (`Eva Muster (CDU`), a house number
    from a LOC (`Münsterplatz 47`), a year or amount the model ran into (`Thilo Ulbert 1986`, `Sun Microsystems 100.000`; two-digit
    club numbers stay: `Hannover 96`) and trailing punctuation."""
    opened = [k for k in range(s + 1, e) if doc[k].text == "("]
    if opened and not any(doc[k].text == ")" for k in range(opened[-1], e)):
        e = opened[-1]  # `Eva Muster (CDU`: a model span that opens a bracket and stops inside it
    while c.label == "LOC" and e - s > 1 and doc[e - 1].is_digit:
        e -= 1
    while c.source == "model" and e - s > 1 and doc[e - 1].like_num and (c.label == "PER" or sum(ch.isdigit() for ch in doc[e - 1].text) >= 3):
        e -= 1
    while e > s and (doc[e - 1].is_space or (doc[e - 1].is_punct and doc[e - 1].text not in (".", ")"))
                     or doc[e - 1].text in ("-", "–") or (e - s > 1 and doc[e - 1].text in _TRAILING_CONJUNCTIONS)):
        e -= 1
    return e


_TRAILING_CONJUNCTIONS = ("und", "oder", "sowie")  # `Diakonie Hessen und`: no name ends in one


def _adjective_names_it(word: str, er: EntityRules) -> bool:
    """After a place adjective, a single word that is no known place and no admin word
    (`Reich`, `Wald`, `Republik`) is named by the adjective, which stays in the span;
    a known place loses it (`Niedersächsischen Hameln-Pyrmont`)."""
    return word not in er.admin and phrase_key(word) not in er.phrases and er.canonical_place(word) is None


def non_word(text: str) -> bool:
    """No name: punctuation only, digits only, or one letter (`3`, `)`, `E`, `S.`); a letter
    with digits is a name (`A1`, `O2`, `Ö24`)."""
    alnum = [ch for ch in text if ch.isalnum()]
    return not alnum or all(ch.isdigit() for ch in alnum) or len(alnum) == 1


def genitive_place(text: str, er: EntityRules) -> bool:
    """A place in the genitive (`Europas`, `Deutschlands`): after an admin word it is what
    the admin word belongs to (`die Gemeinden Europas`), not its type (`Gemeinde Europa`)."""
    if not text.endswith("s"):
        return False
    base = er.canonical_place(text)
    return base is not None and base != phrase_key(text)


def _is_never(doc: Doc, c: Cand, er: EntityRules) -> bool:
    span = doc[c.start : c.end]
    text = span.text
    if non_word(text):
        return True
    if c.exact:
        return False
    if er.never.is_never(text):
        return True
    if len(span) == 1:
        t = span[0].text
        heads = er.lexicons.get("org_heads", frozenset()) | er.lexicons.get("org_place_heads", frozenset())
        if c.label == "ORG" and t in heads and t not in er.lexicons.get("generic_institutions", ()):
            return True
        if (er.is_role(span[0]) is not None and not (c.label == "ORG" and t in er.lexicons.get("generic_institutions", ()))) or t in er.lexicons.get("titles", ()):
            return True
        if (c.label != "PER" or c.source != "model") and _derived_place(t, er):
            return True
    return False


def model_span_ok(doc: Doc, ent: Span, er: EntityRules) -> bool:
    """Model spans the policy refuses before any comparison with the rules.

    - a span across a line break or a sentence boundary (headline + dateline run-ons);
    - a span without a name word (a capitalised word outside the never list; also
      `ORF2` and hyphenated place names `Berlin-Charlottenburg`, not `NASCAR-Rennen`):
      `8. – 11. November 2018`;
    - a span that starts or ends inside a word (`Internationalen Bürgermeister` out of
      `Bürgermeister/innen-Konferenzen`), or whose last word is a compound with an event
      head from never.yaml `event_heads` (`NOW Mayors' Network-Treffen`);
    - a single gender-form word (`LokalpolitikerInnen`) or a single word with a
      common-noun ending from never.yaml (`Glasfasernetz`, `Automobilindustrie`) that no
      gazetteer or curated list knows.
    """
    if "\n" in ent.text or any(t.is_sent_start for t in ent[1:]):
        return False
    if not any(_name_word(t.text, er) and not er.never.is_never(t.text) for t in ent):
        return False
    if _cuts_a_word(doc, ent):
        return False
    last = ent[-1].text
    if ent.label_ != "PER" and "-" in last and last.rsplit("-", 1)[1].lower() in er.never.event_heads:
        return False  # `NOW Mayors' Network-Treffen`: an event of the organisation, not its name
    return True


_GLUE = "/-_*:"


def _cuts_a_word(doc: Doc, ent: Span) -> bool:
    """True when a model span starts or ends inside a whitespace-delimited word: the
    model's `Internationalen Bürgermeister` out of `…Bürgermeister/innen-Konferenzen`."""
    if ent.end < len(doc) and not ent[-1].whitespace_:
        nxt = doc[ent.end].text
        if nxt[:1].isalnum() or (nxt[:1] in _GLUE and ent.end + 1 < len(doc) and not doc[ent.end].whitespace_
                                 and doc[ent.end + 1].text[:1].isalnum()):
            return True
    if ent.start > 0 and not doc[ent.start - 1].whitespace_:
        prv = doc[ent.start - 1].text
        if prv[-1:].isalnum() or (prv[-1:] in _GLUE and ent.start > 1 and not doc[ent.start - 2].whitespace_
                                  and doc[ent.start - 2].text[-1:].isalnum()):
            return True
    return False


_ALNUM_NAME = re.compile(r"^[A-ZÄÖÜ][A-Za-zÄÖÜäöüß]*[0-9]+$")


def _name_word(text: str, er: EntityRules) -> bool:
    """A word that can carry a name: a capitalised word of letters; letters + digits
    (`ORF2`, `O2`); a hyphenated word of capitalised parts whose last part is a place, a
    place adjective or an abbreviation (`Berlin-Charlottenburg`, `Hamburg-Mannheimer`,
    `Hertha-BSC`).  Not `8.`, `2018`, and not a hyphenated compound with a common-noun
    head (`NASCAR-Rennen`, `Taiwan-Dollar`, `C-Liga`)."""
    if text.isalpha():
        return text[:1].isupper()
    if _ALNUM_NAME.match(text):
        return True
    parts = text.split("-")
    if len(parts) < 2 or not all(p[:1].isupper() and p.isalpha() for p in parts):
        return False
    last = parts[-1]
    return last.isupper() or phrase_key(last) in er.loc_phrases or _derived_place(last, er)


def single_word_ok(doc: Doc, c: Cand, er: EntityRules) -> bool:
    """(after trimming) a model entity of one gender-form word or common-noun word is refused."""
    if c.end - c.start != 1 or c.label == "PER":
        return True
    t = doc[c.start]
    if t.norm_ != t.lower_ and t.norm_ != t.text:
        return False
    key = phrase_key(t.text)
    return key in er.phrases or er.canonical_place(t.text) is not None or not t.text.lower().endswith(er.never.noun_endings)


def _org_marked(doc: Doc, c: Cand, er: EntityRules) -> bool:
    lex = er.lexicons
    for t in doc[c.start : c.end]:
        w = t.text
        if (w in lex.get("org_heads", ()) or w in lex.get("org_place_heads", ()) or w in lex.get("legal_forms", ())
                or w in lex.get("generic_institutions", ()) or w in lex.get("org_descriptors", ())
                or er.gender_of(w) or (len(w) >= 2 and w.isupper()) or "-" in w):
            return True
    return False


def _name_with_place(doc: Doc, c: Cand, inner: list[Cand], er: EntityRules) -> bool:
    """A model ORG that is a name + a place at its end (`Borussia Dortmund`, `Juventus
    Turin`, `University College London`) or a place + a two-digit number (`Hannover 96`):
    a club or company named after its place, kept.  Not when the first word is a facility
    (`Bahnhof Bern`, never.yaml `facility_endings`), a place adjective or a never word."""
    last = doc[c.end - 1]
    if last.is_digit and len(last.text) == 2 and any(p.start == c.start and p.end == c.end - 1 for p in inner):
        return True
    if not any(p.end == c.end for p in inner):
        return False
    first = doc[c.start].text
    return (
        first[:1].isupper()
        and not first.lower().endswith(er.never.facility_endings)
        and not er.never.is_never(first)
        and not _derived_place(first, er)
    )


def demote_unmarked_model_orgs(doc: Doc, cands: list[Cand], er: EntityRules) -> list[Cand]:
    """A model ORG that swallows a known place but has no organisation word in it
    (`Dorfen Polstermöbel`, `Salzburger Altstadt`, `Bahnhof Bern`) loses to the place,
    unless it is a name + the place at its end (`Borussia Dortmund`, `Hannover 96`)."""
    places = [c for c in cands if c.label == "LOC" and c.source != "model"]
    out = []
    for c in cands:
        if c.source == "model" and c.label == "ORG" and not _org_marked(doc, c, er):
            inner = [p for p in places if c.start <= p.start and p.end <= c.end and (p.start, p.end) != (c.start, c.end)]
            if inner and not _name_with_place(doc, c, inner, er):
                continue
            t = doc[c.start].text
            if c.end - c.start >= 2 and any(t.endswith(s) for s in er.never.derived_suffixes) and _derived_place(t, er):
                continue
        out.append(c)
    return out


def _derived_place(t: str, er: EntityRules) -> bool:
    return any(
        phrase_key(stem) in er.loc_phrases or phrase_key(stem + "e") in er.loc_phrases or phrase_key(stem.rstrip("s")) in er.loc_phrases
        for stem in er.derived_stems(t)
    )


def resolve_overlaps(cands: list[Cand]) -> list[Cand]:
    order = sorted(cands, key=lambda c: (-(c.end - c.start), -c.tier, c.label == "MISC", c.start, c.label, c.source))
    taken: set[int] = set()
    kept = []
    for c in order:
        if any(i in taken for i in range(c.start, c.end)):
            continue
        kept.append(c)
        taken.update(range(c.start, c.end))
    return sorted(kept, key=lambda c: c.start)


def _to_spans(doc: Doc, cands: list[Cand]) -> list[Span]:
    spans = []
    for c in cands:
        span = Span(doc, c.start, c.end, label=c.label, span_id=c.canonical or "")
        spans.append(span)
    return spans


def set_ents(doc: Doc, cands: list[Cand]) -> None:
    doc.ents = _to_spans(doc, cands)
    by_pos = {(c.start, c.end): c for c in cands}
    for ent in doc.ents:
        c = by_pos.get((ent.start, ent.end))
        if c is None:
            continue
        ent._.source = c.source
        ent._.canonical_hint = c.canonical
        ent._.role = c.role
        ent._.admin_type = c.admin_type


def vet(doc: Doc, c: Cand, er: EntityRules) -> Cand | None:
    if in_regions(doc, doc[c.start].idx, doc[c.end - 1].idx + len(doc[c.end - 1].text)):
        return None
    c = _trim(doc, c, er)
    if c is None or _is_never(doc, c, er):
        return None
    return c
