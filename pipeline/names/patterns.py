"""Token patterns of the entity rule files -> native spaCy Matcher predicates."""

from __future__ import annotations

import re

from .lexicon import EntityRules


def _role_regex(er: EntityRules) -> str:
    forms = sorted(er.roles.forms, key=len, reverse=True)
    ends = sorted({e for e, _ in er.roles.suffixes}, key=len, reverse=True)
    alt = "|".join(re.escape(f) for f in forms)
    suf = "|".join(re.escape(e) for e in ends)
    return rf"^(?:{alt}|[A-ZÄÖÜ][\w-]{{2,}}?(?:{suf}))$"


def compile_token_pattern(pattern: list, er: EntityRules) -> list:
    """Lexicon flags -> native Matcher predicates (same meaning, much faster).

    `{"_": {"lex_first_names": true}}` becomes `{"TEXT": {"IN": [...]}}`; negative flags
    become one `LOWER NOT_IN` set; `lex_roles` becomes a TEXT regex of the role forms and
    compound endings.  A flag is left as `_` when the token spec already uses that key.
    """
    out = []
    for spec in pattern:
        if not isinstance(spec, dict) or not isinstance(spec.get("_"), dict):
            out.append(spec)
            continue
        spec = dict(spec)
        ext = dict(spec.pop("_"))
        negative: set = set()
        negative_attrs: list[str] = []
        for attr in list(ext):
            if not attr.startswith("lex_") or not isinstance(ext[attr], bool):
                continue
            name = attr[4:]
            words = er.lexicons.get(name)
            if words is None:
                continue
            if ext[attr] is False:
                negative |= {w.lower() for w in words}
                negative_attrs.append(attr)
                del ext[attr]
            elif name == "roles" and "TEXT" not in spec:
                spec["TEXT"] = {"REGEX": _role_regex(er)}
                del ext[attr]
            elif name != "roles" and "TEXT" not in spec:
                spec["TEXT"] = {"IN": sorted(words)}
                del ext[attr]
            elif name != "roles" and "LOWER" not in spec:
                spec["LOWER"] = {"IN": sorted({w.lower() for w in words})}
                del ext[attr]
        if negative:
            if "LOWER" not in spec:
                spec["LOWER"] = {"NOT_IN": sorted(negative)}
            else:
                ext.update({a: False for a in negative_attrs})
        if ext:
            spec["_"] = ext
        out.append(spec)
    return out
