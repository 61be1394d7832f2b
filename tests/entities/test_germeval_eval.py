"""`--germeval`: reading the TSV, the tune/report split, the scoring and the three systems.

The sample below is made up in the GermEval 2014 format (not taken from the data set)."""

from __future__ import annotations

from pipeline.evaluation.entities import (
    germeval_errors,
    germeval_half,
    germeval_score,
    load_germeval,
    run_germeval_pipeline,
)

SAMPLE = "\n".join(
    [
        "#\thttp://example.org/a\t[2020-01-01]\t",
        "1\tAnna\tB-PER\tO",
        "2\tMuster\tI-PER\tO",
        "3\twohnt\tO\tO",
        "4\tin\tO\tO",
        "5\tBad\tB-LOC\tO",
        "6\tTölz\tI-LOC\tO",
        "7\t.\tO\tO",
        "",
        "#\thttp://example.org/b\t[2020-01-02]\t",
        "1\tDie\tO\tO",
        "2\tdeutsche\tB-LOCderiv\tO",
        "3\tPolizei\tO\tO",
        "4\tund\tO\tO",
        "5\tdas\tO\tO",
        "6\tBuch\tO\tO",
        "7\tFaust\tB-OTH\tB-PER",
        "8\tder\tO\tO",
        "9\tStadt\tB-ORG\tO",
        "10\tUlm\tI-ORG\tB-LOC",
        "11\t.\tO\tO",
        "",
    ]
)


def test_load_and_split(tmp_path):
    f = tmp_path / "sample.tsv"
    f.write_text(SAMPLE + "\n", encoding="utf-8")
    sents = load_germeval(f)
    assert [s["index"] for s in sents] == [0, 1]
    a, b = sents
    assert a["text"] == "Anna Muster wohnt in Bad Tölz ."
    assert a["spans"] == [(0, 11, "PER"), (21, 29, "LOC")]
    assert a["source"] == "http://example.org/a"
    # deriv/OTH spans are kept with their tag (scored as O), the inner column is ignored
    assert [(b["text"][s:e], t) for s, e, t in b["spans"]] == [("deutsche", "LOCderiv"), ("Faust", "OTH"), ("Stadt Ulm", "ORG")]
    assert [germeval_half(s["index"]) for s in sents] == ["tune", "report"]


def test_score_exact_spans(tmp_path):
    f = tmp_path / "sample.tsv"
    f.write_text(SAMPLE, encoding="utf-8")
    sents = load_germeval(f)
    preds = [
        [(0, 11, "PER", "model"), (21, 24, "LOC", "gazetteer")],  # boundary error on Bad Tölz
        [(4, 12, "LOC", "model"), (34, 39, "PER", "model"), (44, 53, "ORG", "model"), (0, 3, "MISC", "model")],
    ]
    res = germeval_score(sents, preds)
    assert res["PER"] == {"tp": 1, "fp": 1, "fn": 0, "precision": 0.5, "recall": 1.0, "f1": 0.667}
    assert (res["LOC"]["tp"], res["LOC"]["fp"], res["LOC"]["fn"]) == (0, 2, 1)
    assert (res["ORG"]["tp"], res["ORG"]["fp"], res["ORG"]["fn"]) == (1, 0, 0)
    assert (res["ALL"]["tp"], res["ALL"]["fp"], res["ALL"]["fn"]) == (2, 3, 1)
    kinds = sorted(e[0] for e in germeval_errors(sents, preds))
    assert kinds == ["FP LOC boundary [gazetteer]", "FP LOC on gold LOCderiv [model]", "FP PER on gold OTH [model]"]


def test_three_systems_run(tmp_path, blank_nlp):
    f = tmp_path / "sample.tsv"
    f.write_text(SAMPLE, encoding="utf-8")
    sents = load_germeval(f)
    raw, mentions, seconds = run_germeval_pipeline(blank_nlp, sents)
    assert raw == [[], []]  # a blank pipeline has no model entities
    assert any(sents[0]["text"][m[0]:m[1]] == "Bad Tölz" and m[2] == "LOC" for m in mentions[0])
    assert seconds >= 0.0
    # the evaluation components are removed again; a second run gives the same mentions
    names = list(blank_nlp.pipe_names)
    assert run_germeval_pipeline(blank_nlp, sents)[1] == mentions
    assert blank_nlp.pipe_names == names
