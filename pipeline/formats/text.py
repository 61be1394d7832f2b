"""Plain text (`.txt`, and every suffix no other extractor claims): today's reader.

Bytes are decoded by `formats.decoding.decode` (UTF-8 with or without BOM, else charset-normalizer
with a cp1252 preference) and normalised by `layout.normalise_text`; header tables and
footers are found later by `layout.parse_structure`, as for every format.
"""

from __future__ import annotations

from ..layout import normalise_text
from . import Extraction, library_version, register
from .decoding import decode


class TextExtractor:
    name = "txt"
    suffixes = (".txt",)

    def extract(self, raw: bytes, path: str, config: dict) -> Extraction:
        text, encoding = decode(raw)
        return Extraction(text=normalise_text(text), format=self.name,
                          extractor=library_version("charset-normalizer"), encoding=encoding)


register(TextExtractor())
