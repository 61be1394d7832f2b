"""Layered rule files: the one place vocabularies and patterns are read from.

The built-in rules live in `pipeline/rules/`.  Users add layers (`--rules DIR`, repeatable):
a file with the same relative path replaces the built-in one, new files add to it.  Python
code asks for rules by relative path (`rules.yaml("dates/months.yaml")`) or by glob
(`rules.files("entities/**/*.jsonl")`) and never opens rule files itself, so layering,
checksums and `file:line` errors are handled once, here.

Formats (kept few on purpose):
- YAML (`.yaml`), safe-loaded; every mapping and list remembers the line it starts on
  (`line_of(obj)`), so a stage can report `file:line: message` for a bad entry.
- JSONL (`.jsonl`), one JSON object per line (spaCy EntityRuler patterns).
- Plain lists (`.txt`), one entry per line, `#` starts a comment.

Nothing in a rule file is executed: no `eval`, no pickles, YAML `SafeLoader` only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

import regex
import yaml

from . import patterncache

BUILTIN_RULES = Path(__file__).parent / "rules"

# Regexes from rule files run on every document; cap their size so a pasted monster
# pattern is refused at check time instead of slowing every batch.
MAX_PATTERN_LENGTH = 2000
REGEX_TIMEOUT_S = 1.0


class RuleError(Exception):
    """A problem in a rule file, printed as `path:line: message`."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(self.format())

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class LineDict(dict):
    """A YAML mapping that knows the line (1-based) it starts on."""

    line: int = 0
    key_lines: dict


class LineList(list):
    """A YAML sequence that knows its own line and each item's line."""

    line: int = 0
    item_lines: list


def line_of(obj: Any, default: int | None = None) -> int | None:
    return getattr(obj, "line", default) or default


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader that attaches line numbers to mappings and sequences (LibYAML's parser
    when PyYAML has it: the same documents, several times faster to read)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class SafeRegex:
    """A rule-file regex that runs with a time limit (the `regex` engine's `timeout`).

    One pathological pattern (catastrophic backtracking) then fails the document it hangs
    on — which lands in the `errors` table naming the rule file — instead of the batch.
    """

    __slots__ = ("pattern", "source", "_re")

    def __init__(self, compiled: regex.Pattern, source: str):
        self._re = compiled
        self.pattern = compiled.pattern
        self.source = source

    def _run(self, method: str, *args, **kwargs):
        try:
            return getattr(self._re, method)(*args, timeout=REGEX_TIMEOUT_S, **kwargs)
        except TimeoutError:
            raise TimeoutError(f"rule pattern from {self.source} exceeded {REGEX_TIMEOUT_S}s") from None

    def search(self, string, *args, **kwargs):
        return self._run("search", string, *args, **kwargs)

    def match(self, string, *args, **kwargs):
        return self._run("match", string, *args, **kwargs)

    def fullmatch(self, string, *args, **kwargs):
        return self._run("fullmatch", string, *args, **kwargs)

    def finditer(self, string, *args, **kwargs):
        return list(self._run("finditer", string, *args, **kwargs))

    def findall(self, string, *args, **kwargs):
        return self._run("findall", string, *args, **kwargs)

    def sub(self, repl, string, *args, **kwargs):
        return self._run("sub", repl, string, *args, **kwargs)

    @property
    def groupindex(self):
        return self._re.groupindex


# Inputs that make backtracking-prone patterns explode; `rules check` times every pattern
# on them so a slow pattern is found before a batch, not during it.
_STRESS_INPUTS = ("a" * 3000 + "!", "A" * 3000 + "!", "1" * 3000 + "x", "Aa " * 1500 + ".", "1." * 1500 + "-")


def compile_regex(pattern: str, path: Path | str, line: int | None, flags: int = 0) -> SafeRegex:
    """Compile a rule-file regex with the project's limits, or raise RuleError."""
    if not isinstance(pattern, str) or not pattern:
        raise RuleError(path, line, "pattern must be a non-empty string")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RuleError(path, line, f"pattern longer than {MAX_PATTERN_LENGTH} characters")
    try:
        compiled = patterncache.compile(pattern, flags)
    except regex.error as exc:
        raise RuleError(path, line, f"invalid regular expression: {exc}") from None
    rx = SafeRegex(compiled, f"{path}:{line}" if line else str(path))
    COMPILED[(str(path), line, pattern)] = rx
    return rx


# Every pattern compiled from a rule file in this process; `rules check` stress-tests them.
COMPILED: dict[tuple[str, int | None, str], SafeRegex] = {}


def stress_test_regex(rx: SafeRegex, path: Path | str, line: int | None) -> RuleError | None:
    """A RuleError when the pattern takes more than the time limit on a stress input."""
    for text in _STRESS_INPUTS:
        try:
            rx.finditer(text)
        except TimeoutError:
            return RuleError(path, line, f"pattern too slow (over {REGEX_TIMEOUT_S}s on a {len(text)}-character input): catastrophic backtracking?")
    return None


