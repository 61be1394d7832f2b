"""The `may_start` prefilter of `number_at`, property-tested: it never drops a token at which the
full recognisers (`recognise`, every step in turn) read a number.  Tokens are number-like
strings (digits in German formats, glued units, ranges, fractions) and words of the figure rule
files (number parts composed, ordinals, multipliers, fractions, vague plurals, scale words,
glued suffixes), in running sequences so that the context steps (`die Hälfte der`, `jeder
zweite`, `Fr. 1.80`, `, 5`) see their neighbours."""

from __future__ import annotations

import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokens import Doc

from pipeline.quantities import compile_rules
from pipeline.quantities.numeral import may_start, number_at, recognise
from pipeline.quantities.scan import Scan
from pipeline.rulebook import load_rules

FR = compile_rules(load_rules())
W = FR.words
VOCAB = spacy.blank("de").vocab

RULE_WORDS = sorted(
    set(W.atoms) | set(W.unit_prefixes) | set(W.hundred) | set(W.thousand) | set(W.scales) | set(W.fractions)
    | set(W.specials) | set(FR.start_words) | set(FR.mult_verbs) | set(FR.decimal_point_currencies)
    | set(FR.percent_of) | set(FR.partitive) | set(FR.distributive) | set(FR.share_articles)
    | set(FR.age_suffixes) | set(FR.mult_suffixes) | set(FR.glued_units) | {W.conjunction} - {""}
)
STEMS = sorted(set(W.ordinal_stems) | set(W.atoms))
ENDINGS = sorted(set(W.ordinal_endings) | set(FR.mult_verb_endings) | set(FR.adjective_endings) | {""})

digits = st.from_regex(r"[-−–+]?\d{1,4}([.'’ ]\d{3})?(,\d{1,3})?", fullmatch=True)
number_like = st.one_of(
    digits,
    st.builds(lambda a, sep, b: f"{a}{sep}{b}", digits, st.sampled_from(["", "-", "–", "/", ".", ","]),
              st.one_of(digits, st.sampled_from(RULE_WORDS))),
    st.builds(lambda d: d + ".", digits),
    st.from_regex(r"[-−–]?,\d{1,4}", fullmatch=True),
)
word = st.builds(lambda parts, end: "".join(parts) + end,
                 st.lists(st.sampled_from(RULE_WORDS + STEMS), min_size=1, max_size=3), st.sampled_from(ENDINGS))
glued_word = st.builds(lambda w, sep, rest: w + sep + rest, st.sampled_from(RULE_WORDS), st.sampled_from(["", "-"]),
                       st.sampled_from(RULE_WORDS + ENDINGS))
plain = st.sampled_from(["der", "die", "Stadt", "und", ",", ".", "rund", "Euro", "Jahre", "\n", "mal", "Fr."])
token = st.one_of(number_like, word, glued_word, plain).map(lambda t: t.strip() or ",")
cased = st.tuples(token, st.booleans()).map(lambda tc: tc[0][:1].upper() + tc[0][1:] if tc[1] else tc[0])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(cased, st.booleans()), min_size=1, max_size=8))
def test_prefilter_keeps_every_token_a_recogniser_reads(tokens):
    doc = Doc(VOCAB, words=[t for t, _ in tokens], spaces=[s for _, s in tokens])
    scan = Scan(doc, FR, has_pos=False, has_dep=False)
    for i in range(len(doc)):
        full = recognise(scan, i)
        if full is not None:
            assert may_start(FR, scan.texts[i]), (scan.texts[i], [t.text for t in doc])
        assert (number_at(scan, i) is None) == (full is None)


def test_prefilter_drops_plain_words_and_keeps_number_words():
    for text in ("Stadt", "der", "Bericht", "Polizei", ".", "Mio"):
        assert not may_start(FR, text) or recognise(Scan(Doc(VOCAB, words=[text]), FR), 0) is not None
    for text in ("12", "dreiundzwanzig", "Hälfte", "dritte", "Dutzend", "dreimal", "Hunderte", "verdoppelt", ","):
        assert may_start(FR, text), text
    assert not may_start(FR, "Stadt") and not may_start(FR, "Bericht")
