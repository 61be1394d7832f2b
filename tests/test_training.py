"""Converters of pipeline.training on small inline excerpts (no shared data needed)."""

from __future__ import annotations

import spacy
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from pipeline.training import convert, evaluate

GERMEVAL = """\
#\thttp://de.wikipedia.org/wiki/Test\t[2009-10-23]
1\tDie\tO\tO
2\tBertelsmann-Stiftung\tB-ORG\tB-ORGpart
3\taus\tO\tO
4\tGütersloh\tB-LOC\tO
5\tlobt\tO\tO
6\tAngela\tB-PER\tO
7\tMerkel\tI-PER\tO
8\tund\tO\tO
9\tdie\tO\tO
10\tdeutsche\tB-LOCderiv\tO
11\tFußball-Bundesliga\tB-ORGpart\tO
12\tim\tO\tO
13\tKolpingwerk\tB-OTH\tO
14\t.\tO\tO

#\thttp://de.wikipedia.org/wiki/Zwei\t[2009-10-24]
1\tNew\tB-LOCderiv\tO
2\tYorker\tI-LOCderiv\tO
3\tZeitung\tO\tO
"""

WIKIANN = """\
de:als\tO
de:Teil\tO
de:der\tO
de:Savoyer\tB-LOC
de:Voralpen\tI-LOC
de:.\tO

de:Kurt I-PER
de:Beck I-PER
de:( O
de:SPD B-ORG
de:)\tO
"""

EUROPEANA = """\
# file:\t\tF_SBB_00001_18800101_009_001_0_003
# sbb url:\thttp://example.org/x
Sein O
Besuch O
bei O
Grevy B-PEr
in O
Paris B-LOC
. O
Die Böhminger O
Zeitung B-ORG
worden
des ???
Reichstag I-ORG
und O
Wien B-LOC
! O
Graf B-MISC
"""

CONLLU = """\
# sent_id = t1
# text = Er geht zum Bahnhof.
1\tEr\ter\tPRON\tPPER\tCase=Nom\t2\tnsubj\t_\t_
2\tgeht\tgehen\tVERB\tVVFIN\t_\t0\troot\t_\t_
3-4\tzum\t_\t_\t_\t_\t_\t_\t_\t_
3\tzu\tzu\tADP\tAPPR\t_\t5\tcase\t_\t_
4\tdem\tder\tDET\tART\t_\t5\tdet\t_\t_
5\tBahnhof\tBahnhof\tNOUN\tNN\tGender=Masc\t2\tobl\t_\tSpaceAfter=No
6\t.\t.\tPUNCT\t$.\t_\t2\tpunct\t_\t_

# sent_id = t2
# text = Ja
1\tJa\tja\tINTJ\tITJ\t_\t0\troot\t_\t_
"""


def test_germeval_outer_column_misc_and_deriv_part_dropped():
    sents = convert.parse_germeval(GERMEVAL)
    assert len(sents) == 2
    s = sents[0]
    assert s.words[1] == "Bertelsmann-Stiftung"
    assert s.tags == ["O", "B-ORG", "O", "B-LOC", "O", "B-PER", "I-PER", "O", "O",
                      "O", "O", "O", "B-MISC", "O"]
    # deriv with an I- continuation is dropped entirely
    assert sents[1].tags == ["O", "O", "O"]
    assert convert.spans(s.tags) == {(1, 2, "ORG"), (3, 4, "LOC"), (5, 7, "PER"), (12, 13, "MISC")}


def test_germeval_without_misc():
    s = convert.parse_germeval(GERMEVAL, keep=("PER", "LOC", "ORG"))[0]
    assert "B-MISC" not in s.tags and s.tags[12] == "O"


def test_wikiann_prefix_tabs_spaces_and_bio_repair():
    sents = convert.parse_wikiann(WIKIANN)
    assert [s.words for s in sents] == [
        ["als", "Teil", "der", "Savoyer", "Voralpen", "."],
        ["Kurt", "Beck", "(", "SPD", ")"],
    ]
    assert sents[0].tags[3:5] == ["B-LOC", "I-LOC"]
    # an entity starting with I- is repaired to B-
    assert sents[1].tags == ["B-PER", "I-PER", "O", "B-ORG", "O"]


