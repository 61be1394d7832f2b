"""Plain text (`.txt`, and every suffix no other extractor claims): today's reader.

Bytes are decoded by `ingest.decode` (UTF-8 with or without BOM, else charset-normalizer
with a cp1252 preference) and normalised by `ingest.normalise_text`; header tables and
footers are found later by `ingest.parse_structure`, as for every format.
"""

from __future__ import annotations

from ..ingest import decode, normalise_text
from . import Extraction, library_version, register


class TextExtractor:
    name = "txt"
    suffixes = (".txt",)

    def extract(self, raw: bytes, path: str, config: dict) -> Extraction:
        text, encoding = decode(raw)
        return Extraction(text=normalise_text(text), format=self.name,
                          extractor=library_version("charset-normalizer"), encoding=encoding)


register(TextExtractor())
