"""German tokenizer and sentence fixes, model loading policy."""

from __future__ import annotations

import pytest

from pipeline.assembly import ModelError, resolve_model


@pytest.mark.parametrize(
    "form, base",
    [
        ("Bürgermeister/innen", "Bürgermeister"),
        ("Kolleg/innen", "Kollegen"),
        ("Bürger:innen", "Bürger"),
        ("Bürger*innen", "Bürger"),
        ("Bürger_innen", "Bürger"),
        ("LokalpolitikerInnen", "Lokalpolitiker"),
        ("Expert/innen", "Experten"),
        ("Bürgermeister/in", "Bürgermeister"),
    ],
)
def test_gender_forms_are_one_token_with_base_norm(blank_nlp, form, base):
    doc = blank_nlp(f"Die {form}, die kamen, waren zufrieden.")
    token = doc[1]
    assert token.text == form
    assert token.norm_ == base


def test_gender_form_lemma_uses_base(blank_nlp):
    doc = blank_nlp("Mehr als 20 Bürgermeister/innen kamen.")
    assert doc[3].lemma_ == "Bürgermeister"


def test_ordinary_slash_still_splits(blank_nlp):
    doc = blank_nlp("Die Strecke Hamm/Unna ist gesperrt.")
    assert "Hamm/Unna" not in [t.text for t in doc]


def test_sentence_final_year_ends_sentence(blank_nlp):
    doc = blank_nlp("Das Netzwerk wurde im Jahr 2016. Seither trifft es sich regelmäßig.")
    sents = [s.text.strip() for s in doc.sents]
    assert sents == ["Das Netzwerk wurde im Jahr 2016.", "Seither trifft es sich regelmäßig."]
    assert [t.text for t in doc][5:7] == ["2016", "."]


def test_ordinals_in_dates_do_not_end_sentences(blank_nlp):
    doc = blank_nlp("Vom 8. – 11. November 2018 trafen sich Bürgermeister in Hameln. Es war gut.")
    sents = [s.text.strip() for s in doc.sents]
    assert len(sents) == 2
    assert "8." in [t.text for t in doc]


def test_headline_lines_are_sentences(blank_nlp):
    doc = blank_nlp("8. – 11. November 2018\n\nGesellschaftlicher Zusammenhalt in den Gemeinden:\nInternationaler Austausch\n\nHameln-Pyrmont – Mehr als 20 kamen.")
    sents = [s.text.strip() for s in doc.sents]
    assert sents[0] == "8. – 11. November 2018"
    assert "Internationaler Austausch" in sents


def test_blank_policy():
    nlp, info = resolve_model("blank")
    assert info["kind"] == "blank" and nlp.lang == "de"


def test_auto_policy_picks_an_available_model():
    nlp, info = resolve_model("auto")
    assert info["kind"] in {"official", "embedded", "blank"}
    assert nlp.lang == "de"


def test_unknown_model_is_a_one_line_error():
    with pytest.raises(ModelError) as exc:
        resolve_model("/nonexistent/model/path")
    assert "\n" not in str(exc.value)


def test_official_model_missing_says_how_to_install():
    import spacy

    if spacy.util.is_package("de_core_news_sm"):
        pytest.skip("de_core_news_sm is installed here")
    with pytest.raises(ModelError, match="spacy download de_core_news_sm"):
        resolve_model("de_core_news_sm")
