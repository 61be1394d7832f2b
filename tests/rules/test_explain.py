"""`python -m pipeline explain`: every extraction with the rule or model behind it."""

from __future__ import annotations

from pipeline.cli import main

TEXT = ("Vorfall | Brand |\n---|---|\nOrt | Hamm |\n"
        "Oberbürgermeister Marc Herter besuchte am 3. März 2025 über 40 Initiativen in Hamm.")


def test_explain_text(capsys):
    assert main(["explain", TEXT, "--model", "blank", "--date", "2025-03-04"]) == 0
    out = capsys.readouterr().out
    assert "document date: 2025-03-04" in out
    assert "metadata (2)" in out and "'Vorfall'" in out
    for section in ("mentions (", "dates (", "figures ("):
        assert section in out


def test_explain_doc(capsys):
    assert main(["explain", "--doc", "004_b558a796c9db3dcc", "--model", "blank"]) == 0
    out = capsys.readouterr().out
    assert "'Analysierte Forenbeiträge'" in out


def test_explain_needs_input(capsys):
    import pytest

    with pytest.raises(SystemExit) as exc:
        main(["explain"])
    assert exc.value.code == 2
