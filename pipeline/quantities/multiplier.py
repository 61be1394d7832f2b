"""Multipliers: `dreimal`, `zweifach`, `1,5-fache` (suffix), `doppelt` (word) and `verdoppelt`,
`Verdreifachung` (verb)."""

from __future__ import annotations

from .declarations import rule_id
from .scan import Num

SUFFIX = rule_id("multiplier.suffix")
WORD = rule_id("multiplier.word")
VERB = rule_id("multiplier.verb")


def resolve(num: Num, row: dict) -> None:
    row.update(unit=num.unit, kind="multiplier", unit_source="suffix" if num.unit else None,
               rule=num.rule or (WORD if num.is_word else SUFFIX))
