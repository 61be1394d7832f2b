"""Mentions/roles rows: offsets, stable ids, linking, user labels, corpus aggregation."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from pipeline.normalise import entity_id
from pipeline.write import aggregate_entities

TEXT = (
    "Oberbürgermeister Marc Herter eröffnete die Sitzung. Herter sprach über Deutschlands Städte.\n"
    "Nach Angaben der Polizei Köln gab es keine Verletzten. Die Bertelsmann-Stiftung berichtete,\n"
    "der Landrat des Landkreises Hameln-Pyrmont, Tjark Bartels, war auch da."
)


def test_offsets_slice_text(blank_nlp, nlp):
    for pipe in (blank_nlp, nlp):
        doc = pipe(TEXT)
        for r in doc._.rows["mentions"]:
            assert TEXT[r["start_char"] : r["end_char"]] == r["text"]
        for r in doc._.rows["roles"]:
            assert TEXT[r["start_char"] : r["end_char"]] == r["text"]


def test_linking_outermost_and_canonical(blank_nlp):
    rows = blank_nlp(TEXT)._.rows["mentions"]
    got = {(r["text"], r["label"]): r for r in rows}
    assert got[("Herter", "PER")]["entity_id"] == got[("Marc Herter", "PER")]["entity_id"]
    assert got[("Deutschlands", "LOC")]["canonical"] == "Deutschland"
    assert ("Polizei Köln", "ORG") in got and ("Köln", "LOC") not in got
    assert got[("Hameln-Pyrmont", "LOC")]["admin_type"] == "Landkreis"
    assert got[("Marc Herter", "PER")]["role"] == "Oberbürgermeister"
    assert got[("Tjark Bartels", "PER")]["role"] == "Landrat"  # apposition after the name


def test_entity_id_stable_across_processes():
    code = "from pipeline.normalise import entity_id; print(entity_id('LOC', 'Hameln-Pyrmont'))"
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() for _ in range(2)}
    assert outs == {entity_id("LOC", "Hameln-Pyrmont")}


def test_deterministic_rows(blank_nlp):
    a = blank_nlp(TEXT)._.rows
    b = blank_nlp(TEXT)._.rows
    assert a["mentions"] == b["mentions"] and a["roles"] == b["roles"]


def test_user_label_flows_through(tmp_path):
    from pipeline.assembly import nlp_for_text

    (tmp_path / "entities").mkdir()
    (tmp_path / "entities" / "projects.jsonl").write_text(
        '{"label": "PROJECT", "pattern": "Grüne Höfe", "id": "Grüne Höfe Hamm"}\n'
        '{"label": "PROJECT", "id": "project-eisvogel", "pattern": [{"LOWER": "eisvogel"}, {"IS_DIGIT": true}]}\n',
        encoding="utf-8",
    )
    nlp = nlp_for_text("blank", (str(tmp_path),))
    doc = nlp("Das Programm Grüne Höfe startet. Auch Eisvogel 21 läuft in Landshut.")
    rows = [dict(r, doc_id="d1") for r in doc._.rows["mentions"]]
    projects = {r["canonical"] for r in rows if r["label"] == "PROJECT"}
    assert projects == {"Grüne Höfe Hamm", "Eisvogel 21"}
    ents = aggregate_entities(rows, [])
    assert {e["canonical"] for e in ents if e["label"] == "PROJECT"} == projects


def test_aggregate_entities_order_independent():
    rows = [
        {"doc_id": "a", "entity_id": entity_id("LOC", "Hamm"), "label": "LOC", "canonical": "Hamm", "text": "Hamm", "admin_type": "Stadt", "source": "gazetteer"},
        {"doc_id": "b", "entity_id": entity_id("LOC", "Hamm"), "label": "LOC", "canonical": "Hamm", "text": "Hamms", "admin_type": None, "source": "model"},
        {"doc_id": "b", "entity_id": entity_id("PER", "Marc Herter"), "label": "PER", "canonical": "Marc Herter", "text": "Herter", "role": "Oberbürgermeister", "source": "link:surname"},
    ]
    one = aggregate_entities(rows, [])
    two = aggregate_entities(list(reversed(rows)), [])
    assert one == two
    hamm = next(e for e in one if e["canonical"] == "Hamm")
    assert (hamm["n_mentions"], hamm["n_docs"], hamm["admin_type"]) == (2, 2, "Stadt")


def test_surname_linking_takes_only_words_as_surnames():
    """Issue 10: `König Felipe VI.` ended in `.`, and surname linking made every full stop
    of the document a PER mention (73 of them on the 10kGNAD test articles)."""
    import spacy

    from pipeline.names.candidates import Cand
    from pipeline.names.lexicon import TIER_MODEL, entity_rules
    from pipeline.names.linking import link_surnames
    from pipeline.rulebook import load_rules

    er = entity_rules(load_rules())
    doc = spacy.blank("de")("König Felipe VI. empfing Marc Herter. Danach sprach Herter (SPD).")
    felipe = next(i for i, t in enumerate(doc) if t.text == "Felipe")
    marc = next(i for i, t in enumerate(doc) if t.text == "Marc")
    end_felipe = next(i for i in range(felipe, len(doc)) if doc[i].text in (".", "VI.")) + 1
    cands = [Cand(felipe, end_felipe, "PER", "model", TIER_MODEL), Cand(marc, marc + 2, "PER", "model", TIER_MODEL)]
    linked = link_surnames(doc, cands, er)
    texts = [doc[c.start : c.end].text for c in linked if c.source == "link:surname"]
    assert texts == ["Herter"], texts
    assert all(any(ch.isalpha() for ch in doc[c.start : c.end].text) for c in linked)
