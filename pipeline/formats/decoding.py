"""Bytes -> text for the text formats (`.txt`, `.md`, HTML without a charset), and the error
a document that cannot be read raises (it lands in the `errors` table; the run goes on).

Layer 1: used by the format extractors, the language check and the ingest stage.
"""

from __future__ import annotations

import unicodedata

from charset_normalizer import from_bytes


class DocumentError(Exception):
    """One document cannot be read; it goes to the `errors` table and the run goes on."""

    def __init__(self, error: str, message: str, stage: str | None = None):
        self.error = error
        self.message = message
        self.stage = stage  # the `errors.stage` when not `ingest` (e.g. `language`)
        super().__init__(message)


_BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x7fELF")
_WESTERN = ("utf_8", "cp1252", "latin_1", "iso8859_15", "iso8859_1", "utf_16", "utf_32")


def decode(raw: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding name).  UTF-8 (with or without BOM) first, then a detector.

    German legacy files are nearly always cp1252 or latin-1; when charset-normalizer's best
    guess is some other single-byte code page we prefer cp1252, which decodes the same
    umlauts and ß and also the typographic quotes of Windows editors.
    """
    if any(raw.startswith(m) for m in _BINARY_MAGIC):
        raise DocumentError("binary", "binary file, not text")
    ratio = 0.0 if _looks_utf16(raw) else control_byte_ratio(raw)
    if ratio > MAX_CONTROL_RATIO:
        # One rule for the whole file, wherever the bytes stand: a text with a stray NUL
        # is text (the NUL is removed by `normalise_text`); a file where more than one
        # byte in 20 is a control byte is not.
        raise DocumentError("binary", f"binary file, not text ({ratio:.0%} control bytes)")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_utf16(raw):
        return raw.decode("utf-16"), "utf-16"
    best = from_bytes(raw).best()
    encoding = best.encoding if best is not None else "cp1252"
    if encoding not in _WESTERN:
        encoding = "cp1252"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "latin_1", raw.decode("latin_1")
    if _control_ratio(text) > MAX_CONTROL_RATIO:  # C1 controls of a legacy decoding count too
        raise DocumentError("binary", "binary file, not text")
    return text, encoding


# C0 control bytes other than tab, line feed, form feed, carriage return (and DEL).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
MAX_CONTROL_RATIO = 0.05


def control_byte_ratio(raw: bytes) -> float:
    """Share of control bytes in the whole file (NUL, ESC, ...; not tab or line ends)."""
    if not raw:
        return 0.0
    return (len(raw) - len(raw.translate(None, _CONTROL_BYTES))) / len(raw)


def _looks_utf16(raw: bytes) -> bool:
    return raw.startswith((b"\xff\xfe", b"\xfe\xff"))


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return bad / len(text)
