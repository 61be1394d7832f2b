"""Issue 15.5 and 15.10: `run` validates rules exactly as `rules check` does (examples
aside), and `rules check` reports every problem of every file in one round."""

from __future__ import annotations

from pathlib import Path

from .helpers import run, run_cli

SLOW_RULE = """\
# a dates rule whose pattern backtracks catastrophically
rules:
  - id: slow.bad
    pattern: '(a+)+$'
    type: DATE
    value: '2020'
"""


def _layer(tmp_path: Path, files: dict[str, bytes | str]) -> Path:
    layer = tmp_path / "layer"
    for rel, content in files.items():
        p = layer / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return layer


def test_catastrophic_regex_stops_run_like_rules_check(tmp_path, report_corpus, capsys):
    layer = _layer(tmp_path, {"dates/rules/slow.yaml": SLOW_RULE})
    problem = f"{layer / 'dates/rules/slow.yaml'}:3: pattern too slow"
    assert run_cli("rules", "check", "--model", "blank", "--rules", str(layer)) == 1
    assert problem in capsys.readouterr().out
    out = tmp_path / "out"
    assert run(report_corpus, out, "--rules", str(layer)) == 1
    err = capsys.readouterr().err
    assert problem in err and "nothing was processed" in err
    assert not out.exists()


def test_non_utf8_rule_file_names_a_line(tmp_path, capsys):
    text = "# Schlüsselwörter\nmarkers: ['/']\n# Grüße aus Köln\n".encode("cp1252")
    layer = _layer(tmp_path, {"tokenize/gender_forms.yaml": text})
    assert run_cli("rules", "check", "--model", "blank", "--rules", str(layer)) == 1
    out = capsys.readouterr().out
    # the first bad byte is the `ü` of line 1, column 7 (bytes, counted from 1)
    assert f"{layer / 'tokenize/gender_forms.yaml'}:1: not UTF-8 (byte 0xfc in column 7)" in out
    assert "at byte" not in out


def test_every_problem_of_every_file_in_one_round(tmp_path, capsys):
    layer = _layer(tmp_path, {
        "tokenize/gender_forms.yaml": "markers: [unclosed\n",  # does not parse
        "entities/orgs.jsonl": '{"label": "ORG", "pattern": "Stadtwerke Hamm"}\n{"label": "org", "pattern": "Bar AG"}\n',
        "entities/more.jsonl": '{"label": "ORG", "pattern": \n',  # does not parse either
        "dates/rules/slow.yaml": SLOW_RULE,
    })
    assert run_cli("rules", "check", "--model", "blank", "--rules", str(layer)) == 1
    out = capsys.readouterr().out
    assert f"{layer / 'tokenize/gender_forms.yaml'}:" in out and "YAML error" in out
    assert f"{layer / 'entities/more.jsonl'}:1: invalid JSON" in out
    assert f"{layer / 'entities/orgs.jsonl'}:2: unknown label 'org' (did you mean ORG?)" in out
    assert f"{layer / 'dates/rules/slow.yaml'}:3: pattern too slow" in out
    assert len(out.strip().splitlines()) == len(set(out.strip().splitlines())), "each problem once"
