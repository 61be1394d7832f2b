"""The benchmark's pure helpers (`pipeline/bench/tools.py`): summaries of repeated runs, the
alternating order, corpora built from the shared texts, table comparison, run.json reading,
process-tree memory. No timing is asserted: speed is what `make bench` measures."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pipeline.bench.sections import SCALES, SECTIONS, TITLES
from pipeline.bench.tools import (
    TreeSampler, alternating, build_corpus, chunks, corpus_words, compare_tables, interleave, load_sources, pss_bytes,
    reprocessed, spread, summarise, take_words, verdict,
)

SPEECH = ("Sehr geehrter Herr Präsident, meine Damen und Herren!\n"
          "Der Bundestag berät heute über den Haushalt 2024.\n"
          "Wir investieren 3,5 Milliarden Euro in die Schienen.")
ARTICLE = "Wien – Die Regierung hat am Dienstag ein neues Budget vorgelegt. Die Opposition kritisiert es scharf."


def test_summarise_gives_median_and_spread_of_repeats():
    s = summarise([5200.0, 4800.0, 6100.0])
    assert (s["n"], s["median"], s["min"], s["max"]) == (3, 5200.0, 4800.0, 6100.0)
    assert s["values"] == [5200.0, 4800.0, 6100.0]
    assert spread(s) == "5200.0 (4800.0-6100.0)"
    assert summarise([])["median"] is None


def test_sides_alternate_so_neither_always_runs_first():
    flat = [side for pair in alternating(4, "bare", "pipeline") for side in pair]
    assert flat == ["bare", "pipeline", "pipeline", "bare", "bare", "pipeline", "pipeline", "bare"]


def test_verdict_reads_the_direction_of_the_target():
    assert verdict(0.72, ">=", 0.7) == "PASS"
    assert verdict(0.55, ">=", 0.7) == "FAIL"
    assert verdict(1.05, "<=", 1.1) == "PASS"
    assert verdict(1.4, "<=", 1.3) == "FAIL"
    assert verdict(None, "<=", 1.3) == "ERROR"


def test_speeches_are_cut_at_paragraph_ends():
    long = "\n".join([SPEECH] * 30)
    parts = chunks(long, size=500)
    assert len(parts) > 1
    lines = set(SPEECH.split("\n"))
    assert all(set(p.split("\n")) <= lines for p in parts)  # every cut falls at a paragraph end
    assert all(len(p) >= 500 for p in parts[:-1])
    assert "\n".join(parts) == long


def test_word_budget_takes_texts_until_it_is_reached():
    texts = [ARTICLE] * 10  # 16 words each
    assert len(take_words(texts, 40)) == 3
    assert take_words(texts, None) == texts


def test_corpus_mixes_both_sources_and_repeats_them_under_new_names(tmp_path):
    mixed = interleave([SPEECH] * 2, [ARTICLE] * 6)
    assert len(mixed) == 8 and SPEECH in mixed[:3] and ARTICLE in mixed[:3]
    folder = build_corpus(tmp_path / "c", mixed, 20)
    files = sorted(folder.glob("*.txt"))
    assert [f.name for f in files[:2]] == ["doc_000000.txt", "doc_000001.txt"] and len(files) == 20
    assert files[8].read_text(encoding="utf-8") == mixed[0]  # the 9th document is the first text again
    assert corpus_words(mixed, 20) == sum(len(f.read_text(encoding="utf-8").split()) for f in files)


def test_sources_read_column_oriented_speeches_and_the_gnad_csv(tmp_path):
    (tmp_path / "text").mkdir()
    speeches = {"person": {"0": "Angela Merkel", "1": "Andere"}, "speech": {"1": ARTICLE, "0": SPEECH}}
    (tmp_path / "text" / "speeches.json").write_text(json.dumps(speeches, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "text" / "10kgnad-test.csv").write_text(f"Inland;'{ARTICLE}'\n", encoding="utf-8")
    sources = load_sources(tmp_path)
    assert sources["speeches"] == [SPEECH, ARTICLE]
    assert sources["10kgnad"] == [ARTICLE]
    assert load_sources(tmp_path / "missing") == {"speeches": [], "10kgnad": []}


def test_tables_compare_byte_for_byte(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        out.mkdir()
        (out / "dates.csv").write_text("doc_id,value\nbericht,2024-03-04\n", encoding="utf-8")
        (out / "run.json").write_text(json.dumps({"total_seconds": os.getpid()}), encoding="utf-8")
    assert compare_tables(a, b)["identical"]  # run.json is not a table
    (b / "dates.csv").write_text("doc_id,value\nbericht,2024-03-05\n", encoding="utf-8")
    (b / "figures.csv").write_text("doc_id\n", encoding="utf-8")
    diff = compare_tables(a, b)
    assert not diff["identical"] and diff["differ"] == ["dates.csv"] and diff["only_in_second"] == ["figures.csv"]
    assert not compare_tables(tmp_path / "none", tmp_path / "none")["identical"]  # no tables is no evidence


def test_reprocessed_documents_from_run_json():
    assert reprocessed({"counts": {"documents": 10000}, "documents_processed": 37}) == (37, 10000, "documents_processed")
    processed, total, how = reprocessed({"counts": {"documents": 200}, "documents_from_cache": 199})
    assert (processed, total) == (1, 200) and "documents_from_cache" in how
    assert reprocessed({})[0] is None


def test_tree_sampler_reads_this_process_memory():
    assert pss_bytes(os.getpid()) > 0
    sampler = TreeSampler(os.getpid())
    sampler.sample()
    fig = sampler.figures()
    assert fig["peak_tree_pss_mb"] > 0 and fig["max_process_rss_mb"] >= fig["peak_tree_pss_mb"] * 0.5
    assert fig["max_processes"] >= 1


def test_every_section_has_a_title_and_the_full_scale_is_the_issues():
    assert set(SECTIONS) == set(TITLES) == set("ABCDEF")
    full = SCALES["full"]
    assert (full.n, 10 * full.n, full.e_docs) == (2000, 20000, 10000)
