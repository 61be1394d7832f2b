"""Required literals of a rule pattern: a cheap test before the regex runs on a window.

`required_literals(pattern)` is a set of strings such that every match of the pattern
contains at least one of them (or None when no such set is known).  `extract.candidates`
runs a rule on a window only when one of its literals occurs in the window's text: a
substring test instead of the regex, and the same matches, since a window without any of
them cannot hold a match.

The set is read from the pattern's syntax tree (Python's own regex parser; a pattern it
cannot parse, e.g. one using syntax only the `regex` module knows, has no prefilter):
- a run of literal characters is required as written;
- a sequence requires the most selective requirement of its parts;
- an alternation requires one of its branches' requirements (none if a branch has none);
- a group or a repeat of at least one requires what its content requires;
- character classes, optional parts, lookarounds and case-insensitive groups require
  nothing (their text is not fixed or not part of the match).
"""

from __future__ import annotations

import re

try:  # Python >= 3.11
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

# a requirement worth checking: not longer than this many alternatives
MAX_LITERALS = 400


def required_literals(pattern: str) -> frozenset[str] | None:
    try:
        parsed = _p.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    if parsed.state.flags & _c.SRE_FLAG_IGNORECASE:
        return None
    req = _seq(list(parsed))
    if not req or "" in req or len(req) > MAX_LITERALS:
        return None
    return frozenset(req)


def _score(req: frozenset[str]) -> tuple[int, int]:
    # longer shortest literal first (fewer windows pass), then fewer alternatives
    return (min(len(s) for s in req), -len(req))


def _seq(items: list) -> frozenset[str] | None:
    options: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            options.append(frozenset(["".join(run)]))
            run = []
        req = _item(op, av)
        if req:
            options.append(req)
    if run:
        options.append(frozenset(["".join(run)]))
    return max(options, key=_score) if options else None


def _item(op, av) -> frozenset[str] | None:
    if op is _c.SUBPATTERN:
        _group, add_flags, _del_flags, p = av
        if add_flags & _c.SRE_FLAG_IGNORECASE:
            return None
        return _seq(list(p))
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _seq(list(av))
    if op is _c.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            req = _seq(list(alt))
            if not req:
                return None
            out |= req
        return frozenset(out)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        lo, _hi, p = av
        return _seq(list(p)) if lo >= 1 else None
    return None  # classes, anchors, lookarounds, back references: nothing fixed