@dataclass(frozen=True)
class RuleFile:
    rel: str  # path relative to its layer root, with `/`
    path: Path
    layer: str  # "builtin" or the user folder

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass
class Rules:
    """The merged view over the built-in folder and the user layers (last wins)."""

    layers: tuple[Path, ...]
    _files: dict[str, RuleFile] = field(default_factory=dict)
    _compiled: dict[str, tuple[tuple, Any]] = field(default_factory=dict, repr=False)

    # target rel -> the additive files (`extends:`) that add to / remove from it, in layer order
    _extensions: dict[str, list[RuleFile]] = field(default_factory=dict)

    def __post_init__(self):
        for i, root in enumerate(self.layers):
            layer = "builtin" if i == 0 else str(root)
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.name.startswith(".") and "__pycache__" not in path.parts:
                    rel = path.relative_to(root).as_posix()
                    target = extension_target(path) if i > 0 else None
                    if target is not None:
                        self._extensions.setdefault(target, []).append(RuleFile(rel, path, layer))
                    else:
                        self._files[rel] = RuleFile(rel, path, layer)

    # -- lookup ---------------------------------------------------------------
    def files(self, pattern: str = "**/*") -> list[RuleFile]:
        """Merged files whose relative path matches the glob, sorted by that path."""
        return [f for rel, f in sorted(self._files.items()) if _glob_match(rel, pattern)]

    def file(self, rel: str) -> RuleFile | None:
        return self._files.get(rel)

    def require(self, rel: str) -> RuleFile:
        f = self._files.get(rel)
        if f is None:
            raise RuleError(rel, None, "required rule file is missing from every rules layer")
        return f

    # -- readers --------------------------------------------------------------
    def yaml(self, rel: str | RuleFile) -> Any:
        f = rel if isinstance(rel, RuleFile) else self.require(rel)
        exts = self._extensions.get(f.rel) if f is self._files.get(f.rel) else None
        if exts:
            return extended_yaml(f, tuple(exts))
        return _load_yaml(f.path)

    def jsonl(self, rel: str | RuleFile) -> list[tuple[int, dict]]:
        f = rel if isinstance(rel, RuleFile) else self.require(rel)
        return _load_jsonl(f.path)

    def lines(self, rel: str | RuleFile) -> list[tuple[int, str]]:
        f = rel if isinstance(rel, RuleFile) else self.require(rel)
        exts = self._extensions.get(f.rel) if f is self._files.get(f.rel) else None
        if exts:
            return extended_lines(f, tuple(exts))
        return _load_lines(f.path)

    def extensions(self) -> dict[str, list[RuleFile]]:
        """Additive files by the relative path they extend."""
        return {k: list(v) for k, v in sorted(self._extensions.items())}

    def each(self, pattern: str, read: Callable[["RuleFile"], Any], problems: list) -> Iterable[tuple["RuleFile", Any]]:
        """(file, `read(file)`) for every file matching the glob; a file that does not read
        adds its RuleError to `problems` and is skipped (checks report every file in one
        round)."""
        for f in self.files(pattern):
            try:
                data = read(f)
            except RuleError as exc:
                problems.append(exc)
                continue
            yield f, data

    def manifest(self) -> list[dict]:
        items = [
            {"file": f.rel, "layer": f.layer, "path": str(f.path), "sha256": f.sha256}
            for f in self.files()
            if f.path.suffix in {".yaml", ".yml", ".jsonl", ".txt", ".tsv"}
        ]
        for target, exts in sorted(self._extensions.items()):
            items.extend({"file": e.rel, "layer": e.layer, "path": str(e.path), "sha256": e.sha256,
                          "extends": target} for e in exts)
        return items

    def compiled(self, name: str, build: Callable[["Rules"], Any]) -> Any:
        """The one cache of compiled rules for every stage: `build(self)` runs once per
        process and name (date grammar, entity lexicons, figure rules) and again only when a
        rule file of these layers changes on disk, so `rules check`, the pipeline build and
        the stages that share compiled rules (entities, normalise) compile them once."""
        stamp = self._stamp()
        hit = self._compiled.get(name)
        if hit is None or hit[0] != stamp:
            hit = self._compiled[name] = (stamp, build(self))
        return hit[1]

    def _stamp(self) -> tuple:
        out = []
        for f in self._files.values():
            try:
                st = f.path.stat()
            except OSError:
                continue
            out.append((f.rel, st.st_mtime_ns, st.st_size))
        return tuple(out)

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for item in self.manifest():
            h.update(f"{item['file']}={item['sha256']}\n".encode())
        return h.hexdigest()


