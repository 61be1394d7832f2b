"""Property on real text (issue 10): over a fixed sample of the 10kGNAD test articles and
the speeches, the whole pipeline produces no mention, canonical form or counted unit that
is not a word -- punctuation only (`.`, `)`), digits only (`3`) or a single letter (`E`,
`S.`).  The sample is every 15th text plus the texts where such rows were seen
(`König Felipe VI.`, `knapp 1.700. Allerdings`, `"E" und "U"`, `Nach A1 und "3"`, `Frau S.`,
`von A nach B`, `G 9 X`, `(66. Ibser)`); about 230,000 characters."""

from __future__ import annotations

import csv
import json

from conftest import SHARED, needs_shared

GNAD = SHARED / "data" / "text" / "10kgnad-test.csv"
SPEECHES = SHARED / "data" / "text" / "speeches.json"
STRIDE = 15
GNAD_SEEN = (7, 57, 134, 228, 379, 398, 518, 540, 869)  # rows where junk was seen
SPEECHES_SEEN = (317,)


def non_word(text: str) -> bool:
    """Punctuation only, digits only, or one letter; a letter with digits (`A1`) is a name."""
    alnum = [ch for ch in text if ch.isalnum()]
    return not alnum or all(ch.isdigit() for ch in alnum) or len(alnum) == 1


def _sample() -> list[tuple[str, str]]:
    with open(GNAD, encoding="utf-8") as f:
        gnad = [row[1] for row in csv.reader(f, delimiter=";", quotechar="'")]
    speeches = list(json.loads(SPEECHES.read_text(encoding="utf-8"))["speech"].values())
    out = [(f"10kgnad:{i}", t) for i, t in enumerate(gnad) if i % STRIDE == 0 or i in GNAD_SEEN]
    out += [(f"speeches:{i}", t) for i, t in enumerate(speeches) if i % STRIDE == 0 or i in SPEECHES_SEEN]
    return out


def test_non_word_definition():
    assert all(non_word(t) for t in (".", ")", "3", "1.700", "E", "S.", "–"))
    assert not any(non_word(t) for t in ("A1", "O2", "Ö24", "EU", "Herter", "Mensch"))


@needs_shared("data", "text", "10kgnad-test.csv")
@needs_shared("data", "text", "speeches.json")
def test_no_mention_or_unit_is_a_non_word(nlp):
    sample = _sample()
    assert len(sample) > 100
    bad = []
    n_mentions = n_units = 0
    for (name, text), doc in zip(sample, nlp.pipe((t for _, t in sample), batch_size=16)):
        rows = doc._.rows or {}
        for m in rows.get("mentions", []):
            n_mentions += 1
            for key in ("text", "canonical"):
                if non_word(m[key]):
                    bad.append((name, "mention", m["label"], key, m[key], m["source"]))
        for f in rows.get("figures", []):
            # counted nouns (symbols such as `%`, `m`, `°C` are measure/percent units)
            if f["unit"] is not None and f["kind"] in ("count", "ordinal"):
                n_units += 1
                if non_word(f["unit"]):
                    bad.append((name, "unit", f["kind"], f["text"], f["unit"], f["unit_source"]))
    assert n_mentions > 1000 and n_units > 50, (n_mentions, n_units)
    assert not bad, bad
