"""Issue 15.6: documents over spaCy's `nlp.max_length` are processed in segments.

Segments end at paragraph breaks; offsets, sentence numbers and mention ids are mapped
back to the whole text, so the tables equal those of one pass over the whole text where
both are possible (the paragraphs below do not refer to each other).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
import spacy
from spacy.language import Language

from pipeline.ingest import DocRecord
from pipeline.runner import LONG_DOCUMENT_CHARS, process_batch, segment_bounds
from pipeline.document import add_rows

from .helpers import REPO, run
from .long_text import PARAGRAPHS, long_report


def _record(text: str, **kw) -> DocRecord:
    return DocRecord(doc_id="lang", path="lang.txt", text=text, sha256="0", encoding="utf-8",
                     doc_date="2025-03-03", doc_date_source="metadata", **kw)


def _rows(res) -> dict:
    assert res.error is None, res.error
    return {"document": res.document, **{k: v for k, v in sorted(res.tables.items())}}


def test_segments_cover_the_text_and_end_at_paragraphs():
    text = long_report(50_000)
    bounds = segment_bounds(text, 5_000)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    assert all(e - s <= 5_000 for s, e in bounds)
    assert all(text[e - 2 : e] == "\n\n" for _, e in bounds[:-1]), "every cut after a blank line"
    # no paragraph break at all: cut at a sentence end, then at a space
    one_line = " ".join(PARAGRAPHS) * 8
    cuts = segment_bounds(one_line, 3_000)
    assert all(one_line[e - 2 : e] in (". ", "! ", "? ") for _, e in cuts[:-1])
    assert "".join(one_line[s:e] for s, e in cuts) == one_line


def test_all_stages_segmented_equal_one_pass(blank_nlp):
    """The real stages (entities, dates, figures, normalise) with small limits."""
    header = "Ort | Hamm |\n---|---|\nDatum | 03.03.2025 |\n\n"
    footer = "\n\nAnalysierte Beiträge: 86\n"
    text = header + long_report(40_000) + footer
    from pipeline.ingest import parse_structure

    meta, regions = parse_structure(text)
    rec = _record(text, metadata=meta, regions=regions)
    (one,) = process_batch(blank_nlp, [rec], (10**7, 10**7))
    (seg,) = process_batch(blank_nlp, [rec], (8_000, 4_000))
    assert len(segment_bounds(text, 4_000)) >= 10
    a, b = _rows(one), _rows(seg)
    assert a["document"] == b["document"]
    for table in sorted(set(a) | set(b)):
        assert a.get(table) == b.get(table), table
    assert len(a["mentions"]) > 100 and len(a["dates"]) > 50 and len(a["figures"]) > 50
    assert a["mentions"][-1]["mention_id"] == f"lang#m{len(a['mentions']) - 1}"


@Language.component("test_long_rows")
def _long_rows(doc):
    """A cheap stand-in stage that uses everything the mapping must get right."""
    sent_of = {}
    for k, sent in enumerate(doc.sents):
        for t in sent:
            sent_of[t.i] = k
    mentions = []
    for t in doc:
        if t.text[:1].isupper() and t.is_alpha and len(t) > 3:
            mentions.append({"mention_id": f"{doc._.doc_id}#m{len(mentions)}", "start_char": t.idx,
                             "end_char": t.idx + len(t), "text": t.text, "sentence": sent_of[t.i]})
    add_rows(doc, "mentions", mentions)
    add_rows(doc, "roles", [{"mention_id": m["mention_id"], "start_char": m["start_char"], "end_char": m["end_char"]}
                            for m in mentions if m["text"].endswith("in")])
    return doc


def test_over_max_length_document_equals_one_pass():
    """A 2.5 MB document (over spaCy's 1,000,000 characters) with the default limits."""
    from pipeline.document import make_doc  # noqa: F401  (registers the Doc extensions)

    nlp = spacy.blank("de")  # tokenizer and sentences as the pipeline has them, cheap rows
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("de_sentence_fixes")
    nlp.add_pipe("test_long_rows")
    text = long_report(2_500_000)
    assert len(text) > 2 * LONG_DOCUMENT_CHARS and len(text.encode()) > 2_500_000
    rec = _record(text)
    (seg,) = process_batch(nlp, [rec])  # nlp.max_length is spaCy's default
    nlp.max_length = 10**8
    (one,) = process_batch(nlp, [rec], (10**8, 10**8))
    a, b = _rows(one), _rows(seg)
    assert a["document"] == b["document"] and a["document"]["n_chars"] == len(text)
    assert a["mentions"] == b["mentions"] and a["roles"] == b["roles"]
    assert len(a["mentions"]) > 100_000
    for m in b["mentions"][::997]:
        assert text[m["start_char"] : m["end_char"]] == m["text"]


def test_long_document_through_the_cli(tmp_path):
    """`run` takes a document longer than one pass allows (limits lowered by --config)."""
    import yaml

    corpus = tmp_path / "c"
    corpus.mkdir()
    text = long_report(12_000)
    (corpus / "lang.txt").write_text(text, encoding="utf-8")
    (corpus / "kurz.txt").write_text(PARAGRAPHS[0] + "\n", encoding="utf-8")
    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump({"long_documents": {"one_pass_chars": 5_000, "segment_chars": 2_000}}), encoding="utf-8")
    assert run(corpus, tmp_path / "seg", "--config", str(cfg)) == 0
    assert run(corpus, tmp_path / "one") == 0
    for table in ("documents", "mentions", "dates", "roles"):
        assert (tmp_path / "seg" / f"{table}.parquet").read_bytes() == (tmp_path / "one" / f"{table}.parquet").read_bytes(), table
    assert pd.read_parquet(tmp_path / "seg" / "errors.parquet").empty
    # figures: the same figures; a unit the figures stage carries over from the paragraph
    # before (`elided`) is not carried across a segment boundary (README: limits)
    seg, one = (pd.read_parquet(tmp_path / d / "figures.parquet") for d in ("seg", "one"))
    cols = ["doc_id", "start_char", "end_char", "text", "value", "kind"]
    assert seg[cols].equals(one[cols])
    differ = seg["unit"].fillna("") != one["unit"].fillna("")
    assert (one.loc[differ, "unit_source"] == "elided").all()


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("PIPELINE_SLOW"), reason="50 MB document, about an hour of CPU: run with PIPELINE_SLOW=1")
def test_50_mb_document_bounded_memory(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "jahresbericht.txt").write_text(long_report(50_000_000), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c",
                           "import resource, sys\nfrom pipeline.cli import main\n"
                           f"code = main(['run', '--corpus', {str(corpus)!r}, '--out', {str(out)!r}, '--quiet'])\n"
                           "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\nsys.exit(code)\n"],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    peak_kib = int(proc.stdout.strip().splitlines()[-1])
    assert peak_kib <= 1.5 * 1024 * 1024, f"peak RSS {peak_kib / 1024:.0f} MiB"
    docs = pd.read_parquet(out / "documents.parquet")
    assert docs["n_chars"].tolist() == [len(long_report(50_000_000))]


