"""Metadata footers: a `doc._.metadata` value that is a number is a figure whose unit is the
lemma of the key's head noun (`Analysierte Kommentare in sozialen Medien: 147` -> 147
`Kommentar`, unit_source `metadata`, metadata_key = the key)."""

from __future__ import annotations

from spacy.tokens import Doc

from ..numbers import parse_digits, parse_number_word
from .declarations import rule_id
from .nouns import key_noun
from .scan import Scan
from .schema import FigureRules

KEY_VALUE = rule_id("metadata.key_value")


def metadata_figures(doc: Doc, fr: FigureRules) -> list[dict]:
    out: list[dict] = []
    has_pos: list[bool] = []  # computed once, when a value needs it
    for row in doc._.metadata or []:
        value = str(row.get("value") or "").strip()
        if not value or row.get("start_char") is None:
            continue
        v = parse_digits(value)
        if v is None:
            wv = parse_number_word(value.lower(), fr.words)
            v = float(wv) if wv is not None else None
        if v is None:
            continue
        key = str(row.get("key") or "")
        out.append({
            "start_char": row["start_char"], "end_char": row["end_char"],
            "text": doc.text[row["start_char"]:row["end_char"]], "value": float(v), "value_max": None,
            "qualifier": "=", "unit": _head_noun(doc, key, row, fr, has_pos), "kind": "count", "of": None,
            "unit_source": "metadata", "metadata_key": key, "rule": KEY_VALUE,
        })
    return out


def _head_noun(doc: Doc, key: str, row: dict, fr: FigureRules, has_pos: list[bool]) -> str | None:
    """Lemma of the key's head noun: the first noun that is not a participle/adjective."""
    # the key's tokens in the doc when the key is on the same line before the value
    line_start = doc.text.rfind("\n", 0, row["start_char"]) + 1
    ks = doc.text.find(key, line_start, row["start_char"])
    span = doc.char_span(ks, ks + len(key), alignment_mode="expand") if ks >= 0 else None
    if span is None:
        return None
    if not has_pos:
        has_pos.append(any(t.pos_ for t in doc))
    return key_noun(Scan(doc, fr, has_pos=has_pos[0], has_dep=False), span.start, span.end)