def test_europeana_sentences_tags_and_noise():
    sents = convert.parse_europeana(EUROPEANA, min_len=1)
    words = [w for s in sents for w in s.words]
    assert "file:" not in words and "url:" not in words
    first = sents[0]
    assert first.words == ["Sein", "Besuch", "bei", "Grevy", "in", "Paris", "."]
    assert first.tags == ["O", "O", "O", "B-PER", "O", "B-LOC", "O"]  # B-PEr repaired
    second = sents[1]
    # "Die Böhminger O" has a space inside the token column: two tokens, both O
    assert second.words[:2] == ["Die", "Böhminger"]
    assert second.words[-1] == "!"
    tags = dict(zip(second.words, second.tags))
    assert tags["Zeitung"] == "B-ORG" and tags["worden"] == "O" and tags["des"] == "O"
    assert tags["Reichstag"] == "B-ORG"  # I- after O -> B-
    assert tags["Wien"] == "B-LOC"
    # MISC is not a Europeana label of the model
    assert sents[2].tags == ["O"]


def test_europeana_max_len_cuts_outside_entities():
    text = "\n".join(f"w{i} O" for i in range(25)) + "\nBerlin B-LOC\nMitte I-LOC\n"
    sents = convert.parse_europeana(text, max_len=10, min_len=1)
    assert all(len(s.words) <= 11 for s in sents)
    assert sum(len(s.words) for s in sents) == 27
    assert convert.spans(sents[-1].tags) == {(len(sents[-1].words) - 2, len(sents[-1].words), "LOC")}


def test_conllu_multiword_tokens():
    sents = convert.parse_conllu(CONLLU)
    assert len(sents) == 2
    s = sents[0]
    assert s.words == ["Er", "geht", "zu", "dem", "Bahnhof", "."]
    assert s.lemmas == ["er", "gehen", "zu", "der", "Bahnhof", "."]
    assert s.pos == ["PRON", "VERB", "ADP", "DET", "NOUN", "PUNCT"]
    assert s.spaces == [True, True, False, True, False, True]
    assert s.morphs[0] == "Case=Nom" and s.morphs[1] == ""
    assert s.text == "Er geht zum Bahnhof."
    doc = convert.udsent_to_doc(Vocab(), s)
    assert [t.pos_ for t in doc] == s.pos and doc[2].lemma_ == "zu"


def test_docbin_roundtrip():
    sents = convert.parse_germeval(GERMEVAL)
    db = convert.sents_to_docbin(sents)
    data = db.to_bytes()
    nlp = spacy.blank("de")
    docs = list(DocBin().from_bytes(data).get_docs(nlp.vocab))
    assert len(docs) == 2
    assert [(e.text, e.label_) for e in docs[0].ents] == [
        ("Bertelsmann-Stiftung", "ORG"), ("Gütersloh", "LOC"), ("Angela Merkel", "PER"),
        ("Kolpingwerk", "MISC")]
    assert docs[1].has_annotation("ENT_IOB") and not docs[1].ents


def test_normalise_tag():
    assert convert.normalise_tag("B-OTH") == "B-MISC"
    assert convert.normalise_tag("I-PERderiv") == "O"
    assert convert.normalise_tag("b-loc") == "B-LOC"
    assert convert.normalise_tag("???") == "O"
    assert convert.normalise_tag("B-BER") == "O"


def test_score_spans_micro_over_core_labels():
    gold = [{(0, 1, "PER"), (2, 3, "LOC"), (4, 5, "MISC")}]
    pred = [{(0, 1, "PER"), (2, 4, "LOC"), (4, 5, "MISC")}]
    res = evaluate.score_spans(gold, pred)
    assert res["per_label"]["PER"]["f"] == 1.0
    assert res["per_label"]["LOC"]["f"] == 0.0
    m = res["micro_PER_LOC_ORG"]
    assert (m["tp"], m["fp"], m["fn"]) == (1, 1, 1)  # MISC not counted in the micro


# German Legal Entity Recognition (LER) excerpts, verbatim from ler_dev.conll (court
# decisions; Leitner, Rehm, Moreno-Schneider, LREC 2020; CC BY 4.0).  The file has CRLF
# line ends, kept here.
LER = "\r\n".join("""\
Richter O
am O
BAG B-GRT
Waskowist B-RR
an O
der O
Beifügung O
der O
Unterschrift O
verhindert O
Gräfl B-RR

DB B-UN
Job-Ticket O

Der O
Kläger O
betrieb O
vormals O
eine O
Anwaltssozietät O
mit O
Rechtsanwalt O
C. B-AN
B. I-AN
in O
F. B-ST
. O

Haftbefehl O
der O
Staatsanwaltschaft B-INN
des I-INN
Bezirks I-INN
Kopyl I-INN
( O
Weißrussland B-LD
) O

Ostkreuz B-STR

der O
angemeldeten O
Wortmarke O
Wohlfühlfarbe B-MRK
in O
Bezug O
auf O
die O
beschwerdegegenständlichen O
Waren O
an O
Unterscheidungskraft O
nach O
§ B-GS
8 I-GS
Abs. I-GS
2 I-GS
Nr. I-GS
1 I-GS
MarkenG I-GS
fehlt O
. O
""".split("\n"))


