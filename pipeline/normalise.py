"""Stage 6, normalise: entity spans -> `mentions` and `roles` rows.

canonical: the base form an analyst groups by, changed only where the rules support it:
- phrase patterns carry their canonical form (`id`): `Nahen Osten` -> `Naher Osten`;
- places: genitive `-s`/`-es` removed when the gazetteer knows the base (`Deutschlands`
  -> `Deutschland`); the admin word is not part of the mention (`des Landkreises
  Hameln-Pyrmont` -> `Hameln-Pyrmont`, admin_type `Landkreis`);
- organisations: leading articles are gone already (`der Bertelsmann-Stiftung`); a
  genitive head is normalised (`des Max-Planck-Instituts` -> `Max-Planck-Institut`);
  an institution without a place (`Stadtverwaltung`) takes the document's place from its
  header metadata (`Ort | Hamm |` -> `Stadtverwaltung Hamm`);
- persons: a surname alone (`Herter`, `Herters`) links to the document's full name
  (`Marc Herter`) when exactly one full name ends with it;
- a shorter ORG/LOC whose words are the start or end of exactly one longer same-label
  name in the document links to it (`Feuerwehr Hamm` -> `Freiwillige Feuerwehr Hamm`);
- always: typographic quotes/apostrophes unified (`Mayors‘` -> `Mayors'`), whitespace
  collapsed.

`entity_id` is a hash of (label, canonical), so the same entity gets the same id in every
run and every process; the corpus-wide `entities` table is aggregated at write time.

Roles: a PER mention gets the role written before it (`Landrat Tjark Bartels`, also
`Landrat Dr. …`) or as an apposition after it (`Paul Weber, Vorsitzender des Vereins`);
the role vocabulary is `rules/roles/roles.yaml`.  The role's organisation or place is the
LOC/ORG of the same sentence whose admin type or head fits the role's `jurisdiction`
(`Landrat … im Landkreis Hameln-Pyrmont`), else one attached by `von/des/der/im/in/aus`
right after the person or role, else a genitive place right before the role (`Hamms
Oberbürgermeister`).  Rows: `roles` table, and the `role` column of `mentions`.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right

from spacy.language import Language
from spacy.tokens import Doc, Span

from .document import add_rows, date_spans, in_regions
from .names.candidates import genitive_place
from .names.lexicon import EntityRules, entity_rules, phrase_key
from .rulebook import load_rules

PLACE_KEYS = ("Ort", "Stadt", "Gemeinde", "Ortschaft", "Location")
ATTACH_WORDS = {"von", "vom", "des", "der", "im", "in", "aus", "beim", "bei", "für"}


def entity_id(label: str, canonical: str) -> str:
    return "E" + hashlib.sha1(f"{label}\t{canonical}".encode()).hexdigest()[:12]


def _doc_place(doc: Doc) -> str | None:
    for row in doc._.metadata or []:
        if row.get("key") in PLACE_KEYS and row.get("value"):
            return " ".join(str(row["value"]).split())
    return None


def base_canonical(ent: Span, er: EntityRules, doc_place: str | None) -> str:
    text = phrase_key(ent.text)
    hint = ent._.canonical_hint or (ent.id_ or None)
    if hint:
        return phrase_key(hint)
    label = ent.label_
    if label in ("LOC", "GPE"):
        return er.canonical_place(text) or text
    if label == "ORG":
        return org_canonical(text, er)
        return text
    return text


_ADJ = re.compile(r"^([A-ZÄÖÜ][a-zäöüß]+?)(e|en|em|es)$")
_STRONG = {"feminine": "e", "neuter": "es", "masculine": "er", "plural": "e"}


def org_canonical(text: str, er: EntityRules) -> str:
    """Nominative of an organisation name where its head noun's gender is known.

    `Freiwilligen Feuerwehr Dorfen` -> `Freiwillige Feuerwehr Dorfen`; `Amts für Verkehr` ->
    `Amt für Verkehr`; `Max-Planck-Instituts` -> `Max-Planck-Institut`.  Unknown heads: unchanged.
    """
    words = text.split()
    head_i = gender = None
    for i, w in enumerate(words):
        if not w[:1].isupper() or w in er.lexicons.get("legal_forms", ()):
            continue
        base = w
        for ending in ("es", "s"):
            if w.endswith(ending) and er.gender_of(w[: -len(ending)]):
                base = w[: -len(ending)]
                break
        g = er.gender_of(base)
        if g:
            head_i, gender = i, g
            words[i] = base
            break
        if not _ADJ.match(w) or phrase_key(w) in er.loc_phrases:
            break
    if head_i is None:
        return text
    for i in range(head_i):
        m = _ADJ.match(words[i])
        if m:
            words[i] = m.group(1) + _STRONG[gender]
    # a genitive last word (`des Max-Planck-Instituts`)
    last = words[-1]
    if len(words) - 1 != head_i:
        for ending in ("es", "s"):
            if last.endswith(ending) and er.gender_of(last[: -len(ending)]) and "-" in last:
                words[-1] = last[: -len(ending)]
                break
    return " ".join(words)


def derived_place_of(word: str, er: EntityRules) -> str | None:
    """`Berner` -> `Bern`, `Kölner` -> `Köln`, `Hammer` -> `Hamm` (place adjectives in -er)."""
    for stem in er.derived_stems(word):
        for cand in (stem, stem + "e", stem[:-1] if stem.endswith(stem[-1] * 2) else None):
            if cand and phrase_key(cand) in er.loc_phrases:
                return er.canonical_place(cand) or cand
    return None


def _variant_key(canonical: str) -> str:
    return " ".join(re.sub(r"(?:es|en|s|n)$", "", w) for w in canonical.split())


def _link(mentions: list[dict], ents: list[Span], er: EntityRules, doc_place: str | None) -> None:
    """Within one document, mentions of one entity get one canonical form (in this order)."""
    _unify_inflected_variants(mentions)
    _link_person_names(mentions)
    _extend_to_longer_names(mentions, er)
    _add_institution_place(mentions, ents, er, doc_place)


def _unify_inflected_variants(mentions: list[dict]) -> None:
    """Inflected variants of one name: `Schwimmvereins Delphin Kassel e.V.`, `Freiwilligen
    Feuerwehr Dorfen` -> the most frequent (then shortest) written form."""
    groups: dict[tuple, list[dict]] = {}
    for m in mentions:
        if m["label"] in ("ORG", "LOC", "PER") and m["source"] not in ("rule:places",):
            groups.setdefault((m["label"], _variant_key(m["canonical"])), []).append(m)
    for ms in groups.values():
        forms: dict[str, int] = {}
        for m in ms:
            forms[m["canonical"]] = forms.get(m["canonical"], 0) + 1
        if len(forms) > 1:
            best = sorted(forms, key=lambda f: (-forms[f], len(f), f))[0]
            for m in ms:
                m["canonical"] = best


def _link_person_names(mentions: list[dict]) -> None:
    """Surname-only persons -> the one full name with that surname; a genitive of a full
    name (`Marc Herters`) -> the name."""
    full_per: dict[str, set] = {}
    for m in mentions:
        if m["label"] == "PER" and len(m["canonical"].split()) >= 2:
            full_per.setdefault(m["canonical"].split()[-1], set()).add(m["canonical"])
    for m in mentions:
        if m["label"] != "PER":
            continue
        t = m["canonical"]
        if len(t.split()) == 1:
            for cand in (t, t[:-1] if t.endswith("s") else None):
                if cand and len(full_per.get(cand, ())) == 1:
                    m["canonical"] = next(iter(full_per[cand]))
                    break
        elif t.endswith("s") and any(t[:-1] in v for v in full_per.values()):
            m["canonical"] = t[:-1]


def _extend_to_longer_names(mentions: list[dict], er: EntityRules) -> None:
    """A shortened ORG/LOC name -> the one longer name of the document that starts or
    ends with it (one word only for known institutions)."""
    by_label: dict[str, set] = {}
    for m in mentions:
        by_label.setdefault(m["label"], set()).add(m["canonical"])
    for m in mentions:
        if m["label"] not in ("ORG", "LOC"):
            continue
        words = m["canonical"].split()
        longer = {
            c for c in by_label[m["label"]]
            if len(c.split()) > len(words) and (c.split()[-len(words):] == words or c.split()[: len(words)] == words)
        }
        if len(longer) == 1 and (len(words) >= 2 or m["canonical"] in er.institutions):
            m["canonical"] = next(iter(longer))


def _add_institution_place(mentions: list[dict], ents: list[Span], er: EntityRules, doc_place: str | None) -> None:
    """An institution without its place: a place adjective right before it (`Berner
    Gemeinderat`), else the one place of its type the document names, else the document's."""
    for m, ent in zip(mentions, ents):
        types = er.institutions.get(m["canonical"]) if m["label"] == "ORG" else None
        if not types:
            continue
        prev = ent.doc[ent.start - 1].text if ent.start > 0 else ""
        place = derived_place_of(prev, er)
        if place:
            m["canonical"] = f"{m['canonical']} {place}"
            continue
        places = {x["canonical"] for x in mentions if x["label"] == "LOC" and x.get("admin_type") in types}
        if len(places) == 1:
            m["canonical"] = f"{m['canonical']} {next(iter(places))}"
        elif not places and doc_place:
            m["canonical"] = f"{m['canonical']} {doc_place}"


