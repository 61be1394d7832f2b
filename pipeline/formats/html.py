"""HTML (`.html`, `.htm`): the main text with trafilatura, boilerplate removed.

trafilatura (the reference for German news pages) drops navigation, cookie banners,
footers and comments and keeps headings and paragraphs as lines (tables as ` | `-joined
rows).  Its title goes to `documents.title` (unless metadata.csv gives one), its
publication date -- from the page's metadata only (meta tags, `<time>`, JSON-LD), never
guessed from the text -- to `documents.doc_date` with `doc_date_source` `html`, and
title, author and date to `metadata` rows of section `properties`.

Bytes are decoded by the page's declared charset (BOM, `<meta charset>`, `http-equiv`),
else like a text file (UTF-8, else charset-normalizer preferring cp1252): a cp1252 page
without a charset keeps its umlauts.
"""

from __future__ import annotations

import codecs
import re

from ..layout import normalise_text
from . import Extraction, library_version, properties, register
from .decoding import DocumentError, decode

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# WHATWG: labels that mean windows-1252 when a page declares them
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "ascii", "us-ascii", "iso_8859-1"}


def decode_html(raw: bytes) -> tuple[str, str]:
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(enc, errors="replace"), enc
    m = _META_CHARSET.search(raw[:4096])
    if m:
        label = m.group(1).decode("ascii").lower()
        enc = "cp1252" if label in _AS_CP1252 else label
        try:
            codecs.lookup(enc)
            return raw.decode(enc, errors="replace"), enc
        except LookupError:
            pass  # unknown label: detect
    return decode(raw)


class HtmlExtractor:
    name = "html"
    suffixes = (".html", ".htm")

    def extract(self, raw: bytes, path: str, config: dict) -> Extraction:
        import trafilatura

        markup, encoding = decode_html(raw)
        doc = trafilatura.bare_extraction(
            markup, include_comments=False, include_tables=True, with_metadata=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
        text = normalise_text(getattr(doc, "text", None) or "").strip("\n")
        if not text.strip():
            raise DocumentError("empty", "no main text found in the HTML page")
        title = getattr(doc, "title", None) or None
        date = getattr(doc, "date", None) or None
        if date and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            date = None
        author = getattr(doc, "author", None) or None
        return Extraction(
            text=text, format=self.name, extractor=library_version("trafilatura"), encoding=encoding,
            title=normalise_text(title).strip() if title else None, date=date, date_source="html",
            author=author, metadata=properties(title=title, author=author, date=date),
        )


register(HtmlExtractor())
