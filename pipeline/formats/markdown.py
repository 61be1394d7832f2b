"""Markdown (`.md`): markup removed with markdown-it-py (CommonMark + GFM tables).

Headings, paragraphs and list items become lines (blocks separated by a blank line, the
source's soft line breaks kept); links and images keep their text; emphasis marks,
inline HTML, code fences and indented code are dropped.  A two-column key/value table
(`| Ort | Hamm |`) becomes `Ort: Hamm` lines and `metadata` rows (section `header` at the
top of the document, `footer` at its end, `table` elsewhere); other tables become one line
per row with cells joined by ` | `.  A table ends at the first line without `|` (GFM would
carry on into the next paragraph; the header tables of plain-text reports sit right above
their first paragraph).  A YAML front-matter block (`---` … `---`) becomes header lines and
`metadata` rows; its `title` is the document title and an ISO `date` the document date
(`doc_date_source` `md`).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from . import Extraction, TextBuilder, kv_pairs, library_version, register
from .decoding import decode

_PARSER = MarkdownIt("commonmark").enable("table")
_DROP_BLOCKS = {"fence", "code_block", "html_block", "hr"}


def _inline(token) -> str:
    out = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "image":
            out.append(child.content)
    return "".join(out)


_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


def end_tables(source: str) -> str:
    """A blank line after a table's last row when the next line has no `|`.

    GFM continues a table into the following lines even without pipes; report files put
    their header table right above the first paragraph (`Ort | Hamm |` then prose), whose
    lines must not become table cells."""
    lines = source.split("\n")
    out: list[str] = []
    in_table = False
    for i, line in enumerate(lines):
        if in_table and "|" not in line:
            if line.strip():
                out.append("")
            in_table = False
        elif not in_table and _TABLE_SEP.match(line) and "-" in line and i > 0 and "|" in lines[i - 1]:
            in_table = True
        out.append(line)
    return "\n".join(out)


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(\n|\Z)", re.S)


def front_matter(source: str) -> tuple[dict, str]:
    """A leading YAML block (`---` … `---`, as Hugo/Jekyll write) -> (its scalar fields, rest)."""
    import yaml

    m = _FRONT_MATTER.match(source)
    if not m:
        return {}, source
    try:
        data = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return {}, source
    if not isinstance(data, dict):
        return {}, source
    fields = {str(k): str(v) for k, v in data.items() if isinstance(v, (str, int, float)) or hasattr(v, "isoformat")}
    return fields, source[m.end():]


def render(source: str, fields: dict | None = None) -> TextBuilder:
    source = end_tables(source)
    b = TextBuilder()
    if fields:
        b.kv_lines(list(fields.items()), "header")
    table: list[list[str]] | None = None
    for tok in _PARSER.parse(source):
        t = tok.type
        if t in _DROP_BLOCKS:
            continue
        if t in ("bullet_list_open", "ordered_list_open"):
            b.newline(2)
        elif t in ("bullet_list_close", "ordered_list_close"):
            b.newline(2)
        elif t == "table_open":
            table = []
        elif t == "tr_open" and table is not None:
            table.append([])
        elif t == "table_close" and table is not None:
            pairs = kv_pairs(table)
            if pairs:
                b.kv_lines(pairs, "header" if b.pos == 0 else "table")
            else:
                b.newline(2)
                for row in table:
                    b.newline()
                    b.add(" | ".join(" ".join(c.split()) for c in row))
                b.newline(2)
            table = None
        elif t == "inline":
            if table is not None:
                table[-1].append(_inline(tok))
                continue
            b.add(_inline(tok))
        elif t in ("paragraph_close", "heading_close"):
            b.newline(1 if tok.hidden else 2)  # hidden: a paragraph of a tight list item
    finish(b)
    return b


def finish(b: TextBuilder) -> None:
    """A key/value table that ends the document is a footer."""
    end = len(b.text)
    for row in b.metadata:
        if row["section"] == "table" and any(s <= row["start_char"] and e >= end for s, e, _ in b.regions):
            row["section"] = "footer"


class MarkdownExtractor:
    name = "md"
    suffixes = (".md", ".markdown")

    def extract(self, raw: bytes, path: str, config: dict) -> Extraction:
        source, encoding = decode(raw)
        fields, source = front_matter(source)
        b = render(source, fields)
        date = str(fields.get("date", ""))[:10]
        return Extraction(text=b.text, format=self.name, extractor=library_version("markdown-it-py"),
                          encoding=encoding, metadata=b.metadata, regions=b.regions,
                          title=fields.get("title") or None,
                          date=date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else None, date_source="md")


register(MarkdownExtractor())