def test_ler_fine_labels_mapped_to_per_loc_org():
    sents = convert.parse_ler(LER)
    assert [len(s.words) for s in sents] == [11, 2, 13, 9, 1, 22]
    got = [sorted((" ".join(s.words[a:b]), lab) for a, b, lab in convert.spans(s.tags))
           for s in sents]
    assert got[0] == [("BAG", "ORG"), ("Gräfl", "PER"), ("Waskowist", "PER")]  # GRT, RR
    assert got[1] == [("DB", "ORG")]  # UN (company)
    assert got[2] == [("C. B.", "PER"), ("F.", "LOC")]  # AN (lawyer), ST (city)
    assert got[3] == [("Staatsanwaltschaft des Bezirks Kopyl", "ORG"),  # INN
                      ("Weißrussland", "LOC")]  # LD (country)
    assert got[4] == [("Ostkreuz", "LOC")]  # STR (street)
    assert got[5] == []  # MRK (trademark) and GS (statute) are not PER/LOC/ORG
    assert sents[2].words[-1] == "."  # no carriage return left on a token


def test_ler_tag():
    assert convert.ler_tag("B-GRT") == "B-ORG"
    assert convert.ler_tag("I-LDS\r") == "I-LOC"
    assert convert.ler_tag("I-RR") == "I-PER"
    for tag in ("B-EUN", "I-VO", "B-RS", "B-LIT", "B-VT", "B-VS", "B-MRK", "O", "X"):
        assert convert.ler_tag(tag) == "O"


def test_ler_is_an_optional_sampled_source(tmp_path):
    from pipeline.training import corpora

    data = tmp_path / "data"
    (data / "ner" / "germeval2014").mkdir(parents=True)
    (data / "ner" / "ler-de").mkdir(parents=True)
    (data / corpora.GERMEVAL_TRAIN).write_text(GERMEVAL, encoding="utf-8")
    (data / corpora.LER.format(split="x")).write_text(LER, encoding="utf-8")
    recipe = corpora.Recipe(wikiann=[], ler=["x"], ler_limit=4, quick_dev=1, misc=False)
    stats = corpora.build(data, tmp_path / "out", recipe)
    assert stats["ler"] == 4
    assert stats["train_docs"] == 1 + 4  # one GermEval sentence trains, one is quick-dev
    without = corpora.build(data, tmp_path / "out2", corpora.Recipe(wikiann=[], quick_dev=1))
    assert without["ler"] == 0 and without["train_docs"] == 1


def test_pretraining_text_is_deduplicated_and_never_reads_germeval_dev(tmp_path):
    """`spacy pretrain` text: the licensed unlabelled sources, one JSONL line per distinct
    sentence; GermEval dev (the benchmark) must never be in it, not even as raw text."""
    import gzip
    import json

    from pipeline.training import corpora, pretrain

    data = tmp_path / "data"
    (data / "ner" / "germeval2014").mkdir(parents=True)
    (data / "text").mkdir(parents=True)
    (data / corpora.GERMEVAL_TRAIN).write_text(GERMEVAL, encoding="utf-8")
    (data / corpora.GERMEVAL_DEV).write_text(GERMEVAL.replace("Kolpingwerk", "Benchmarkwort"), encoding="utf-8")
    court = "Das Landgericht Hamburg wies die Klage ab .\n"
    with gzip.open(data / "text" / "ler-courts.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write(court + court + "Die Revision wird nicht zugelassen .\n")
    out = tmp_path / "pt" / "raw.jsonl"
    stats = pretrain.build_raw_text(data, out, sources=("ler-courts", "germeval-test"))
    texts = [json.loads(line)["text"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(texts) == len(set(texts)) == stats["sentences"] == 2 + 2  # the repeated court line once
    assert any("Bertelsmann-Stiftung" in t for t in texts)
    assert not any("Benchmarkwort" in t for t in texts)
    assert stats["per_source"] == {"ler-courts": 3, "germeval-test": 2}
