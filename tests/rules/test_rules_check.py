"""`rules check` and the check before `run`: every validation error class, file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import plates_config
from pipeline.cli import main
from pipeline.rulebook import BUILTIN_RULES

REPO = Path(__file__).resolve().parents[2]
GENDER = "tokenize/gender_forms.yaml"


def layer_with(tmp_path: Path, rel: str, content: str | bytes) -> Path:
    layer = tmp_path / "my_rules"
    path = layer / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return layer


def check(capsys, *args: str) -> tuple[int, str]:
    code = main(["rules", "check", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def run_blocked(capsys, tmp_path: Path, *args: str) -> str:
    """`run` with broken rules: exit 1, the message, and no output folder at all."""
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["run", "--corpus", str(REPO / "corpus"), "--out", str(out), "--quiet", "--model", "blank", *args])
    assert exc.value.code == 1
    assert not out.exists(), "a broken rule file must stop the run before anything is written"
    return capsys.readouterr().err


def test_builtin_rules_are_valid(capsys):
    code, text = check(capsys)
    assert code == 0, text
    assert "rules ok" in text


def test_yaml_syntax_error(tmp_path, capsys):
    bad = BUILTIN_RULES.joinpath(GENDER).read_text(encoding="utf-8") + "\nexceptions: [unclosed\n"
    layer = layer_with(tmp_path, GENDER, bad)
    code, text = check(capsys, "--rules", str(layer))
    assert code == 1
    path = layer / GENDER
    assert f"{path}:" in text and "YAML error" in text
    err = run_blocked(capsys, tmp_path, "--rules", str(layer))
    assert f"{path}:" in err and "YAML error" in err


def test_duplicate_key(tmp_path, capsys):
    text = BUILTIN_RULES.joinpath(GENDER).read_text(encoding="utf-8")
    line_no = len(text.splitlines()) + 1
    layer = layer_with(tmp_path, GENDER, text + "markers: ['/']\n")
    code, out = check(capsys, "--rules", str(layer))
    assert code == 1
    assert f"{layer / GENDER}:{line_no}: YAML error: duplicate key 'markers'" in out


def test_failing_example_names_its_line(tmp_path, capsys):
    text = BUILTIN_RULES.joinpath(GENDER).read_text(encoding="utf-8")
    text = text.replace('{text: "Bürger:innen", norm: "Bürger"}', '{text: "Bürger:innen", norm: "Bürgerinnen"}')
    line_no = next(i for i, l in enumerate(text.splitlines(), 1) if "Bürgerinnen" in l)
    layer = layer_with(tmp_path, GENDER, text)
    code, out = check(capsys, "--rules", str(layer))
    assert code == 1
    assert f"{layer / GENDER}:{line_no}: example 'Bürger:innen': expected base 'Bürgerinnen', got 'Bürger'" in out


def test_schema_error(tmp_path, capsys):
    layer = layer_with(tmp_path, GENDER, "markers: []\nsuffixes: [innen]\n")
    code, out = check(capsys, "--rules", str(layer))
    assert code == 1
    assert f"{layer / GENDER}:1: `markers` must be a non-empty list" in out


def test_not_utf8(tmp_path, capsys):
    layer = layer_with(tmp_path, GENDER, "markers: ['/']\n# Grüße\n".encode("cp1252"))
    code, out = check(capsys, "--rules", str(layer))
    assert code == 1
    assert f"{layer / GENDER}:2: not UTF-8 (byte 0xfc in column 5)" in out  # a line, not a byte offset


def test_invalid_jsonl(tmp_path, capsys):
    layer = layer_with(tmp_path, "entities/my_orgs.jsonl",
                       '{"label": "ORG", "pattern": "Act.Now"}\n{"label": "ORG", "pattern": \n')
    code, out = check(capsys, "--rules", str(layer))
    assert code == 1
    assert f"{layer / 'entities/my_orgs.jsonl'}:2: invalid JSON" in out
    err = run_blocked(capsys, tmp_path, "--rules", str(layer))
    assert f"{layer / 'entities/my_orgs.jsonl'}:2: invalid JSON" in err


def test_missing_rules_folder(tmp_path, capsys):
    code, out = check(capsys, "--rules", str(tmp_path / "nope"))
    assert code == 1
    assert "rules folder does not exist" in out


def _plates_with_pattern(pattern: str) -> str:
    text = BUILTIN_RULES.joinpath("plates/plates.yaml").read_text(encoding="utf-8")
    lines = [f"pattern: '{pattern}'" if l.startswith("pattern:") else l for l in text.splitlines()]
    return "\n".join(lines) + "\n"


def test_invalid_regex(tmp_path, capsys):
    layer = layer_with(tmp_path, "plates/plates.yaml", _plates_with_pattern("(?P<code>[A-Z]{1,3}"))
    line_no = next(i for i, l in enumerate((layer / "plates/plates.yaml").read_text().splitlines(), 1) if l.startswith("pattern:"))
    cfg = plates_config(tmp_path)
    code, out = check(capsys, "--rules", str(layer), "--config", str(cfg))
    assert code == 1
    assert f"{layer / 'plates/plates.yaml'}:{line_no}: invalid regular expression" in out
    err = run_blocked(capsys, tmp_path, "--rules", str(layer), "--config", str(cfg))
    assert "invalid regular expression" in err


def test_catastrophic_regex_is_refused(tmp_path, capsys):
    from pipeline.rulebook import compile_regex, stress_test_regex

    rx = compile_regex(r"(?P<code>(a+)+$)", "x.yaml", 7)
    problem = stress_test_regex(rx, "x.yaml", 7)
    assert problem is not None and problem.format().startswith("x.yaml:7: pattern too slow")
    assert stress_test_regex(compile_regex(r"\d+", "x.yaml", 1), "x.yaml", 1) is None


def test_rules_check_stress_tests_patterns(tmp_path, capsys):
    layer = layer_with(tmp_path, "plates/plates.yaml", _plates_with_pattern("(?P<code>([A-Za-z]+)+$)(?P<letters>x)?(?P<digits>1)?(?P<suffix>)"))
    code, out = check(capsys, "--rules", str(layer), "--config", str(plates_config(tmp_path)))
    assert code == 1
    assert f"{layer / 'plates/plates.yaml'}:" in out and "pattern too slow" in out


BAD_PATTERNS = [
    ('{"pattern": "Foo GmbH"}', "pattern needs a non-empty string `label`"),
    ('{"label": "org", "pattern": "Bar AG"}', "unknown label 'org' (did you mean ORG?)"),
    ('{"label": "PERSON", "pattern": "Anna Muster"}', "unknown label 'PERSON' (did you mean PER?)"),
    ('{"label": "Project", "pattern": "Kuckuck 14"}', "unknown label 'Project' (did you mean PROJECT?)"),
    ('{"label": "ORG", "pattern": [{"TEXTX": "x"}]}', "invalid token pattern: [pattern -> 0 -> TEXTX] Extra inputs are not permitted"),
    ('{"label": "ORG", "pattern": ""}', "`pattern` must be a string or a non-empty list"),
]


def test_entity_pattern_problems_are_all_reported(tmp_path, capsys):
    """Every bad line of a pattern file is reported at once, each with its own line."""
    good = '{"label": "ORG", "pattern": "Hamm International"}'
    lines = [good] + [bad for bad, _ in BAD_PATTERNS] + [
        '{"label": "ORG", "pattern": "Hamm  International"}',  # duplicate of line 1 (whitespace)
        '{"label": "LOC", "pattern": "Hamm International"}',  # conflict with line 1
        '{"label": "PROJECT", "pattern": "Buntes Leben"}',  # a declared new label is fine
    ]
    layer = layer_with(tmp_path, "entities/lokal.jsonl", "\n".join(lines) + "\n")
    layer_with(tmp_path, "entities/labels_lokal.yaml", "labels:\n  PROJECT: Projekte\n")  # declared once
    path = layer / "entities/lokal.jsonl"
    code, out = check(capsys, "--rules", str(layer))
    assert code == 1
    for i, (_, message) in enumerate(BAD_PATTERNS, start=2):
        assert f"{path}:{i}: {message}" in out, message
    n = len(BAD_PATTERNS) + 2
    assert f"{path}:{n}: duplicate pattern (same as {path}:1)" in out
    assert f"{path}:{n + 1}: conflicting label LOC for 'Hamm International': {path}:1 says ORG" in out
    assert f"{path}:{n + 2}:" not in out
    err = run_blocked(capsys, tmp_path, "--rules", str(layer))
    assert f"{path}:2: pattern needs a non-empty string `label`" in err


def test_overriding_a_builtin_phrase_in_a_layer_is_allowed(tmp_path, capsys):
    # the built-in rules know Bertelsmann-Stiftung as ORG; a layer may repeat or relabel it
    layer = layer_with(tmp_path, "entities/mine.jsonl",
                       '{"label": "ORG", "pattern": "Bertelsmann-Stiftung"}\n{"label": "ORG", "pattern": "Greenpeace"}\n')
    code, out = check(capsys, "--rules", str(layer))
    assert code == 0, out
