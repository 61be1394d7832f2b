"""CLI hygiene: every exit code, config validation, --version, logging, progress only on a
TTY, the cache pruned to the current configuration, `make explain`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import __version__
from pipeline.cli import EXIT_CODES_HELP, main
from pipeline.config import ConfigError, load_config

REPO = Path(__file__).resolve().parents[2]
TEXT = "Hamm, 3. März 2025 – Oberbürgermeister Marc Herter begrüßte 40 Gäste im Rathaus.\n"


def _code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.fixture()
def corpus(tmp_path) -> Path:
    c = tmp_path / "corpus"
    c.mkdir()
    (c / "hamm.txt").write_text(TEXT, encoding="utf-8")
    return c


def test_exit_0_success(corpus, tmp_path):
    assert _code(["run", "--corpus", str(corpus), "--out", str(tmp_path / "o"), "--quiet", "--model", "blank"]) == 0


def test_exit_1_bad_rules(corpus, tmp_path, capsys):
    (tmp_path / "r" / "roles").mkdir(parents=True)
    (tmp_path / "r" / "roles" / "roles.yaml").write_text("roles: [unclosed\n", encoding="utf-8")
    assert _code(["run", "--corpus", str(corpus), "--out", str(tmp_path / "o"), "--quiet", "--model", "blank",
                  "--rules", str(tmp_path / "r")]) == 1
    assert "roles.yaml:" in capsys.readouterr().err


@pytest.mark.parametrize("case", ["missing corpus", "config typo", "bad config type"])
def test_exit_2_bad_input(case, corpus, tmp_path, capsys):
    args = ["run", "--corpus", str(corpus), "--out", str(tmp_path / "o"), "--quiet", "--model", "blank"]
    if case == "missing corpus":
        args[2] = str(tmp_path / "nichtda")
    else:
        cfg = tmp_path / "c.yaml"
        cfg.write_text("batch_sise: 4\n" if case == "config typo" else "batch_size: viele\n", encoding="utf-8")
        args += ["--config", str(cfg)]
    assert _code(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    if case == "config typo":
        assert "unknown key `batch_sise` (did you mean `batch_size`?)" in err


def test_exit_3_nothing_processed(tmp_path, capsys):
    c = tmp_path / "c"
    c.mkdir()
    (c / "bild.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    assert _code(["run", "--corpus", str(c), "--out", str(tmp_path / "o"), "--quiet", "--model", "blank"]) == 3
    assert "no document could be processed" in capsys.readouterr().err


def test_exit_codes_are_in_help(capsys):
    assert _code(["--help"]) == 0
    out = capsys.readouterr().out
    assert EXIT_CODES_HELP.splitlines()[0] in out and "3    no document could be processed" in out
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "`3` no document could be processed" in readme


def test_config_refuses_unknown_keys_and_names_the_nested_key(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("modell: blank\ningest:\n  extension: ['.txt']\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(cfg)
    msg = str(exc.value)
    assert "unknown key `modell` (did you mean `model`?)" in msg
    assert "unknown key `ingest.extension` (did you mean `extensions`?)" in msg
    assert load_config()["batch_size"] == 16


def test_version_names_the_program():
    out = subprocess.run([sys.executable, "-m", "pipeline", "--version"], capture_output=True, text=True, cwd=REPO)
    assert out.stdout.strip() == f"python -m pipeline (de-report-pipeline) {__version__}"
    script = Path(sys.executable).with_name("de-pipeline")
    if script.exists():
        out = subprocess.run([str(script), "--version"], capture_output=True, text=True)
        assert out.stdout.strip() == f"de-pipeline (de-report-pipeline) {__version__}"


def test_no_progress_bar_into_pipes_and_logging_levels(corpus, tmp_path):
    base = [sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--model", "blank"]
    quiet = subprocess.run(base + ["--out", str(tmp_path / "a")], capture_output=True, text=True, cwd=REPO)
    assert quiet.returncode == 0 and "\r" not in quiet.stderr and "documents:" not in quiet.stderr
    assert "documents: 1" in quiet.stdout  # the summary stays on stdout
    verbose = subprocess.run(base + ["--out", str(tmp_path / "b"), "--verbose"], capture_output=True, text=True, cwd=REPO)
    assert "INFO pipeline: tables written:" in verbose.stderr and "\r" not in verbose.stderr
    debug = subprocess.run([sys.executable, "-m", "pipeline", "--log-level", "error", "run", "--corpus", str(corpus),
                            "--model", "blank", "--out", str(tmp_path / "c")], capture_output=True, text=True, cwd=REPO)
    assert debug.returncode == 0 and "INFO" not in debug.stderr


def test_shard_results_keep_only_the_current_configuration(corpus, tmp_path):
    out = tmp_path / "o"
    args = ["run", "--corpus", str(corpus), "--out", str(out), "--quiet", "--model", "blank"]
    assert _code(args) == 0
    first = {d.name for d in (out / ".shards").iterdir()}
    assert first and all(name.startswith("s") for name in first)
    cfg = tmp_path / "c.yaml"
    cfg.write_text("batch_size: 3\n", encoding="utf-8")  # another configuration: another fingerprint
    assert _code(args + ["--config", str(cfg), "--keep-cache"]) == 0
    both = {d.name for d in (out / ".shards").iterdir()}
    assert len(both) == 2 * len(first) and first < both
    assert _code(args) == 0
    assert {d.name for d in (out / ".shards").iterdir()} == first


def test_make_explain_works():
    make = subprocess.run(["make", "-n", "explain", "TEXT=Landrat Tjark Bartels kam."], capture_output=True, text=True, cwd=REPO)
    assert make.returncode == 0 and "pipeline explain" in make.stdout and "Landrat Tjark Bartels kam." in make.stdout


def test_exit_130_interrupted(corpus, tmp_path, monkeypatch, capsys):
    import pipeline.run

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline.run, "run_corpus", interrupted)
    assert _code(["run", "--corpus", str(corpus), "--out", str(tmp_path / "o"), "--quiet", "--model", "blank"]) == 130
    assert capsys.readouterr().err.strip() == "interrupted"