def _glob_match(rel: str, pattern: str) -> bool:
    from fnmatch import fnmatch

    if pattern.startswith("**/"):
        return fnmatch(rel, pattern[3:]) or fnmatch(rel, pattern)
    if "/**/" in pattern:
        head, tail = pattern.split("/**/", 1)
        return rel.startswith(head + "/") and (
            fnmatch(rel[len(head) + 1 :], tail) or fnmatch(rel, pattern)
        )
    return fnmatch(rel, pattern)


@lru_cache(maxsize=256)
def _load_yaml_cached(path: Path, mtime: float) -> Any:
    text = _read_rule_text(path)
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise RuleError(path, line, f"YAML error: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise RuleError(path, None, f"YAML error: {exc}") from None


def _load_yaml(path: Path) -> Any:
    return _load_yaml_cached(path, path.stat().st_mtime)


def _read_rule_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        before = exc.object[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise RuleError(path, line, f"not UTF-8 (byte 0x{exc.object[exc.start]:02x} in column {column}); save the file as UTF-8") from None
    except OSError as exc:
        raise RuleError(path, None, f"cannot read: {exc.strerror}") from None


def _load_jsonl(path: Path) -> list[tuple[int, dict]]:
    out = []
    for lineno, raw in enumerate(_read_rule_text(path).splitlines(), 1):
        s = raw.strip()
        if not s or s.startswith("#") or s.startswith("//"):
            continue
        try:
            obj = json.loads(s)
        except json.JSONDecodeError as exc:
            raise RuleError(path, lineno, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise RuleError(path, lineno, "each line must be a JSON object")
        out.append((lineno, obj))
    return out


def _load_lines(path: Path) -> list[tuple[int, str]]:
    out = []
    for lineno, raw in enumerate(_read_rule_text(path).splitlines(), 1):
        s = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("\\#") else raw.strip()[1:]
        if s:
            out.append((lineno, s))
    return out


@lru_cache(maxsize=32)
def _rules_for(dirs: tuple[str, ...]) -> Rules:
    return Rules((BUILTIN_RULES, *(Path(d).resolve() for d in dirs)))


def load_rules(dirs: Iterable[str | Path] = ()) -> Rules:
    """The merged rules for these user folders (cached: stages share one instance)."""
    dirs = tuple(str(Path(d)) for d in dirs)
    for d in dirs:
        if not Path(d).is_dir():
            raise RuleError(d, None, "rules folder does not exist")
    return _rules_for(dirs)


# --------------------------------------------------------------------------- check registry
# A stage registers the checks of its rule files here (`@rule_checker("dates")`); `checks.py`
# (assembly layer) runs them all for `rules check` and before every run.  The registry lives
# in this bottom layer so that stages and the check runner never import each other.
# checker(rules, config, nlp_or_None) -> problems; nlp is given when examples should run.
Checker = Callable[["Rules", dict, Any], "list[RuleError]"]
CHECKERS: dict[str, Checker] = {}


def rule_checker(name: str):
    """Register a stage's rule checker under a name (one per stage/rule kind)."""

    def deco(fn: Checker) -> Checker:
        CHECKERS[name] = fn
        return fn

    return deco

# --------------------------------------------------------------------------- additive layers
# A user-layer file that starts by declaring `extends: <relative path>` does not replace
# anything: it adds entries to (and removes entries from) the file of that path in the
# layers below.  YAML:
#
#     extends: roles/roles.yaml
#     add:
#       roles:
#         Quartiersmanager: [Quartiersmanager, Quartiersmanagerin]
#     remove:
#       roles: [Kapitän]          # keys of a mapping, or items of a list
#
# Plain lists (`.txt`): a first line `# extends: entities/lexicons/titles.txt`, then one
# entry per line to add; a line `-entry` removes `entry`.
# `add` merges recursively: mappings by key (a new key is added, an existing mapping is
# merged, an existing list gets the new items appended), lists by appending new items.
# `remove` names mapping keys (a list of keys, or a mapping to recurse into) or list
# items.  Removing what is not there is an error (`rules check` reports it with the line).

_EXTENDS_YAML = regex.compile(r"^extends:[ \t]*['\"]?([^'\"#\s]+)", regex.M)
_EXTENDS_TXT = regex.compile(r"^\s*#\s*extends:\s*(\S+)")
EXTENSION_KEYS = {"extends", "add", "remove", "examples"}


def extension_target(path: Path) -> str | None:
    """The relative path a user-layer file extends, or None for an ordinary rule file."""
    if path.suffix not in (".yaml", ".yml", ".txt"):
        return None
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return None
    if path.suffix == ".txt":
        first = next((ln for ln in head.splitlines() if ln.strip()), "")
        m = _EXTENDS_TXT.match(first)
    else:
        m = _EXTENDS_YAML.search(head)
    return m.group(1).strip() if m else None


def _merge_add(base: Any, add: Any, where: RuleFile, line: int | None) -> Any:
    if isinstance(base, dict) and isinstance(add, dict):
        for key, value in add.items():
            if key in base:
                base[key] = _merge_add(base[key], value, where, (getattr(add, "key_lines", {}) or {}).get(key, line))
            else:
                base[key] = value
        return base
    if isinstance(base, list) and isinstance(add, list):
        base.extend(v for v in add if v not in base)
        return base
    if isinstance(base, (dict, list)) or isinstance(add, (dict, list)):
        raise RuleError(where.path, line, f"cannot add a {type(add).__name__} to a {type(base).__name__}")
    return add


def _apply_remove(base: Any, remove: Any, where: RuleFile, line: int | None) -> None:
    if isinstance(base, dict) and isinstance(remove, dict):
        for key, value in remove.items():
            kline = (getattr(remove, "key_lines", {}) or {}).get(key, line)
            if key not in base:
                raise RuleError(where.path, kline, f"remove: {key!r} is not in the extended file")
            if value is None:
                del base[key]
            else:
                _apply_remove(base[key], value, where, kline)
        return
    items = remove if isinstance(remove, list) else [remove]
    for i, item in enumerate(items):
        iline = (getattr(remove, "item_lines", None) or [line] * len(items))[i]
        if isinstance(base, dict):
            if item not in base:
                raise RuleError(where.path, iline, f"remove: key {item!r} is not in the extended file")
            del base[item]
        elif isinstance(base, list):
            if item not in base:
                raise RuleError(where.path, iline, f"remove: {item!r} is not in the extended list")
            base.remove(item)
        else:
            raise RuleError(where.path, iline, f"remove: {item!r} does not name a key or list item")


@lru_cache(maxsize=64)
def _extended_yaml_cached(base: RuleFile, exts: tuple[RuleFile, ...], stamps: tuple[float, ...]) -> Any:
    import copy

    data = copy.deepcopy(_load_yaml(base.path))
    for ext in exts:
        spec = _load_yaml(ext.path)
        if not isinstance(spec, dict):
            raise RuleError(ext.path, None, "an extending file must be a mapping with extends/add/remove")
        unknown = sorted(set(spec) - EXTENSION_KEYS)
        if unknown:
            raise RuleError(ext.path, spec.key_lines.get(unknown[0]), f"unknown key {unknown[0]!r} (allowed: add, remove, extends, examples)")
        if spec.get("remove") is not None:
            _apply_remove(data, spec["remove"], ext, spec.key_lines.get("remove"))
        if spec.get("add") is not None:
            data = _merge_add(data if data is not None else LineDict(), spec["add"], ext, spec.key_lines.get("add"))
        if isinstance(data, dict) and isinstance(spec.get("examples"), list):
            data.setdefault("examples", LineList())
            if isinstance(data["examples"], list):
                data["examples"].extend(spec["examples"])
    return data


def extended_yaml(base: RuleFile, exts: tuple[RuleFile, ...]) -> Any:
    """The YAML of `base` with every extending file's `remove` and `add` applied in order."""
    return _extended_yaml_cached(base, exts, tuple(f.path.stat().st_mtime for f in (base, *exts)))


def extended_lines(base: RuleFile, exts: tuple[RuleFile, ...]) -> list[tuple[int, str]]:
    """The entries of a plain list with every extending list's additions and `-removals`."""
    out = list(_load_lines(base.path))
    for ext in exts:
        for lineno, entry in _load_lines(ext.path):
            if entry.startswith("-") and len(entry) > 1:
                gone = entry[1:].strip()
                if not any(e == gone for _, e in out):
                    raise RuleError(ext.path, lineno, f"remove: {gone!r} is not in the extended list")
                out = [(n, e) for n, e in out if e != gone]
            elif not any(e == entry for _, e in out):
                out.append((lineno, entry))
    return out


def check_extensions(rules: Rules) -> list[RuleError]:
    """Problems of the additive files: unknown target, wrong format, bad add/remove."""
    problems = []
    for target, exts in rules.extensions().items():
        base = rules.file(target)
        for ext in exts:
            if base is None:
                problems.append(RuleError(ext.path, 1, f"extends {target!r}, which is in no rules layer"))
            elif Path(target).suffix != ext.path.suffix and {Path(target).suffix, ext.path.suffix} != {".yaml", ".yml"}:
                problems.append(RuleError(ext.path, 1, f"a {ext.path.suffix} file cannot extend {target}"))
        if base is None or problems:
            continue
        try:
            rules.yaml(base) if base.path.suffix in (".yaml", ".yml") else rules.lines(base)
        except RuleError as exc:
            problems.append(exc)
    return problems
