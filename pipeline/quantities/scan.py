"""Per-document state shared by the recognisers: the Doc, the compiled rules, blocked tokens.

A `Scan` is made once per document; recognisers are functions of `(scan, ...)`.  `Num` is a
number found at a token (before its unit and kind are known).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from spacy.attrs import IDX, IS_SPACE, ORTH, SPACY
from spacy.tokens import Doc, Token

from .schema import FigureRules, PhraseTable


def forms(tok: Token) -> set[str]:
    # token text and lemma; not the lexeme norm (spaCy normalises `€` to `$`)
    return {tok.text.lower(), tok.lemma_.lower()}


def is_cap(tok: Token) -> bool:
    return tok.text[:1].isupper()


@dataclass
class Num:
    start: int  # token index
    end: int  # token index, exclusive
    value: float
    value_max: float | None = None
    hint: str | None = None  # ordinal | multiplier | fraction | age | unit | vague | halves
    unit: str | None = None  # a unit glued to the number token
    kind: str | None = None
    qualifier: str | None = None
    start_char: int | None = None
    end_char: int | None = None
    is_word: bool = False
    raw_int: bool = False  # an ungrouped integer (year candidate)
    article: bool = False  # an `ein`/`eine` count
    factor: float = 1.0  # a glued currency's factor (`80ct` -> 0.01), already in value
    scaled: bool = False  # multiplied by a scale word (`2,5 Mio.`)
    vague: bool = False  # a vague amount (`mehrere hundert`, `ein paar Dutzend`)
    rule: str | None = None  # the rule that recognised a glued word (`dreimal`, `28-jährige`)


class Scan:
    """One document: tokens, rules, which tokens are blocked (dates, regions, negatives)."""

    def __init__(self, doc: Doc, fr: FigureRules, has_pos: bool | None = None, has_dep: bool | None = None):
        self.doc = doc
        self.fr = fr
        self.n = len(doc)
        self.blocked = [False] * self.n
        self.has_pos = doc.has_annotation("POS") if has_pos is None else has_pos
        self.has_dep = doc.has_annotation("DEP") if has_dep is None else has_dep

    @cached_property
    def _attrs(self) -> list[list[int]]:
        """(orth, trailing space, idx, is_space) of every token, read in one call: spaCy makes a
        new Token object per `doc[i]` and per step of `for t in doc`."""
        return self.doc.to_array([ORTH, SPACY, IDX, IS_SPACE]).tolist() if self.n else []

    @cached_property
    def text(self) -> str:
        """The document text (what `doc.text` gives, which joins all tokens on every call)."""
        return "".join(t + " " if a[1] else t for t, a in zip(self.texts, self._attrs))

    @cached_property
    def texts(self) -> list[str]:
        """Token texts."""
        strings = self.doc.vocab.strings
        return [strings[a[0]] for a in self._attrs]

    @cached_property
    def idxs(self) -> list[int]:
        """Character offset of every token (`doc[i].idx`)."""
        return [a[2] for a in self._attrs]

    @cached_property
    def spaces(self) -> list[bool]:
        """Is token i whitespace (`doc[i].is_space`)?"""
        return [bool(a[3]) for a in self._attrs]

    def words_between(self, a: int, b: int) -> tuple[str, ...]:
        """Lower-cased texts of the non-space tokens a..b-1."""
        return tuple(self.lows[k] for k in range(a, b) if not self.spaces[k])

    @cached_property
    def lows(self) -> list[str]:
        """Lower-cased token texts."""
        return [t.lower() for t in self.texts]

    def next(self, i: int) -> int:
        """Index of the next non-space token at or after i."""
        while i < self.n and self.spaces[i]:
            i += 1
        return i

    def low(self, i: int) -> str:
        """Lower-cased text of token i ('' outside the document)."""
        return self.lows[i] if 0 <= i < self.n else ""

    def match_forward(self, i: int, table: PhraseTable) -> tuple[object, int] | None:
        """The longest phrase of `table` starting at token i (a token matches by text or lemma)."""
        if i >= self.n:
            return None
        idx = table.by_start
        first = forms(self.doc[i])
        best = None
        for length in range(1, self.fr.max_phrase + 1):
            if i + length > self.n:
                break
            cands = [c for f in first for c in idx.get((length, f), ())]
            if not cands:
                continue
            toks = self.doc[i : i + length]
            for _, key, val in sorted(cands, key=lambda c: c[0]):
                if all(k in forms(t) for k, t in zip(key[1:], toks[1:])):
                    best = (val, i + length)
        return best

    def match_backward(self, end: int, table: PhraseTable) -> tuple[object, int] | None:
        """A phrase ending right before token `end`; returns (value, start index)."""
        idx = table.by_start
        best = None
        for length in range(1, self.fr.max_phrase + 1):
            s = end - length
            if s < 0:
                break
            cands = idx.get((length, self.lows[s]))
            if not cands:
                continue
            for _, key, val in cands:
                if all(k == low for k, low in zip(key[1:], self.lows[s + 1 : end])):
                    best = (val, s)
        return best

    def unit_ahead(self, end: int) -> bool:
        """A currency or measure unit right after token `end`."""
        k = self.next(end)
        return k < self.n and bool(self.match_forward(k, self.fr.measures) or self.match_forward(k, self.fr.currencies))

    def share_after(self, end: int) -> bool:
        """`3/4 der Befragten`, `1/3 davon`: what the share is of follows."""
        k = self.next(end)
        return k < self.n and (self.low(k) in self.fr.percent_of or self.low(k) in self.fr.partitive)
