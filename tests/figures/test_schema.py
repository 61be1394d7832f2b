"""Compiling the figure rules: one declarative schema, clear errors naming file and line,
compiled once per component."""

from __future__ import annotations

import re

import pytest

from pipeline.figures import FiguresComponent
from pipeline.quantities import FigureRules, compile_rules
from pipeline.rulebook import BUILTIN_RULES, RuleError, load_rules


def _layer(tmp_path, rel: str, text: str):
    path = tmp_path / "figures" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return load_rules([tmp_path])


def _builtin(rel: str) -> str:
    return (BUILTIN_RULES / "figures" / rel).read_text(encoding="utf-8")


def test_every_key_is_read_into_its_field():
    fr = compile_rules(load_rules())
    assert ("über",) in fr.qualifiers and fr.qualifiers[("über",)] == ">"
    assert fr.currencies[("cent",)] == ("EUR", 0.01)
    assert "komma" in fr.decimal_words and "zwischen" in fr.range_openers
    assert fr.words.ordinal_suffixes["t"] == (2, 19, ())
    assert fr.age_before_table.by_start[(3, "im")]  # tables are indexed once, at compile time


def test_missing_key_names_file_and_key(tmp_path):
    rules = _layer(tmp_path, "units.yaml", re.sub(r"(?ms)^date_units:.*?\n\n", "", _builtin("units.yaml")))
    with pytest.raises(RuleError, match=r"units\.yaml:\d+: missing key 'date_units'"):
        compile_rules(rules)


def test_wrong_type_names_file_line_and_key(tmp_path):
    text = _builtin("units.yaml").replace("percent_of: [der, des, aller]", "percent_of: der")
    line = text.splitlines().index("percent_of: der") + 1
    with pytest.raises(RuleError) as err:
        compile_rules(_layer(tmp_path, "units.yaml", text))
    assert err.value.path.endswith("units.yaml") and "percent_of: expected a list" in err.value.message
    assert err.value.line is not None and abs(err.value.line - line) <= 1


def test_rule_id_must_start_with_its_file_name(tmp_path):
    text = _builtin("rules/multiplier.yaml").replace("id: multiplier.word", "id: factor.word")
    with pytest.raises(RuleError, match=r"multiplier\.yaml:\d+: rule id 'factor.word' must be `multiplier.<name>`"):
        compile_rules(_layer(tmp_path, "rules/multiplier.yaml", text))


def test_a_declared_rule_nobody_emits_is_an_error(tmp_path):
    text = _builtin("rules/ordinal.yaml") + "\n  - id: ordinal.roman\n    kind: ordinal\n    examples: []\n"
    with pytest.raises(RuleError, match="no recogniser emits this id"):
        compile_rules(_layer(tmp_path, "rules/ordinal.yaml", text))


def test_an_emitted_rule_without_declaration_is_an_error(tmp_path):
    text = _builtin("rules/metadata.yaml").replace("- id: metadata.key_value", "- id: metadata.other")
    with pytest.raises(RuleError, match="no recogniser emits"):
        compile_rules(_layer(tmp_path, "rules/metadata.yaml", text))
    (tmp_path / "figures" / "rules" / "metadata.yaml").write_text("rules: []\n", encoding="utf-8")
    with pytest.raises(RuleError, match="not declared: metadata.key_value"):
        compile_rules(load_rules([tmp_path]))


def test_the_component_keeps_its_compiled_rules(blank_nlp):
    component = blank_nlp.get_pipe("de_figures")
    assert isinstance(component, FiguresComponent) and isinstance(component.rules, FigureRules)
    doc = blank_nlp("Es kamen über 40 Gäste.")
    assert [(r["value"], r["rule"]) for r in doc._.rows["figures"]] == [(40.0, "count.noun")]
