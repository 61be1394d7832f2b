"""German quantities: numbers with qualifier, unit and kind (the figures stage's mechanism).

Like `pipeline/temporal/` for dates: data in `pipeline/rules/figures/` (vocabularies and the
rule declarations `rules/*.yaml`, each rule an id with examples and negatives), mechanism here.
Recognisers per dimension, as in Duckling: `count`, `money`, `percent`, `measure`,
`multiplier`, `ordinal`, over the one German number parser (`pipeline/numbers.py`, used by
`numeral.py`); `units.py` (unit attachment), `coordination.py` (units across figures),
`modifiers.py` (qualifiers, signs, ranges), `vetoes.py` (numbers that are not figures),
`metadata.py` (footer values); `finder.py` dispatches; `schema.py` compiles the rule files.
"""

from .declarations import EMITTED, FigureRule
from .finder import find_figures
from .schema import RULE_FILES, FigureRules, compile_rules

__all__ = ["EMITTED", "RULE_FILES", "FigureRule", "FigureRules", "compile_rules", "find_figures"]