def test_a_corpus_run_streams_long_documents_to_part_files(tmp_path):
    """Through the CLI the segments' rows go to the shard's part files one segment at a
    time; the tables equal those of a run that takes the document in one pass."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "lang.txt").write_text(long_report(40_000), encoding="utf-8")
    (corpus / "kurz.txt").write_text(PARAGRAPHS[0], encoding="utf-8")
    small, big = tmp_path / "small.yaml", tmp_path / "big.yaml"
    small.write_text("long_documents:\n  one_pass_chars: 8000\n  segment_chars: 4000\n", encoding="utf-8")
    big.write_text("long_documents:\n  one_pass_chars: 10000000\n  segment_chars: 1000000\n", encoding="utf-8")
    seg, one = tmp_path / "seg", tmp_path / "one"
    assert run(corpus, seg, "--model", "blank", "--config", str(small), "--keep-cache") == 0
    assert run(corpus, one, "--model", "blank", "--config", str(big)) == 0
    assert list((seg / ".shards").glob("*/long-*/mentions.parquet")), "the long document's own part files"
    for table in ("documents", "metadata", "mentions", "entities", "roles", "dates", "figures", "errors"):
        assert (seg / f"{table}.csv").read_bytes() == (one / f"{table}.csv").read_bytes(), table
    assert len(pd.read_parquet(seg / "mentions.parquet")) > 100
