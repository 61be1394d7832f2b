"""Writers of synthetic documents in every built-in format, from plain German text.

Used by the tests (fixtures they build themselves) and by `python -m pipeline.evaluation.format_speed`
(a mixed corpus made from report texts).  The PDF writer is hand-written (Helvetica,
WinAnsi encoding, one text line per position): no PDF library is needed to make one.
"""

from __future__ import annotations

import html
import io
import textwrap


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(pages: list[list[tuple[float, float, str]]], font_size: float = 11, draw_only: bool = False) -> bytes:
    """A PDF whose pages show the given `(x, y, text)` lines; `draw_only` pages show a grey
    box and no text (a scan without a text layer)."""
    objects: list[bytes] = []
    n_pages = len(pages)
    # 1 catalog, 2 page tree, 3 font, then per page: page object, content stream
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, lines in enumerate(pages):
        if draw_only:
            stream = b"0.5 g 72 400 300 200 re f"
        else:
            parts = [b"BT", f"/F1 {font_size} Tf".encode()]
            parts += [f"1 0 0 1 {x} {y} Tm ".encode() + _pdf_string(text) + b" Tj" for x, y, text in lines]
            parts.append(b"ET")
            stream = b"\n".join(parts)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{n} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def pdf_from_text(paragraphs: list[str], header: str = "Pressestelle · Bericht", width: int = 90,
                  lines_per_page: int = 45) -> bytes:
    """Paragraphs wrapped at `width` characters onto A4 pages with a running header and a
    `Seite n` footer."""
    lines: list[str] = []
    for para in paragraphs:
        lines.extend(textwrap.wrap(para, width) or [""])
        lines.append("")
    chunks = [lines[i:i + lines_per_page] for i in range(0, len(lines), lines_per_page)] or [[]]
    pages = []
    for n, chunk in enumerate(chunks, 1):
        page = [(60, 800, header)] + [(60, 770 - 15 * i, line) for i, line in enumerate(chunk) if line]
        page.append((280, 30, f"Seite {n}"))
        pages.append(page)
    return make_pdf(pages, font_size=10)


def docx_from_text(paragraphs: list[str], facts: list[tuple[str, str]] | None = None,
                   title: str | None = None, author: str | None = None) -> bytes:
    """A DOCX: an optional key/value table at the top, then one paragraph each."""
    import docx

    d = docx.Document()
    if title:
        d.core_properties.title = title
    if author:
        d.core_properties.author = author
    if facts:
        t = d.add_table(rows=len(facts), cols=2)
        for row, (k, v) in zip(t.rows, facts):
            row.cells[0].text, row.cells[1].text = k, v
    for para in paragraphs:
        d.add_paragraph(para)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def html_from_text(title: str, paragraphs: list[str], date: str | None = None, author: str | None = None) -> bytes:
    """A news page: navigation, cookie banner, the article, a sidebar and a footer."""
    e = html.escape
    meta = f'<meta property="article:published_time" content="{date}T09:00:00+01:00">' if date else ""
    meta += f'<meta name="author" content="{e(author)}">' if author else ""
    body = "\n".join(f"<p>{e(p)}</p>" for p in paragraphs)
    page = f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{e(title)} | Stadtportal</title>{meta}</head>
<body><header><nav><ul><li><a href="/">Startseite</a></li><li><a href="/politik">Politik</a></li>
<li><a href="/kultur">Kultur</a></li><li><a href="/kontakt">Kontakt</a></li></ul></nav></header>
<div class="cookie-banner" id="cookie-consent"><p>Wir verwenden Cookies, um Ihnen das beste Nutzungserlebnis zu bieten.</p>
<button>Alle akzeptieren</button></div>
<main><article><h1>{e(title)}</h1>
{body}
</article></main>
<aside><h3>Meistgelesen</h3><ul><li><a href="/a">Stadtfest abgesagt</a></li><li><a href="/b">Neue Kita eröffnet</a></li></ul></aside>
<footer><p>© Stadtportal · Impressum · Datenschutz</p></footer></body></html>
"""
    return page.encode("utf-8")


def md_from_text(title: str, paragraphs: list[str], facts: list[tuple[str, str]] | None = None) -> bytes:
    """Markdown: a key/value table, a heading, paragraphs."""
    out = []
    if facts:
        out.append(f"| {facts[0][0]} | {facts[0][1]} |\n|---|---|")
        out.extend(f"| {k} | {v} |" for k, v in facts[1:])
        out.append("")
    out.append(f"# {title}\n")
    out.extend(f"{p}\n" for p in paragraphs)
    return "\n".join(out).encode("utf-8")
