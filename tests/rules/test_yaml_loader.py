"""Rule YAML is read with LibYAML's parser when PyYAML has it (start-up speed): every
rule file must give the same data and the same line numbers as the pure-Python parser."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline import rulebook

RULES = Path(rulebook.__file__).resolve().parent / "rules"


class _PythonLineLoader(yaml.SafeLoader):
    pass


_PythonLineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, rulebook._construct_mapping)
_PythonLineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, rulebook._construct_sequence)


def _with_lines(obj):
    if isinstance(obj, dict):
        return ("map", obj.line, sorted(obj.key_lines.items(), key=str), [(_with_lines(k), _with_lines(v)) for k, v in obj.items()])
    if isinstance(obj, list):
        return ("seq", obj.line, obj.item_lines, [_with_lines(x) for x in obj])
    return (type(obj).__name__, obj)


@pytest.mark.parametrize("path", sorted(RULES.rglob("*.yaml")), ids=lambda p: p.relative_to(RULES).as_posix())
def test_rule_file_reads_the_same_with_either_parser(path):
    text = path.read_text(encoding="utf-8")
    fast = yaml.load(text, Loader=rulebook._LineLoader)  # noqa: S506 - SafeLoader subclasses
    slow = yaml.load(text, Loader=_PythonLineLoader)  # noqa: S506
    assert _with_lines(fast) == _with_lines(slow)


def test_duplicate_key_is_refused_with_its_line():
    with pytest.raises(yaml.constructor.ConstructorError) as exc:
        yaml.load("a: 1\nb:\n  c: 2\nb: 3\n", Loader=rulebook._LineLoader)  # noqa: S506
    assert "duplicate key 'b'" in str(exc.value) and exc.value.problem_mark.line + 1 == 4