def _role_before(doc: Doc, ent: Span, er: EntityRules) -> tuple[str | None, int | None]:
    # `der Landrat des Landkreises Hameln-Pyrmont, Tjark Bartels,`
    if ent.start > 2 and doc[ent.start - 1].text == ",":
        k = ent.start - 2
        while k >= max(0, ent.start - 10):
            tok = doc[k]
            if tok.text in (",", ".", ":", ";") or tok.is_sent_end:
                break
            role = er.is_role(tok)
            if role and k + 1 < ent.start - 1 and doc[k + 1].lower_ in ATTACH_WORDS:
                return role, k
            k -= 1
    i = ent.start - 1
    titles = er.lexicons.get("titles", frozenset())
    while i >= 0 and i >= ent.start - 4:
        tok = doc[i]
        if tok.text in titles:
            i -= 1
            continue
        role = er.is_role(tok)
        return (role, i) if role else (None, None)
    return None, None


def _role_after(doc: Doc, ent: Span, er: EntityRules) -> tuple[str | None, int | None]:
    i = ent.end
    if i < len(doc) and doc[i].text == ",":
        i += 1
        if i < len(doc) and doc[i].lower_ in ("der", "die", "den", "dem"):
            i += 1
        if i < len(doc):
            role = er.is_role(doc[i])
            if role:
                return role, i
    return None, None


