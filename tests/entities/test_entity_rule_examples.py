"""Every `examples:` entry beside the entity and role rules runs as a test (Duckling-style)."""

from __future__ import annotations

import pytest

from pipeline.entities import ADMIN, EXAMPLES, GENDER, KINDS, NEVER, ROLES, run_example, run_role_example
from pipeline.rulebook import load_rules

RULES = load_rules([])


def _examples(rel: str) -> list:
    f = RULES.file(rel)
    return [pytest.param(ex, id=f"{rel}:{i}") for i, ex in enumerate((RULES.yaml(f) or {}).get("examples") or [])]


ENTITY_EXAMPLES = [p for rel in (EXAMPLES, NEVER, ADMIN, GENDER, KINDS) for p in _examples(rel)]


@pytest.mark.parametrize("example", ENTITY_EXAMPLES)
def test_entity_example_blank(blank_nlp, example):
    problems = run_example(blank_nlp, example, "examples")
    assert not problems, "\n".join(p.format() for p in problems)


@pytest.mark.parametrize("example", ENTITY_EXAMPLES)
def test_entity_example_with_model(nlp, example):
    problems = run_example(nlp, example, "examples")
    assert not problems, "\n".join(p.format() for p in problems)


@pytest.mark.parametrize("example", _examples(ROLES))
def test_role_example(blank_nlp, example):
    problems = run_role_example(blank_nlp, example, ROLES)
    assert not problems, "\n".join(p.format() for p in problems)


def test_every_rule_file_has_examples():
    for rel in (EXAMPLES, NEVER, ADMIN, GENDER, KINDS, ROLES):
        assert _examples(rel), f"{rel} has no examples"


def test_rules_check_passes():
    from pipeline.checks import check_rules
    from pipeline.config import load_config

    problems = [p for p in check_rules(load_config(model="blank")) if "entities/" in p.path or "roles/" in p.path]
    assert not problems, "\n".join(p.format() for p in problems)
