"""The compiled gazetteer is committed, small, fast to load; the build reads the shared data."""

from __future__ import annotations

import time
from pathlib import Path

from conftest import SHARED, needs_shared

from pipeline import gazetteer
from pipeline.entities import EntityRules
from pipeline.rulebook import load_rules


def test_compiled_files_small_and_present():
    assert gazetteer.PLACES_OUT.exists() and gazetteer.FIRST_NAMES_OUT.exists()
    size = gazetteer.PLACES_OUT.stat().st_size + gazetteer.FIRST_NAMES_OUT.stat().st_size
    assert size < 3_000_000
    assert (gazetteer.RULES_DIR / "NOTICE.md").exists()


def test_rules_load_fast_and_know_places():
    t0 = time.perf_counter()
    er = EntityRules(load_rules([]))
    assert time.perf_counter() - t0 < 5
    for place in ("Hameln-Pyrmont", "Hamm", "Wien", "Zürich", "Kassel", "Lettland", "Nahen Osten"):
        assert place in er.phrases, place
    for word in ("Wald", "Essen", "Mai", "Stadt"):
        assert word not in er.phrases, word
    assert er.canonical_place("Deutschlands") == "Deutschland"


@needs_shared("data", "gazetteers", "de-municipalities")
def test_readers_on_shared_data():
    data = SHARED / "data"
    gv = gazetteer.read_gv100(next((data / "gazetteers" / "de-municipalities").glob("*.txt")))
    assert ("Hameln-Pyrmont", "kreis") in gv
    names = gazetteer.read_first_names(data / "gazetteers" / "first-names")
    assert names["Marc"] > 0 and names["Regina"] > 0


def test_build_never_reads_the_held_out_benchmark(tmp_path):
    ner = tmp_path / "ner" / "germeval2014"
    ner.mkdir(parents=True)
    (ner / "NER-de-test.tsv").write_text("1\tDas\tO\tO\n2\tBrunnen\tO\tO\n", encoding="utf-8")
    (ner / "NER-de-dev.tsv").write_text("1\tDie\tO\tO\n2\tSchlag\tO\tO\n3\tSchlag\tO\tO\n", encoding="utf-8")
    as_name, as_word = gazetteer.common_word_counts(tmp_path)
    assert as_word["Brunnen"] == 1 and "Schlag" not in as_word


def test_regions_are_marked():
    er = EntityRules(load_rules([]))
    assert er.phrases["Harz"].region and er.phrases["Ostallgäu"].region
    assert not er.phrases["Brunnen"].region
