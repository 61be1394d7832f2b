"""Lint for entity pattern files (spaCy EntityRuler JSONL under `entities/`).

The entities stage refuses the first bad pattern it meets when it builds; this checker
reads every pattern file of every layer and reports *every* problem, one
`file:line: message` each, so an analyst fixes a file in one round:

- a missing or malformed `label`; a label that looks like a typo of a known one
  (`org`, `PERSON`, `LOCATION` → "did you mean …?").  New labels are welcome
  (`PROJECT`): a label is an upper-case identifier;
- a `pattern` that is neither a phrase nor a valid spaCy token pattern (validated by
  spaCy's own Matcher schema);
- an exact duplicate (same label, same pattern) and a conflict (the same phrase with two
  different labels) within one layer, gazetteer files excepted (the compiled place
  gazetteer may overlap curated lists on purpose: curated rules win, see entities.py).
  Across layers a repeated phrase is not a problem: the later layer's label wins, which
  is how an analyst overrides a built-in decision.
"""

from __future__ import annotations

import json
import re
import unicodedata
from difflib import get_close_matches

from .names.lexicon import phrase_key
from .rulebook import RuleError, Rules, rule_checker

KNOWN_LABELS = ("PER", "LOC", "ORG", "MISC")
LABEL_ALIASES = {
    "PERSON": "PER", "PERS": "PER", "LOCATION": "LOC", "GPE": "LOC", "PLACE": "LOC",
    "ORGANIZATION": "ORG", "ORGANISATION": "ORG", "ORGANISATIONEN": "ORG", "OTH": "MISC",
}
LABEL_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
PATTERN_GLOB = "entities/**/*.jsonl"


def label_problem(label) -> str | None:
    if not isinstance(label, str) or not label.strip():
        return "pattern needs a non-empty string `label`"
    if label in KNOWN_LABELS:
        return None
    hint = LABEL_ALIASES.get(label.upper()) or (label.upper() if label.upper() in KNOWN_LABELS else None)
    if hint is None:
        close = get_close_matches(label.upper(), KNOWN_LABELS, n=1, cutoff=0.75)
        hint = close[0] if close and label.upper() != close[0] else None
    if hint:
        return f"unknown label {label!r} (did you mean {hint}?)"
    if not LABEL_RE.match(label):
        return f"label {label!r} must be an upper-case identifier such as PROJECT"
    return None


def _phrase_key(text: str) -> str:
    """Two phrase patterns are duplicates when the phrase matcher cannot tell them apart."""
    return phrase_key(unicodedata.normalize("NFC", text))


@rule_checker("entity_patterns")
def check_entity_patterns(rules: Rules, config: dict, nlp) -> list[RuleError]:
    import spacy
    from spacy.matcher import Matcher

    vocab = (nlp.vocab if nlp is not None else spacy.blank("de").vocab)
    problems: list[RuleError] = []
    seen: dict[tuple[str, str, str], tuple[str, int]] = {}  # (layer, label, pattern) -> where
    phrases: dict[tuple[str, str], tuple[str, str, int]] = {}  # (layer, phrase) -> (label, file, line)
    for f in rules.files(PATTERN_GLOB):
        try:
            entries = rules.jsonl(f)
        except RuleError as exc:
            problems.append(exc)
            continue
        curated = "/gazetteer/" not in f"/{f.rel}"
        for line, obj in entries:
            label = obj.get("label")
            msg = label_problem(label)
            if msg:
                problems.append(RuleError(f.path, line, msg))
                continue
            pattern = obj.get("pattern")
            if isinstance(pattern, str):
                if not pattern.strip():
                    problems.append(RuleError(f.path, line, "`pattern` must be a string or a non-empty list of token specs"))
                    continue
            elif isinstance(pattern, list) and pattern and all(isinstance(p, dict) for p in pattern):
                try:
                    Matcher(vocab, validate=True).add("lint", [pattern])
                except (ValueError, KeyError, TypeError) as exc:
                    lines = [l.strip() for l in str(exc).strip().splitlines() if l.strip()]
                    detail = "; ".join(l.lstrip("- ") for l in lines if l.startswith("- ")) or (lines[0] if lines else "")
                    problems.append(RuleError(f.path, line, f"invalid token pattern: {detail[:200]}"))
                    continue
            else:
                problems.append(RuleError(f.path, line, "`pattern` must be a string or a non-empty list of token specs"))
                continue
            if not curated:
                continue
            key = (f.layer, label, json.dumps(pattern, sort_keys=True, ensure_ascii=False) if not isinstance(pattern, str) else _phrase_key(pattern))
            if key in seen:
                where = seen[key]
                problems.append(RuleError(f.path, line, f"duplicate pattern (same as {where[0]}:{where[1]})"))
                continue
            seen[key] = (str(f.path), line)
            if isinstance(pattern, str):
                other = phrases.get((f.layer, key[2]))
                if other and other[0] != label:
                    problems.append(RuleError(
                        f.path, line,
                        f"conflicting label {label} for {pattern!r}: {other[1]}:{other[2]} says {other[0]}",
                    ))
                else:
                    phrases.setdefault((f.layer, key[2]), (label, str(f.path), line))
    return problems
