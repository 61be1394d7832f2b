"""Golden test on the two seed reports: every person, place and organisation of the gold
annotation is found with the right label and canonical form (rules alone and with the model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.evaluation.entities import load_gold, predict, score
from pipeline.rulebook import load_rules

GOLD = Path(__file__).resolve().parents[1] / "gold"


def _run(model: str, names: tuple[str, ...]):
    from pipeline.assembly import nlp_for_text

    nlp = nlp_for_text(model)
    config = load_config(model=model)
    rules = load_rules([])
    gold = [g for g in load_gold(GOLD) if g["_name"].startswith(names)]
    preds, roles = {}, {}
    for g in gold:
        _, preds[g["_name"]], roles[g["_name"]] = predict(nlp, config, rules, g["_path"])
    return gold, preds, roles


@pytest.mark.parametrize("model", ["blank", "auto"])
def test_seed_entities_all_found(model):
    gold, preds, _ = _run(model, ("seed_",))
    assert len(gold) == 2
    res = score(gold, preds)
    missed = [e for e in res["errors"] if e[1] in ("missed", "canonical")]
    assert not missed, missed
    assert res["per_label"]["ALL"]["recall"] == 1.0
    assert res["canonical_accuracy"] == 1.0
    assert res["generic"]["fn"] == 0 and res["generic"]["fp"] == 0, res["generic"]  # `Stadtverwaltung`


def test_seed_details():
    _, preds, roles = _run("blank", ("seed_",))
    m000 = preds["seed_000_f50a456bb0825fba"]
    m004 = preds["seed_004_b558a796c9db3dcc"]
    by_text = {(m["text"], m["label"]): m for m in m000 + m004}
    assert by_text[("Deutschlands", "LOC")]["canonical"] == "Deutschland"
    assert by_text[("Elisabeth-Selbert-Schule", "ORG")]
    assert ("Elisabeth-Selbert-Schule", "PER") not in by_text
    assert by_text[("Stadtverwaltung", "ORG")]["canonical"] == "Stadtverwaltung Hamm"
    assert by_text[("Stadtverwaltung", "ORG")]["kind"] == "generic"
    assert by_text[("Elisabeth-Selbert-Schule", "ORG")]["kind"] == "name"
    assert {m["canonical"] for m in m000 if m["label"] == "ORG"} >= {"NOW Mayors' Network", "Act.Now", "Elisabeth-Selbert-Schule"}
    # `Landkreis Hameln-Pyrmont`: LOC Hameln-Pyrmont, admin type kept
    assert any(m["text"] == "Hameln-Pyrmont" and m["admin_type"] == "Landkreis" for m in m000)
    # header `Ort | Hamm |` is metadata, not a mention
    text004 = (GOLD / "../../corpus/004_b558a796c9db3dcc.txt").resolve().read_text(encoding="utf-8")
    header_end = text004.index("In Hamm")
    assert all(m["start_char"] >= header_end for m in m004)
    r000 = {(r["person"], r["role"]): r for r in roles["seed_000_f50a456bb0825fba"]}
    assert r000[("Tjark Bartels", "Landrat")]["org_or_place"] == "Hameln-Pyrmont"
    r004 = {(r["person"], r["role"]) for r in roles["seed_004_b558a796c9db3dcc"]}
    assert ("Marc Herter", "Oberbürgermeister") in r004


def test_gold_set_f1():
    gold, preds, _ = _run("blank", ("0", "1"))
    assert len(gold) >= 10
    res = score(gold, preds)
    assert res["per_label"]["ALL"]["f1"] >= 0.85, res["per_label"]
