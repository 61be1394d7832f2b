"""Text layout shared by every stage (layer 1): the stored normal form of a text and its
non-prose structure (header table, footer counts) as metadata rows and regions.

Ingest applies both to every document; the rule-example runners apply them to an example
text so that it is read exactly as a document would be.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that would break offsets or tokenization; each maps to its replacement.
_SPACE_LIKE = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008\u205f\u3000"), " ")
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
# Unicode category Cc is exactly U+0000-001F and U+007F-009F; tab and newline are kept.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def normalise_text(text: str) -> str:
    """NFC; CRLF/CR -> LF; exotic spaces -> space; soft hyphens, zero-width chars removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_SPACE_LIKE).translate(_INVISIBLE)
    text = _CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------- structure
_TABLE_ROW = re.compile(r"^[ \t]*\|?[ \t]*([^|\n]+?)[ \t]*\|[ \t]*([^|\n]*?)[ \t]*\|?[ \t]*$")
_TABLE_SEP = re.compile(r"^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(\|[ \t]*:?-*:?[ \t]*)*\|?[ \t]*$")
_FOOTER_KV = re.compile(r"^[ \t]*(?P<key>[^\n:|]{2,80}?)[ \t]*:[ \t]*(?P<value>[^\n]{1,80}?)[ \t]*$")
_FOOTER_LABEL = re.compile(r"^[ \t]*[A-ZÄÖÜ][^\n.!?:;|]{1,60}$")


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return out


def parse_structure(text: str, max_footer_value_words: int = 6) -> tuple[list[dict], list[tuple[int, int, str]]]:
    """Header table rows and footer key/value lines -> (metadata rows, non-prose regions)."""
    lines = _lines(text)
    meta: list[dict] = []
    regions: list[tuple[int, int, str]] = []

    # Header: a table at the very top (first non-empty lines containing `|`).
    i = 0
    while i < len(lines) and not lines[i][2].strip():
        i += 1
    start_i = i
    while i < len(lines):
        s, e, line = lines[i]
        if _TABLE_SEP.match(line):
            i += 1
            continue
        m = _TABLE_ROW.match(line)
        if not m or not m.group(1).strip():
            break
        key, value = m.group(1).strip(), m.group(2).strip()
        vs = s + m.start(2)
        meta.append({"key": key, "value": value, "start_char": vs, "end_char": vs + len(value), "section": "header"})
        i += 1
    if i > start_i and meta:
        regions.append((lines[start_i][0], lines[i - 1][1], "header"))
    header_end = lines[i - 1][1] if i > start_i else 0

    # Footer: from the end, `Key: Value` lines with short values, plus label lines above.
    j = len(lines) - 1
    while j >= 0 and not lines[j][2].strip():
        j -= 1
    footer: list[dict] = []
    end_j = j
    while j >= 0 and lines[j][0] >= header_end:
        s, e, line = lines[j]
        m = _FOOTER_KV.match(line)
        if m and len(m.group("value").split()) <= max_footer_value_words and "," not in m.group("key"):
            vs = s + m.start("value")
            value = m.group("value")
            footer.append({"key": m.group("key").strip(), "value": value, "start_char": vs, "end_char": vs + len(value), "section": "footer"})
            j -= 1
            continue
        break
    if footer:
        # Label lines directly above the key/value block (`Ort des Geschehens`) are part of it.
        while j >= 0 and lines[j][0] >= header_end and _FOOTER_LABEL.match(lines[j][2]) and len(lines[j][2].split()) <= 5:
            j -= 1
        regions.append((lines[j + 1][0], lines[end_j][1], "footer"))
        meta.extend(reversed(footer))
    return meta, regions
