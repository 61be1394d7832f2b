"""Rule validation: `python -m pipeline rules check` and the check before every run.

Assembly layer.  Generic checks (every YAML/JSONL/list file parses) live here; each stage
module registers its own with `rulebook.rule_checker` (schema, regex compilation, labels, duplicates, and running the
examples written beside the rules).  Every problem is a `RuleError` printed as
`file:line: message`.
"""

from __future__ import annotations

from .rulebook import CHECKERS, RuleError, load_rules


def _import_stages() -> None:
    # Importing the stage modules registers their factories and checkers.
    from . import dates, entities, figures, lint, normalise, tokenize  # noqa: F401


def check_rules(config: dict, run_examples: bool = True) -> list[RuleError]:
    import importlib

    _import_stages()
    for module in config.get("plugins") or []:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            return [RuleError("<config>", None, f"plugin module {module!r} cannot be imported: {exc}")]
    try:
        rules = load_rules(config.get("rules", []))
    except RuleError as exc:
        return [exc]
    from .rulebook import check_extensions

    problems: list[RuleError] = check_extensions(rules)
    for f in rules.files():
        try:
            if f.path.suffix in (".yaml", ".yml"):
                rules.yaml(f)
            elif f.path.suffix == ".jsonl":
                rules.jsonl(f)
            elif f.path.suffix == ".txt":
                rules.lines(f)
        except RuleError as exc:
            problems.append(exc)
    # no early return: the stage checkers below report the other files' problems in the
    # same round (a file that did not parse repeats its one problem, deduplicated below)
    nlp = None
    if run_examples:
        from .assembly import build_nlp

        try:
            nlp, _ = build_nlp(config)
        except RuleError as exc:
            problems.append(exc)  # keep going: the checkers below report the rest
    for name, checker in sorted(CHECKERS.items()):
        try:
            problems.extend(checker(rules, config, nlp))
        except RuleError as exc:
            problems.append(exc)
    # `run` applies the same validation as `rules check`, examples aside: a pattern that
    # backtracks catastrophically stops the run before any document is read
    from .rulebook import COMPILED, stress_test_regex

    in_use = {str(f.path) for f in rules.files()}
    for (path, line, _), rx in sorted(COMPILED.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[0][2])):
        if path not in in_use:  # compiled earlier in this process from other layers
            continue
        problem = stress_test_regex(rx, path, line)
        if problem is not None:
            problems.append(problem)
    return _dedupe(problems)


def _dedupe(problems: list[RuleError]) -> list[RuleError]:
    seen, out = set(), []
    for p in problems:
        key = p.format()
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
