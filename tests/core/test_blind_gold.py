"""The blind gold sets (tests/gold/*/heldout, blind2, blind3) are well formed: the eval
commands score them without running into a broken file, so a serialisation slip (YAML flow
`{text: 1,4 Promille}` read as two keys) or a shifted offset shows up here, not as a
silently wrong score.  No pipeline stage runs: these are measurements, never tuned on."""

from __future__ import annotations

import pytest
import yaml

from pipeline.evaluation import REPO
from pipeline.layout import normalise_text

GOLD = REPO / "tests" / "gold"
SETS = ("heldout", "blind2", "blind3")
STAGES = {"entities": "entities", "dates": "dates", "figures": "figures"}
FILES = [(stage, p) for s in SETS for stage in STAGES for p in sorted((GOLD / stage / s).glob("*.yaml"))]


def _source(stage: str, data: dict):
    return GOLD / data["file"] if stage == "entities" else REPO / (data.get("text") or data.get("source"))


@pytest.mark.parametrize(("stage", "path"), FILES, ids=[f"{s}/{p.parent.name}/{p.stem}" for s, p in FILES])
def test_every_entry_sits_at_its_offset(stage, path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    text = normalise_text(_source(stage, data).read_text(encoding="utf-8"))
    entries = data.get(STAGES[stage]) or []
    assert entries, path
    for e in entries:
        assert isinstance(e["text"], str), (path.name, e)
        start = e["start_char"]
        assert text[start:start + len(e["text"])] == e["text"], (path.name, e)
        if stage == "entities":
            assert e["label"] in {"PER", "LOC", "ORG", "MISC"} and e.get("kind") in {None, "generic", "acronym"}, e
        if stage == "figures":
            assert e["qualifier"] in {"=", "~", ">", ">=", "<", "<="} and isinstance(e["value"], (int, float)), e


@pytest.mark.parametrize("name", ["blind2", "blind3"])
def test_each_blind_text_has_all_three_annotations(name):
    texts = {p.stem for p in (GOLD / "texts" / name).glob("*.txt")}
    assert len(texts) >= 6
    for stage in STAGES:
        assert {p.stem for p in (GOLD / stage / name).glob("*.yaml")} == texts, stage

