"""Word (`.docx`): paragraphs and tables in document order with python-docx.

Each non-empty paragraph (headings too) is a line.  A two-column key/value table
(`Ort | Hamm`) becomes `Ort: Hamm` lines and `metadata` rows, like the header table of a
plain-text report (section `header` at the top of the document, `footer` at its end,
`table` elsewhere); other tables become one line per row, cells joined by ` | `.  The
core properties' title and author are `metadata` rows of section `properties` (the title
also `documents.title`); their dates are not used (templates carry stale ones).

A DOCX is a zip: before anything is inflated, the sizes its directory declares are
checked (`formats.max_uncompressed_bytes`, `formats.max_compression_ratio`), so a zip bomb
is refused with an error row instead of filling the memory.
"""

from __future__ import annotations

import io
import zipfile

from . import (
    Extraction,
    TextBuilder,
    kv_pairs,
    library_version,
    limit,
    properties,
    register,
)
from .decoding import DocumentError
from .markdown import finish


def check_zip(raw: bytes, config: dict) -> None:
    """Refuse archives that would unpack to too much (declared sizes; nothing inflated)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise DocumentError("unreadable", f"not a DOCX file (broken zip: {exc})") from None
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        raise DocumentError("unreadable", "not a DOCX file (no word/document.xml)")
    total = sum(i.file_size for i in infos)
    max_total = limit(config, "max_uncompressed_bytes", 200_000_000)
    if total > max_total:
        raise DocumentError("zip_bomb", f"DOCX would unpack to {total:,} bytes, more than formats.max_uncompressed_bytes ({max_total:,}); not inflated")
    max_ratio = limit(config, "max_compression_ratio", 200)
    for i in infos:
        if i.file_size > 1_000_000 and i.file_size > max_ratio * max(i.compress_size, 1):
            raise DocumentError("zip_bomb", f"DOCX part {i.filename} compresses {i.file_size // max(i.compress_size, 1)}:1, more than formats.max_compression_ratio ({max_ratio}); not inflated")


def _row_cells(row) -> list[str]:
    cells, last = [], None
    for cell in row.cells:  # a merged cell is repeated once per grid column
        if cell._tc is last:
            continue
        last = cell._tc
        cells.append(" ".join(cell.text.split()))
    return cells


class DocxExtractor:
    name = "docx"
    suffixes = (".docx",)

    def extract(self, raw: bytes, path: str, config: dict) -> Extraction:
        import docx
        from docx.table import Table

        check_zip(raw, config)
        d = docx.Document(io.BytesIO(raw))
        b = TextBuilder()
        for block in d.iter_inner_content():
            if isinstance(block, Table):
                rows = [_row_cells(r) for r in block.rows]
                pairs = kv_pairs(rows)
                if pairs:
                    b.kv_lines(pairs, "header" if b.pos == 0 else "table")
                    continue
                b.newline(2)
                for cells in rows:
                    if any(cells):
                        b.newline()
                        b.add(" | ".join(cells))
                b.newline(2)
            else:
                text = block.text.strip()
                if text:
                    b.newline()
                    b.add(text)
        finish(b)
        if not b.text.strip():
            raise DocumentError("empty", "DOCX has no text")
        cp = d.core_properties
        title, author = (cp.title or "").strip() or None, (cp.author or "").strip() or None
        return Extraction(text=b.text, format=self.name, extractor=library_version("python-docx"), title=title,
                          author=author, metadata=b.metadata + properties(title=title, author=author),
                          regions=b.regions)


register(DocxExtractor())
