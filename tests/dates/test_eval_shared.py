"""eval-dates on the shared Recognizers-Text cases (skipped without /work/shared)."""

from __future__ import annotations

from conftest import SHARED, needs_shared


@needs_shared("eval", "recognizers_de", "date.jsonl")
def test_recognizers_common_ground_agreement():
    from pipeline.dates import grammar_for
    from pipeline.evaluation.dates import score_recognizers
    from pipeline.rulebook import load_rules

    out = score_recognizers(SHARED / "eval", grammar_for(load_rules()))
    line = next(l for l in out.splitlines() if l.startswith("| ALL") and "stage" in l)
    common = float(line.rstrip(" |").split("|")[-1].strip().rstrip("%")) / 100
    assert common >= 0.85, line


def test_expected_value_mapping():
    from pipeline.evaluation.dates import agrees, expected_values

    e = {"Value": {"Timex": "(2016-11-08,2016-11-12,P4D)"}}
    assert agrees("2016-11-08/2016-11-11", expected_values(e))
    assert agrees("2016-11-01TEV", {"XXXX-WXX-2TEV"})  # 2016-11-01 is a Tuesday
    assert agrees("T16:00", expected_values({"Value": {"Timex": "T16"}}))
