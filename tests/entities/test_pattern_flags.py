"""Token patterns with their word predicates as Lexeme flags match exactly what the plain
spaCy Matcher matches (the flags are a speed change only, names/patterns.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.matcher import Matcher

from pipeline.names.lexicon import entity_rules
from pipeline.names.patterns import FIRST_USER_FLAG, LAST_FLAG, compile_token_pattern, flag_word_predicates
from pipeline.rulebook import load_rules

GOLD = Path(__file__).resolve().parents[1] / "gold" / "texts"


def _matches(matcher: Matcher, doc) -> list[tuple[str, int, int]]:
    return sorted((doc.vocab.strings[k], s, e) for k, s, e in matcher(doc))


@pytest.fixture(scope="module")
def compiled():
    er = entity_rules(load_rules([]))
    return [(f"{label}:{rid}:{i}", compile_token_pattern(p, er)) for i, (label, rid, p, _, _) in enumerate(er.token_patterns)]


def test_flagged_patterns_match_like_python_predicates(blank_nlp, compiled):
    nlp = blank_nlp
    plain = Matcher(nlp.vocab, validate=True)
    for key, pattern in compiled:
        plain.add(key, [pattern], greedy="LONGEST")
    flagged = Matcher(nlp.vocab, validate=False)
    for (key, _), pattern in zip(compiled, flag_word_predicates([p for _, p in compiled], nlp.vocab)):
        flagged.add(key, [pattern], greedy="LONGEST")
    texts = [p.read_text(encoding="utf-8") for p in sorted(GOLD.rglob("*.txt"))]
    texts.append("Landrat Tjark Bartels sprach mit der Müller GmbH & Co. KG an der Goethestraße 12 in Hameln.")
    total = 0
    for text in texts:
        doc = nlp(text)  # the entity stage has set ENT_TYPE, which some patterns read
        want = _matches(plain, doc)
        assert _matches(flagged, doc) == want, text[:80]
        total += len(want)
    assert total > 50  # the texts exercise the patterns


def test_a_second_build_reuses_the_flags(blank_nlp, compiled):
    vocab = blank_nlp.vocab
    flag_word_predicates([p for _, p in compiled], vocab)
    before = {bit for bit in vocab.lex_attr_getters if isinstance(bit, int) and FIRST_USER_FLAG <= bit <= LAST_FLAG}
    flag_word_predicates([p for _, p in compiled], vocab)
    after = {bit for bit in vocab.lex_attr_getters if isinstance(bit, int) and FIRST_USER_FLAG <= bit <= LAST_FLAG}
    assert before == after and len(before) > 10


def test_a_word_predicate_is_a_flag_of_the_lexeme():
    nlp = spacy.blank("de")
    pattern = [{"LOWER": {"NOT_IN": ["die", "der"]}, "TEXT": {"REGEX": "^[A-ZÄÖÜ]"}, "OP": "+"}, {"ORTH": "GmbH"}]
    (flagged,) = flag_word_predicates([pattern], nlp.vocab)
    (bit,) = [k for k in flagged[0] if isinstance(k, int)]
    assert flagged[0]["OP"] == "+" and "LOWER" not in flagged[0] and flagged[1] == {"ORTH": "GmbH"}
    doc = nlp.make_doc("Die Müller und der")
    assert [t.check_flag(bit) for t in doc] == [False, True, False, False]
