"""PDF (`.pdf`): the text layer with pypdf, page by page.

- Page spans: each page's text is one block (pages separated by a blank line); its
  `(page, start_char, end_char)` goes to the `pages` table, so a figure's offset finds its
  page.
- Running headers and footers are dropped: a line among the first or last two lines of a
  page that recurs (digits ignored: `Seite 2 von 3`) on at least half of the pages (two
  at least) is layout, not text.
- Lines are re-joined: a word hyphenated at a line end is joined (`Bürger-`/`meister` ->
  `Bürgermeister`; before a capital the hyphen stays, `Hameln-`/`Pyrmont`; before `und`,
  `oder` … it is a suspended compound, `Bürger- und Vereinsarbeit`), and a line that
  fills the page's width without ending a sentence continues on the next line.
- No text at all on any page (a scan) is an error `no_text_layer`; a file cut short (no
  `%%EOF` at its end) is `truncated`; an encrypted file that opens without a password is
  read, other encrypted files are `encrypted`.
"""

from __future__ import annotations

import io
import logging
import re

from . import Extraction, TextBuilder, library_version, limit, properties, register
from .decoding import DocumentError

logging.getLogger("pypdf").setLevel(logging.ERROR)  # recoverable-structure warnings are noise here

_HYPHEN_END = re.compile(r"[a-zäöüß]-$")
# after a line-end hyphen, these words mean a suspended compound (`Bürger- und Vereinsarbeit`)
_CONJUNCTIONS = {"und", "oder", "bzw", "bzw.", "sowie", "bis", "als", "noch", "wie"}
_TERMINAL = (".", "!", "?", ":", ";", "“", '"', "»")
FULL_WIDTH = 0.7  # a line at least this share of the page's longest line is wrapped text


def _layout_key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split()))


def drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove running headers/footers: edge lines repeated on >= half of the pages."""
    if len(pages) < 2:
        return pages
    from collections import Counter

    def edges(lines: list[str]) -> set[int]:
        idx = [i for i, l in enumerate(lines) if l.strip()]
        return set(idx[:2] + idx[-2:])

    seen: Counter = Counter()
    for lines in pages:
        seen.update({_layout_key(lines[i]) for i in edges(lines)})
    need = max(2, (len(pages) + 1) // 2)
    running = {k for k, n in seen.items() if n >= need}
    return [[l for i, l in enumerate(lines) if not (i in edges(lines) and _layout_key(l) in running)] for lines in pages]


def join_lines(lines: list[str]) -> str:
    """One page's physical lines -> its text: hyphenation joined, wrapped lines re-flowed."""
    lines = [l.rstrip() for l in lines if l.strip()]
    if not lines:
        return ""
    width = max(len(l) for l in lines)
    out = lines[0]
    prev = lines[0]
    for line in lines[1:]:
        first_word = line.lstrip().split(" ", 1)[0]
        if _HYPHEN_END.search(prev):
            if first_word[:1].islower() and first_word.rstrip(",.") not in _CONJUNCTIONS:
                out = out[:-1] + line.lstrip()  # Bürger-|meister
            elif first_word[:1].islower():
                out += " " + line.lstrip()  # Bürger- und
            else:
                out += line.lstrip()  # Hameln-|Pyrmont
        elif len(prev) >= FULL_WIDTH * width and not prev.endswith(_TERMINAL):
            out += " " + line.lstrip()
        else:
            out += "\n" + line
        prev = line
    return out


class PdfExtractor:
    name = "pdf"
    suffixes = (".pdf",)

    def extract(self, raw: bytes, path: str, config: dict) -> Extraction:
        import pypdf

        if not raw.lstrip()[:5] == b"%PDF-":
            raise DocumentError("unreadable", "not a PDF file (no %PDF- header)")
        if b"%%EOF" not in raw[-2048:]:
            raise DocumentError("truncated", "truncated PDF: the file ends before its %%EOF marker")
        reader = pypdf.PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError("encrypted", "encrypted PDF: needs a password")
        max_pages = limit(config, "max_pdf_pages", 2000)
        if len(reader.pages) > max_pages:
            raise DocumentError("too_large", f"PDF has {len(reader.pages)} pages, more than formats.max_pdf_pages ({max_pages})")
        pages = [(page.extract_text() or "").split("\n") for page in reader.pages]
        if not any(l.strip() for lines in pages for l in lines):
            raise DocumentError("no_text_layer", f"no text layer: {len(pages)} page(s) without extractable text (a scan? run OCR first)")
        pages = drop_running_lines(pages)
        b = TextBuilder()
        spans = []
        for n, lines in enumerate(pages, 1):
            b.newline(2)
            start, end = b.add(join_lines(lines))
            spans.append({"page": n, "start_char": start, "end_char": end})
        info = reader.metadata or {}
        title = str(info.get("/Title") or "").strip() or None
        author = str(info.get("/Author") or "").strip() or None
        return Extraction(text=b.text, format=self.name, extractor=library_version("pypdf"), title=title,
                          author=author, metadata=properties(title=title, author=author), pages=spans)


register(PdfExtractor())
