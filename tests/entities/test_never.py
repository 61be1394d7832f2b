"""Stop list: sentence-initial `Die`, adjectives and month/weekday names are never entities."""

from __future__ import annotations

import pytest

TEXTS = [
    "Die Stadt plant ein neues Bad. Die Kosten trägt der Bund.",
    "Die deutsche Regierung und die österreichischen Behörden einigten sich im Mai.",
    "Am Montag, dem 3. März, und im Jänner 2019 tagte der Rat. Im August wird gefeiert.",
    "Die Wiener Initiative und die Kölner Gruppe trafen sich im Niedersächsischen.",
    "Die LokalpolitikerInnen und Bürger:innen diskutierten.",
]
NEVER = {"Die", "deutsche", "österreichischen", "Mai", "Montag", "März", "Jänner", "August", "Wiener", "Kölner",
         "Niedersächsischen", "LokalpolitikerInnen", "Bürger:innen"}


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("which", ["blank_nlp", "nlp"])
def test_never_entities(request, which, text):
    nlp = request.getfixturevalue(which)
    doc = nlp(text)
    bad = [e.text for e in doc.ents if e.text in NEVER or any(t.text in NEVER for t in e[:1])]
    assert not bad, bad
    rows = doc._.rows.get("mentions", [])
    assert not [r for r in rows if r["text"] in NEVER]
