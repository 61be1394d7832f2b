"""Converters from the shared NER / UD corpora to spaCy `Doc`s and `DocBin`s.

Every parser is a pure function from the file's *text* to a list of sentences, so the
tests can feed small inline excerpts.  A sentence is a :class:`Sent` (words + BIO tags)
or, for CoNLL-U, a :class:`UDSent` (words, spaces, lemmas, UPOS, morphology).

Label scheme of the shipped model: PER, LOC, ORG and (optionally) MISC.

* GermEval 2014: outer column (3rd), ``OTH`` -> ``MISC``, ``*deriv`` / ``*part`` -> ``O``.
* WikiANN: ``de:`` token prefix stripped, PER/LOC/ORG as given (silver labels).
* Europeana Newspapers: comment lines skipped, no sentence breaks in the files, so
  sentences are cut after ``. ! ?`` (and at most every ``max_len`` tokens); typos in the
  tag column (``B-PEr``) are repaired, anything that is not PER/LOC/ORG becomes ``O``.
* German Legal Entity Recognition (LER, court decisions): ``token tag`` per line, IOB2,
  blank line between sentences; its 19 fine labels are mapped by :data:`LER_MAP` (issue
  10): institutions, courts, companies -> ORG; countries, cities, streets, landscapes ->
  LOC; persons, judges, lawyers -> PER; legal norms, case law, literature, contracts and
  brands (MRK: trademarks such as ``NIVONA`` or ``„JOOP“``, OTH under the GermEval
  guidelines the model follows) -> ``O``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

LABELS = ("PER", "LOC", "ORG", "MISC")


@dataclass
class Sent:
    words: list[str]
    tags: list[str]  # BIO, e.g. B-PER / I-PER / O


@dataclass
class UDSent:
    words: list[str]
    spaces: list[bool]
    lemmas: list[str]
    pos: list[str]
    morphs: list[str]
    text: str = ""
    meta: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- tags
def normalise_tag(tag: str, keep: Sequence[str] = LABELS) -> str:
    """Map one raw BIO tag to ``B-X`` / ``I-X`` / ``O`` with X in `keep`."""
    tag = tag.strip()
    m = re.fullmatch(r"([BIbi])-([A-Za-z]+)", tag)
    if not m:
        return "O"
    prefix, label = m.group(1).upper(), m.group(2)
    if label.endswith(("deriv", "part")):
        return "O"
    label = label.upper()
    label = {"OTH": "MISC", "PERS": "PER", "LOCATION": "LOC"}.get(label, label)
    if label not in keep:
        return "O"
    return f"{prefix}-{label}"


def repair_bio(tags: Sequence[str]) -> list[str]:
    """Turn an ``I-X`` that does not continue an ``X`` entity into ``B-X``."""
    out: list[str] = []
    prev = "O"
    for t in tags:
        if t.startswith("I-") and (prev == "O" or prev[2:] != t[2:]):
            t = "B-" + t[2:]
        out.append(t)
        prev = t
    return out


def _finish(words: list[str], tags: list[str], keep: Sequence[str]) -> Sent:
    return Sent(list(words), repair_bio([normalise_tag(t, keep) for t in tags]))


# --------------------------------------------------------------------------- GermEval
def parse_germeval(text: str, keep: Sequence[str] = LABELS) -> list[Sent]:
    """GermEval 2014 TSV: ``idx<TAB>token<TAB>outer<TAB>inner``; ``#`` lines; blank
    line between sentences.  Uses the outer column."""
    sents: list[Sent] = []
    words: list[str] = []
    tags: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if words:
                sents.append(_finish(words, tags, keep))
                words, tags = [], []
            continue
        cols = line.split("\t")
        if len(cols) < 3:
            continue
        words.append(cols[1])
        tags.append(cols[2])
    if words:
        sents.append(_finish(words, tags, keep))
    return sents


# --------------------------------------------------------------------------- WikiANN
def parse_wikiann(text: str, keep: Sequence[str] = LABELS) -> list[Sent]:
    """WikiANN: ``de:token<TAB or space>TAG`` per line, blank line between sentences."""
    sents: list[Sent] = []
    words: list[str] = []
    tags: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            if words:
                sents.append(_finish(words, tags, keep))
                words, tags = [], []
            continue
        parts = line.rstrip("\n").rsplit(None, 1)
        if len(parts) == 1:
            token, tag = parts[0], "O"
        else:
            token, tag = parts
        if token.startswith("de:"):
            token = token[3:]
        token = token.strip()
        if not token:
            continue
        words.append(token)
        tags.append(tag)
    if words:
        sents.append(_finish(words, tags, keep))
    return sents


# --------------------------------------------------------------------------- Europeana
_TAG_RE = re.compile(r"^(?:[BIbi]-[A-Za-z]+|O|\?\?\?)$")
_SENT_END = {".", "!", "?"}
_COMMENT_RE = re.compile(r"^# [\w ]*(?:file|url):")


def parse_europeana(text: str, keep: Sequence[str] = ("PER", "LOC", "ORG"),
                    max_len: int = 60, min_len: int = 3) -> list[Sent]:
    """Europeana Newspapers BIO (``token tag`` per line).  No sentence breaks in the
    data: cut after ``. ! ?`` tokens, at comment/blank lines and every `max_len` tokens
    (never inside an entity).  Fragments shorter than `min_len` tokens are dropped."""
    sents: list[Sent] = []
    words: list[str] = []
    tags: list[str] = []

    def flush():
        nonlocal words, tags
        if len(words) >= min_len:
            sents.append(_finish(words, tags, keep))
        words, tags = [], []

    for line in text.splitlines():
        if not line.strip() or _COMMENT_RE.match(line):
            flush()
            continue
        parts = line.split()
        if len(parts) >= 2 and _TAG_RE.match(parts[-1]):
            toks, tag = parts[:-1], parts[-1]
        else:  # tag column missing or garbage: the whole line is text, outside
            toks, tag = parts, "O"
        for i, tok in enumerate(toks):
            t = tag if (i == 0 or not tag.startswith(("B-", "b-"))) else "I-" + tag[2:]
            words.append(tok)
            tags.append(t)
        if toks and toks[-1] in _SENT_END and normalise_tag(tag, keep) == "O":
            flush()
        elif len(words) >= max_len and normalise_tag(tag, keep) == "O":
            flush()
    flush()
    return sents


# --------------------------------------------------------------------------- LER
LER_MAP = {"INN": "ORG", "GRT": "ORG", "UN": "ORG", "ORG": "ORG",
           "LD": "LOC", "ST": "LOC", "STR": "LOC", "LDS": "LOC",
           "PER": "PER", "RR": "PER", "AN": "PER"}  # any other label (GS, VO, EUN, VS, VT,
# RS, LIT, MRK) -> O


def ler_tag(tag: str) -> str:
    """One LER IOB2 tag mapped to the model's labels (``B-GRT`` -> ``B-ORG``)."""
    prefix, _, label = tag.strip().partition("-")
    if prefix not in ("B", "I") or label not in LER_MAP:
        return "O"
    return f"{prefix}-{LER_MAP[label]}"