def _org_or_place(doc: Doc, ent: Span, role: str, role_i: int, ents: list[Span], er: EntityRules) -> Span | None:
    sent_start, sent_end = ent.sent.start, ent.sent.end
    wanted = set(er.roles.jurisdiction.get(role, ()))
    cands = [e for e in ents if e.label_ in ("LOC", "ORG", "GPE") and sent_start <= e.start and e.end <= sent_end]
    if wanted:
        fits = []
        for e in cands:
            admin = e._.admin_type or _admin_before(doc, e, er)
            head = e[-1].text
            if admin in wanted or head in wanted or e[0].text in wanted:
                fits.append(e)
        if fits:
            return min(fits, key=lambda e: abs(e.start - ent.start))
    anchor = max(ent.end, role_i + 1)
    for e in cands:
        if anchor <= e.start <= anchor + 3 and all(
            doc[k].lower_ in ATTACH_WORDS or doc[k].text in er.admin for k in range(anchor, e.start)
        ) and e.start > anchor:
            return e
    if role_i is not None and role_i > 0:
        prev = doc[role_i - 1]
        for e in cands:
            if e.end == role_i and prev.text.endswith("s"):
                return e
    return None


def _admin_before(doc: Doc, ent: Span, er: EntityRules) -> str | None:
    if ent.start > 0 and doc[ent.start - 1].text in er.admin and not genitive_place(ent.text, er):
        return er.admin[doc[ent.start - 1].text]
    return None


