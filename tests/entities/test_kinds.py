"""`mentions.kind` / `entities.kind` (issue 10, output contract v2): names, acronyms and
generic institution nouns, and how `make eval-entities` keeps generic rows apart."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.evaluation.entities import score
from pipeline.names.kinds import entity_kind

TEXT = (
    "Der Kreistag tagte im Landratsamt Ravensburg. Landrätin Eva Muster (CDU) sprach, "
    "wie dpa meldet, auch mit der ÖVP. Das Landratsamt prüft den Antrag."
)


def test_kind_of_mentions(nlp, blank_nlp):
    for pipe in (nlp, blank_nlp):
        rows = pipe(TEXT)._.rows["mentions"]
        got = {m["text"]: m["kind"] for m in rows}
        assert got.get("Kreistag") == "generic", got
        assert got.get("Landratsamt") == "generic", got
        assert got.get("Landratsamt Ravensburg") == "name", got
        assert got.get("Eva Muster") == "name", got
        assert got.get("CDU") == "acronym" and got.get("ÖVP") == "acronym" and got.get("dpa") == "acronym", got
        assert all(m["kind"] in ("name", "acronym", "generic") for m in rows)


def test_generic_mention_links_to_the_named_body(blank_nlp):
    rows = blank_nlp(TEXT)._.rows["mentions"]
    generic = [m for m in rows if m["text"] == "Landratsamt"]
    assert generic and generic[0]["canonical"] == "Landratsamt Ravensburg"


def test_entity_kind_precedence():
    assert entity_kind(["generic", "generic"]) == "generic"
    assert entity_kind(["generic", "generic", "name"]) == "name"  # written out once: a named entity
    assert entity_kind(["acronym", "generic"]) == "acronym"
    assert entity_kind(["acronym", None]) == "name"  # no kind (a stage without kinds): a name
    assert entity_kind([]) == "name"


@given(st.lists(st.sampled_from(["name", "acronym", "generic", None]), min_size=1))
def test_entity_kind_ignores_order_and_is_one_of_its_mentions(kinds):
    k = entity_kind(kinds)
    assert k == entity_kind(list(reversed(kinds))) == entity_kind(sorted(kinds, key=str))
    assert k in {x or "name" for x in kinds}


def test_eval_scores_generic_rows_apart():
    gold = [{"_name": "d", "entities": [
        {"text": "Kreistag", "start_char": 4, "label": "ORG", "kind": "generic"},
        {"text": "Ravensburg", "start_char": 20, "label": "LOC"},
    ]}]
    both = {"d": [
        {"start_char": 4, "end_char": 12, "label": "ORG", "kind": "generic", "canonical": "Kreistag", "text": "Kreistag", "source": "rule"},
        {"start_char": 20, "end_char": 30, "label": "LOC", "kind": "name", "canonical": "Ravensburg", "text": "Ravensburg", "source": "rule"},
    ]}
    res = score(gold, both)
    assert res["per_label"]["ALL"]["tp"] == 1 and res["per_label"]["ORG"]["tp"] == 0  # the generic ORG is no name
    assert res["generic"]["tp"] == 1 and res["generic"]["fp"] == 0
    # a generic row the pipeline calls a name is a named-entity false positive and a generic miss
    as_name = {"d": [dict(both["d"][0], kind="name"), both["d"][1]]}
    res = score(gold, as_name)
    assert res["per_label"]["ORG"]["fp"] == 1 and res["generic"]["fn"] == 1