def parse_ler(text: str, keep: Sequence[str] = ("PER", "LOC", "ORG")) -> list[Sent]:
    """German LER CoNLL: ``token tag`` per line, blank line between sentences."""
    sents: list[Sent] = []
    words: list[str] = []
    tags: list[str] = []
    for line in text.splitlines() + [""]:
        parts = line.split()
        if len(parts) < 2:
            if words:
                sents.append(_finish(words, tags, keep))
                words, tags = [], []
            continue
        words.append(parts[0])
        tags.append(ler_tag(parts[-1]))
    return sents


# --------------------------------------------------------------------------- CoNLL-U
def parse_conllu(text: str) -> list[UDSent]:
    """CoNLL-U: syntactic words (multi-word token ranges like ``zum`` = ``zu dem`` are
    resolved to their words; a word's trailing space comes from the range line)."""
    sents: list[UDSent] = []
    rows: list[list[str]] = []
    meta: dict = {}
    for line in text.splitlines() + [""]:
        if line.startswith("#"):
            if "=" in line:
                k, v = line[1:].split("=", 1)
                meta[k.strip()] = v.strip()
            continue
        if not line.strip():
            if rows:
                sents.append(_ud_sent(rows, meta))
            rows, meta = [], {}
            continue
        cols = line.split("\t")
        if len(cols) == 10:
            rows.append(cols)
    return sents


def _ud_sent(rows: list[list[str]], meta: dict) -> UDSent:
    words, spaces, lemmas, pos, morphs = [], [], [], [], []
    range_end = -1
    range_space = True
    for cols in rows:
        idx = cols[0]
        if "." in idx:  # empty node
            continue
        if "-" in idx:
            a, b = idx.split("-")
            range_end = int(b)
            range_space = "SpaceAfter=No" not in cols[9]
            continue
        i = int(idx)
        words.append(cols[1])
        lemmas.append(cols[2] if cols[2] != "_" or cols[1] == "_" else cols[1])
        pos.append(cols[3])
        morphs.append("" if cols[5] == "_" else cols[5])
        if i < range_end:
            spaces.append(False)
        elif i == range_end:
            spaces.append(range_space)
        else:
            spaces.append("SpaceAfter=No" not in cols[9])
    return UDSent(words, spaces, lemmas, pos, morphs, meta.get("text", ""), meta)


# --------------------------------------------------------------------------- Docs
def sent_to_doc(vocab: Vocab, sent: Sent) -> Doc:
    return Doc(vocab, words=sent.words, ents=list(sent.tags))


def udsent_to_doc(vocab: Vocab, sent: UDSent, with_lemmas: bool = True,
                  with_morph: bool = True) -> Doc:
    kwargs = {"pos": sent.pos}
    if with_lemmas:
        kwargs["lemmas"] = sent.lemmas
    if with_morph:
        kwargs["morphs"] = sent.morphs
    return Doc(vocab, words=sent.words, spaces=sent.spaces, **kwargs)


def to_docbin(docs: Iterable[Doc]) -> DocBin:
    db = DocBin(store_user_data=False)
    for d in docs:
        db.add(d)
    return db


def sents_to_docbin(sents: Iterable[Sent], vocab: Vocab | None = None) -> DocBin:
    vocab = vocab or Vocab()
    return to_docbin(sent_to_doc(vocab, s) for s in sents)


def spans(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """Entity spans ``(start, end, label)`` of a (repaired) BIO tag sequence."""
    out = set()
    start, label = None, None
    for i, t in enumerate(list(tags) + ["O"]):
        if t.startswith("B-") or t == "O" or (t.startswith("I-") and t[2:] != label):
            if start is not None:
                out.add((start, i, label))
                start, label = None, None
            if t != "O":
                start, label = i, t[2:]
    return out