def _mention_spans(doc: Doc) -> list[Span]:
    """The entity spans that become mentions: not in a header/footer region, and not inside
    a date expression (`Mariä Himmelfahrt`, `an St. Martin`, `Tag der Deutschen Einheit`:
    a holiday named after a place or saint is the dates stage's)."""
    dates = date_spans(doc)
    return [
        e for e in doc.ents
        if not in_regions(doc, e.start_char, e.end_char)
        and not any(s <= e.start_char and e.end_char <= t for s, t in dates)
    ]


@Language.factory("de_normalise", default_config={"rules_dirs": []}, requires=["doc.ents"], assigns=["doc._.rows"])
def make_normalise(nlp: Language, name: str, rules_dirs: list[str]):
    er = entity_rules(load_rules(rules_dirs))

    def normalise(doc: Doc) -> Doc:
        text = doc.text  # Doc.text joins every token: read it once, not per role
        doc_place = _doc_place(doc)
        sent_starts = [s.start for s in doc.sents] if doc.has_annotation("SENT_START") else [0]
        ents = _mention_spans(doc)
        rows = []
        for i, ent in enumerate(ents):
            admin = ent._.admin_type or (_admin_before(doc, ent, er) if ent.label_ in ("LOC", "GPE") else None)
            rows.append(
                {
                    "mention_id": f"{doc._.doc_id}#m{i}",
                    "start_char": ent.start_char,
                    "end_char": ent.end_char,
                    "text": ent.text,
                    "label": ent.label_,
                    "canonical": base_canonical(ent, er, doc_place),
                    "source": ent._.source or "model",
                    "role": None,
                    "admin_type": admin,
                    "kind": ent._.kind or "name",
                    "sentence": bisect_right(sent_starts, ent.start) - 1,
                }
            )
        _link(rows, ents, er, doc_place)
        role_rows = []
        for row, ent in zip(rows, ents):
            row["entity_id"] = entity_id(row["label"], row["canonical"])
        by_span = {(e.start, e.end): r for e, r in zip(ents, rows)}
        for row, ent in zip(rows, ents):
            if row["label"] != "PER":
                continue
            role, role_i = _role_before(doc, ent, er)
            if role is None and ent._.role:
                role, role_i = ent._.role, ent.start
            if role is None:
                role, role_i = _role_after(doc, ent, er)
            if role is None:
                continue
            row["role"] = role
            where = _org_or_place(doc, ent, role, role_i, ents, er)
            wrow = by_span.get((where.start, where.end)) if where is not None else None
            lo = min(ent.start_char, doc[role_i].idx)
            hi = max(ent.end_char, doc[role_i].idx + len(doc[role_i].text))
            role_rows.append(
                {
                    "mention_id": row["mention_id"],
                    "entity_id": row["entity_id"],
                    "person": row["canonical"],
                    "role": role,
                    "start_char": lo,
                    "end_char": hi,
                    "text": text[lo:hi],
                    "org_or_place": wrow["canonical"] if wrow else None,
                    "org_entity_id": wrow["entity_id"] if wrow else None,
                }
            )
        # a person's place/organisation stated once holds for the document
        known = {}
        for r in role_rows:
            if r["org_or_place"]:
                known.setdefault((r["entity_id"], r["role"]), (r["org_or_place"], r["org_entity_id"]))
        for r in role_rows:
            if not r["org_or_place"] and (r["entity_id"], r["role"]) in known:
                r["org_or_place"], r["org_entity_id"] = known[(r["entity_id"], r["role"])]
        add_rows(doc, "mentions", rows)
        add_rows(doc, "roles", role_rows)
        return doc

    return normalise
