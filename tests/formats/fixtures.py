"""Fixture documents the tests build themselves (no third-party files in the repository).

PDFs are written by hand with `pipeline.formats.samples.make_pdf` (no PDF library).
"""

from __future__ import annotations

import io
import zipfile

from pipeline.formats.samples import make_pdf

__all__ = ["make_pdf", "report_pdf", "report_docx", "zip_bomb_docx", "ARTICLE_HTML"]


def report_pdf() -> bytes:
    """Three pages of a German report with a running header and page-number footer,
    hyphenated line ends (`Bürger-`/`meister`) and wrapped paragraphs."""
    header = "Landkreis Hameln-Pyrmont · Jahresbericht 2024"
    body = [
        [
            "Pressemitteilung",
            "Hameln, 12. März 2025 – Landrat Tjark Bartels hat am Dienstag den Jahres-",
            "bericht vorgestellt. Im vergangenen Jahr wurden mehr als 2.113 Anträge be-",
            "arbeitet, 15 Prozent mehr als im Vorjahr.",
        ],
        [
            "Der Kreistag beschloss im Juni 2024 einen Zuschuss von 3,5 Millionen Euro",
            "für den Radverkehr. Die Bürger- und Vereinsarbeit in Bad Pyrmont wurde mit",
            "120.000 Euro unterstützt, wie der Bürger-",
            "meister von Bad Pyrmont mitteilte.",
        ],
        [
            "Für 2025 rechnet die Verwaltung mit rund 40 neuen Stellen.",
        ],
    ]
    pages = []
    for n, lines in enumerate(body, 1):
        page = [(72, 800, header)]
        page += [(72, 740 - 16 * i, line) for i, line in enumerate(lines)]
        page.append((280, 40, f"Seite {n} von {len(body)}"))
        pages.append(page)
    return make_pdf(pages)


def report_docx() -> bytes:
    """A DOCX with a key/value table at the top, a heading, paragraphs and a data table."""
    import docx

    d = docx.Document()
    d.core_properties.author = "Pressestelle Hamm"
    d.core_properties.title = "Einsatzbericht Feuerwehr Hamm"
    t = d.add_table(rows=3, cols=2)
    for row, (k, v) in zip(t.rows, [("Ort", "Hamm"), ("Datum", "14.03.2025"), ("Einsatzkräfte", "42")]):
        row.cells[0].text, row.cells[1].text = k, v
    d.add_heading("Brand in einer Lagerhalle", level=1)
    d.add_paragraph("Hamm, 14. März 2025 – Die Feuerwehr Hamm wurde am Freitagabend zu einem Brand "
                    "in einer Lagerhalle im Stadtteil Heessen gerufen.")
    d.add_paragraph("Oberbürgermeister Marc Herter dankte den Einsatzkräften. Der Schaden wird auf rund "
                    "250.000 Euro geschätzt.")
    t2 = d.add_table(rows=2, cols=3)
    for row, cells in zip(t2.rows, [("Fahrzeug", "Anzahl", "Wache"), ("Löschfahrzeug", "6", "Hamm-Mitte")]):
        for c, v in zip(row.cells, cells):
            c.text = v
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def zip_bomb_docx(uncompressed: int) -> bytes:
    """A DOCX-shaped zip whose document part claims to unpack to `uncompressed` bytes.

    The entry is written with real deflate of a long run of spaces (a few hundred KB on
    disk per 100 MB inflated), so the sizes in the central directory are genuine."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            chunk = b" " * 1_000_000
            for _ in range(uncompressed // len(chunk)):
                f.write(chunk)
    return buf.getvalue()


ARTICLE_HTML = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<title>Neue Radwege für Hamm | Stadtportal Hamm</title>
<meta name="author" content="Anna Schulz">
<meta property="article:published_time" content="2025-03-14T09:30:00+01:00">
</head><body>
<header><nav><ul><li><a href="/">Startseite</a></li><li><a href="/politik">Politik</a></li>
<li><a href="/verkehr">Verkehr</a></li><li><a href="/kontakt">Kontakt</a></li></ul></nav></header>
<div class="cookie-banner" id="cookie-consent"><p>Wir verwenden Cookies, um Ihnen das beste Nutzungserlebnis zu bieten.</p>
<button>Alle akzeptieren</button><button>Einstellungen</button></div>
<main><article>
<h1>Neue Radwege für Hamm</h1>
<p>Hamm – Die Stadt Hamm plant mehr als 40 neue Radwege. Oberbürgermeister Marc Herter stellte die Pläne am Freitag im Rathaus vor.</p>
<h2>Kosten und Zeitplan</h2>
<p>Die Kosten belaufen sich auf rund 3,5 Millionen Euro. Bis Ende 2026 sollen die ersten 15 Kilometer fertig sein, teilte die Verwaltung mit.</p>
</article></main>
<aside><h3>Meistgelesen</h3><ul><li><a href="/a">Stadtfest abgesagt</a></li><li><a href="/b">Neue Kita eröffnet</a></li></ul></aside>
<footer><p>© 2025 Stadt Hamm · Impressum · Datenschutz · Barrierefreiheit</p></footer>
</body></html>
"""
