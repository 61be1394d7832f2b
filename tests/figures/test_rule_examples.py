"""Every example written beside a figure rule runs as a test (as for the date rules).

Positive examples: a figure with the expected text, made by that rule, with the expected
fields.  Negative examples: the rule does not fire on the text.
"""

from __future__ import annotations

import pytest

from pipeline.figures import check_rule_example, figures_of
from pipeline.quantities import EMITTED, compile_rules
from pipeline.rulebook import load_rules

RULES = compile_rules(load_rules()).rules

POSITIVE = [pytest.param(r.id, ex, id=f"{r.id}:{ex.line}") for r in RULES.values() for ex in r.examples]
NEGATIVE = [pytest.param(r.id, text, id=f"{r.id}:{line}") for r in RULES.values() for text, line in r.negatives]


def test_every_rule_has_examples_and_negatives():
    assert [r.id for r in RULES.values() if not r.examples or not r.negatives] == []


def test_every_emitted_rule_is_declared():
    assert sorted(RULES) == sorted(EMITTED)


@pytest.mark.parametrize("rule_id,example", POSITIVE)
def test_positive_example(blank_nlp, rule_id, example):
    assert check_rule_example(blank_nlp, rule_id, example) is None


@pytest.mark.parametrize("rule_id,text", NEGATIVE)
def test_negative_example(blank_nlp, rule_id, text):
    assert [r["text"] for r in figures_of(blank_nlp, text) if r["rule"] == rule_id] == []
