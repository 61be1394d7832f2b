"""The compiled-pattern cache (`pipeline/patterncache.py`): a second process reads rule
regexes back instead of parsing them, never returns a stale pattern, never runs foreign code."""

from __future__ import annotations

import os
import pickle

import pytest
import regex

from pipeline import patterncache
from pipeline.rulebook import RuleError, compile_regex


@pytest.fixture()
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(patterncache, "_loaded", None)
    monkeypatch.setattr(patterncache, "_dirty", False)
    monkeypatch.setattr(patterncache, "_used", set())
    return tmp_path


def _new_process(monkeypatch):
    """What a new process sees: nothing in memory, the file on disk."""
    monkeypatch.setattr(patterncache, "_loaded", None)
    monkeypatch.setattr(patterncache, "_dirty", False)
    monkeypatch.setattr(patterncache, "_used", set())


def test_second_process_reads_the_compiled_pattern_back(fresh_cache, monkeypatch):
    pattern = r"(?P<tag>\d{1,2})\.\s*(?P<monat>Jänner|Januar|März)"
    first = patterncache.compile(pattern)
    patterncache.flush()
    assert patterncache.cache_path().exists()
    _new_process(monkeypatch)

    def no_parsing(*args, **kwargs):
        raise AssertionError("pattern parsed again although it is cached")

    monkeypatch.setattr(regex, "compile", no_parsing)
    again = patterncache.compile(pattern)
    m = again.search("am 3. Jänner 2025")
    assert m and m.group("tag") == "3" and m.group("monat") == "Jänner"
    assert again.groupindex == first.groupindex


def test_edited_pattern_is_a_new_entry_not_a_stale_hit(fresh_cache, monkeypatch):
    patterncache.compile(r"Landrat")
    patterncache.flush()
    _new_process(monkeypatch)
    rx = patterncache.compile(r"Landrätin")
    assert rx.search("die Landrätin sagte") and not rx.search("der Landrat sagte")


def test_foreign_pickle_is_ignored_not_executed(fresh_cache, monkeypatch):
    marker = fresh_cache / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    patterncache.cache_path().parent.mkdir(parents=True, exist_ok=True)
    patterncache.cache_path().write_bytes(pickle.dumps({(0, "x"): Evil()}))
    _new_process(monkeypatch)
    assert patterncache.compile("x").search("x")
    assert not marker.exists()


def test_bad_rule_pattern_still_names_file_and_line(fresh_cache):
    with pytest.raises(RuleError) as err:
        compile_regex(r"(?P<tag>\d+", "rules/dates/rules.yaml", 12)
    assert "rules/dates/rules.yaml" in str(err.value) and "12" in str(err.value)
