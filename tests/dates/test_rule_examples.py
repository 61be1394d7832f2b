"""Every example written beside a date rule runs as a test (HeidelTime-style).

Positive examples: the expression is found with the expected text, value, rule and
modifier.  Negative examples: the rule does not fire.  Veto examples (negatives.yaml):
nothing at all is found.
"""

from __future__ import annotations

import pytest

from pipeline.dates import check_example, grammar_for, run_example
from pipeline.rulebook import load_rules

GRAMMAR = grammar_for(load_rules())

POSITIVE = [pytest.param(r.id, ex, id=f"{r.id}:{ex.line}") for r in GRAMMAR.rules for ex in r.examples]
NEGATIVE = [pytest.param(r.id, text, anchor, id=f"{r.id}:{line}") for r in GRAMMAR.rules for text, line, anchor in r.negatives]
VETO = [pytest.param(v.id, text, id=f"{v.id}:{i}") for v in GRAMMAR.vetoes for i, text in enumerate(v.examples)]


def test_every_rule_has_an_example():
    assert [r.id for r in GRAMMAR.rules if not r.examples] == []


@pytest.mark.parametrize("rule_id,example", POSITIVE)
def test_positive_example(rule_id, example):
    assert check_example(GRAMMAR, rule_id, example) is None


@pytest.mark.parametrize("rule_id,text,anchor", NEGATIVE)
def test_negative_example(rule_id, text, anchor):
    fired = [r["text"] for r in run_example(GRAMMAR, text, anchor) if r["rule"] == rule_id]
    assert fired == []


@pytest.mark.parametrize("veto_id,text", VETO)
def test_veto_example(veto_id, text):
    assert [r["text"] for r in run_example(GRAMMAR, text, "2018-11-11")] == []


def test_rules_check_has_no_date_problems(blank_nlp):
    from pipeline.dates import check_date_rules

    assert [p.format() for p in check_date_rules(load_rules(), {}, blank_nlp)] == []
