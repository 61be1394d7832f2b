"""Example plugin: a stage that extracts vehicle licence plates (`HM-AB 123`).

It shows the three things a code extension needs (docs/plugin-example.md):
1. a spaCy component factory registered by name (`de_plates`) that takes `rules_dirs`,
2. its vocabulary and pattern in a rules file (`rules/plates/plates.yaml`), read through
   the layered `load_rules`, with a checker that runs the file's examples,
3. rows appended with `add_rows(doc, "plates", …)`: the writer turns every table it finds
   into `plates.parquet`, `plates.csv` and a DuckDB table, with no change elsewhere.

Enable it with a configuration that imports the module and lists the stage:

    plugins: [pipeline.plugins.plates]
    stages: [de_entities, de_dates, de_figures, de_normalise, de_plates]
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from ..document import add_rows, in_regions
from ..rulebook import (
    RuleError,
    Rules,
    compile_regex,
    line_of,
    load_rules,
    rule_checker,
)

RULE_FILE = "plates/plates.yaml"


class PlateFinder:
    def __init__(self, rules: Rules):
        f = rules.require(RULE_FILE)
        data = rules.yaml(f)
        if not isinstance(data, dict) or "pattern" not in data or not isinstance(data.get("districts"), dict):
            raise RuleError(f.path, line_of(data, 1), "needs `pattern` and a `districts` mapping")
        self.regex = compile_regex(data["pattern"], f.path, data.key_lines.get("pattern"))
        self.districts = {str(k): str(v) for k, v in data["districts"].items()}
        self.examples = data.get("examples") or []
        self.path = f.path

    def find(self, text: str) -> list[dict]:
        rows = []
        for m in self.regex.finditer(text):
            code = m.group("code")
            if code not in self.districts:
                continue
            rows.append({
                "start_char": m.start(), "end_char": m.end(), "text": m.group(),
                "district_code": code, "district": self.districts[code],
                "rule": f"{RULE_FILE}:pattern",
            })
        return rows


@Language.factory("de_plates", default_config={"rules_dirs": []}, assigns=["doc._.rows"])
def make_plates(nlp: Language, name: str, rules_dirs: list[str]):
    finder = PlateFinder(load_rules(rules_dirs))

    def plates(doc: Doc) -> Doc:
        rows = [r for r in finder.find(doc.text) if not in_regions(doc, r["start_char"], r["end_char"])]
        add_rows(doc, "plates", rows)
        return doc

    return plates


@rule_checker("plates")
def check_plates(rules: Rules, config: dict, nlp) -> list[RuleError]:
    if rules.file(RULE_FILE) is None:
        return []
    finder = PlateFinder(rules)
    problems = []
    examples = finder.examples
    for i, ex in enumerate(examples):
        line = examples.item_lines[i] if hasattr(examples, "item_lines") else None
        got = [r["text"] for r in finder.find(ex.get("text", ""))]
        if got != list(ex.get("plates", [])):
            problems.append(RuleError(finder.path, line, f"example {ex.get('text')!r}: expected {ex.get('plates')}, got {got}"))
    return problems
