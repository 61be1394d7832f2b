"""Example input-format plugin: e-mails (`.eml`, RFC 5322) with the standard library.

It shows what a new format needs (docs/plugin-example.md, "A new input format"): a class
with `name`, `suffixes` and `extract(raw, path, config) -> Extraction`, registered with
`register(...)` when the module is imported.  Enable it with

    plugins: [pipeline.plugins.eml]
    ingest:
      extensions: [".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".eml"]

The subject is the title, the sender the author, the `Date:` header the document date
(doc_date_source `eml`); the text body (or the HTML body's text) is the document text.
"""

from __future__ import annotations

import email
import email.policy
import email.utils

from ..formats import DocumentError, Extraction, TextBuilder, properties, register


class EmlExtractor:
    name = "eml"
    suffixes = (".eml",)

    def extract(self, raw: bytes, path: str, config: dict) -> Extraction:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain", "html"))
        if part is None:
            raise DocumentError("empty", "e-mail has no text body")
        body = part.get_content()
        if part.get_content_type() == "text/html":
            import trafilatura

            body = trafilatura.extract(body) or ""
        b = TextBuilder()
        b.add(body.strip())
        subject, sender = str(msg.get("subject") or "") or None, str(msg.get("from") or "") or None
        date = None
        if msg.get("date"):
            try:
                date = email.utils.parsedate_to_datetime(str(msg["date"])).date().isoformat()
            except (TypeError, ValueError):
                date = None
        return Extraction(text=b.text, format=self.name, extractor="email (Python standard library)",
                          title=subject, date=date, date_source="eml", author=sender,
                          metadata=properties(title=subject, author=sender, date=date))


register(EmlExtractor())
