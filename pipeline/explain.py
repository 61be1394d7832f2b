"""`python -m pipeline explain`: which rule or model produced each extraction."""

from __future__ import annotations

from pathlib import Path

from .rulebook import load_rules


def explain(config: dict, text: str | None = None, doc_id: str | None = None,
            corpus: Path | None = None, doc_date: str | None = None) -> str:
    from .assembly import build_nlp
    from .ingest import (
        DocRecord,
        discover,
        doc_id_for,
        ingest_document,
        normalise_text,
        parse_structure,
        read_metadata_csv,
    )
    from .runner import process_batch

    rules = load_rules(config.get("rules", []))
    nlp, info = build_nlp(config)
    if doc_id:
        files = {doc_id_for(p, corpus): p for p in discover(corpus, config.get("ingest", {}).get("extensions", [".txt"]))}
        if doc_id not in files:
            raise SystemExit(f"error: no document {doc_id!r} in {corpus}")
        record = ingest_document(files[doc_id], corpus, read_metadata_csv(corpus).get(doc_id), config, rules)
    else:
        text = normalise_text(text or "")
        meta, regions = parse_structure(text)
        record = DocRecord(doc_id="explain", path="<text>", text=text, sha256="", encoding="utf-8",
                           metadata=meta, regions=regions)
    if doc_date:
        record.doc_date, record.doc_date_source = doc_date, "metadata"
    (res,) = process_batch(nlp, [record])
    if res.error:
        return f"error in stage {res.error['stage']}: {res.error['message']}"
    lines = [f"model: {info.get('name')} ({info.get('kind')}); document date: {record.doc_date or 'none'} ({record.doc_date_source})"]
    for table, cols in (
        ("metadata", ("key", "value", "section")),
        ("mentions", ("label", "kind", "canonical", "entity_id", "source", "role")),
        ("dates", ("type", "value", "granularity", "modifier", "rule")),
        ("figures", ("value", "value_max", "qualifier", "unit", "kind", "rule")),
    ):
        rows = res.tables.get(table, [])
        lines.append(f"\n{table} ({len(rows)})")
        for r in sorted(rows, key=lambda r: (r.get("start_char") or 0)):
            span = f"{r.get('start_char', ''):>5}-{r.get('end_char', ''):<5}" if "start_char" in r else " " * 11
            shown = r.get("text", r.get("key", ""))
            extra = "  ".join(f"{c}={r.get(c)}" for c in cols if r.get(c) not in (None, ""))
            lines.append(f"  {span} {shown!r:40}  {extra}")
    for table, rows in sorted(res.tables.items()):
        if table not in ("metadata", "mentions", "dates", "figures", "roles") and rows:
            lines.append(f"\n{table} ({len(rows)})")
            lines.extend(f"  {r}" for r in rows)
    return "\n".join(lines)
