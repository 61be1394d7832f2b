"""A disk cache of compiled rule regexes, so a new process does not parse them again.

The `regex` module parses a pattern in Python: the ~110 patterns of the built-in rules
cost ~2.5 s of every start (more than spaCy's own model load).  A compiled `regex`
pattern pickles as its compiled program (`_regex.compile(...)` arguments), so loading it
back skips the parser.  Entries are keyed by (regex version, flags, pattern text): an
edited rule is a new key, never a stale hit.

The cache lives in `$PIPELINE_CACHE_DIR` (default `~/.cache/de-pipeline`); when it cannot be
read or written, patterns are simply compiled.  Only `regex._regex.compile` may appear in the
file (a restricted unpickler): the cache never runs other code.
"""

from __future__ import annotations

import atexit
import io
import os
import pickle
import tempfile
from pathlib import Path

import regex

_FILE_NAME = f"regex-{regex.__version__}.pickle"
_loaded: dict[tuple[int, str], object] | None = None
_dirty = False  # this process compiled a pattern the file does not hold yet
_used: set[tuple[int, str]] = set()
MAX_STALE = 2000  # entries not used by this process that a rewrite keeps at most (edited rules leave old keys)


def cache_path() -> Path:
    root = os.environ.get("PIPELINE_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "de-pipeline")
    return Path(root) / _FILE_NAME


class _OnlyRegex(pickle.Unpickler):
    def find_class(self, module, name):
        if name == "compile" and module in ("regex._regex", "_regex"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the pattern cache")


def _entries() -> dict:
    global _loaded
    if _loaded is None:
        try:
            data = _OnlyRegex(io.BytesIO(cache_path().read_bytes())).load()
            _loaded = data if isinstance(data, dict) else {}
        except Exception:  # noqa: BLE001 - missing, unreadable or foreign file: compile afresh
            _loaded = {}
    return _loaded


def compile(pattern: str, flags: int = 0):  # noqa: A001 - the same name as regex.compile on purpose
    """`regex.compile(pattern, flags)`, from the cache when this pattern was compiled before."""
    key = (flags, pattern)
    _used.add(key)
    hit = _entries().get(key)
    if hit is not None:
        return hit
    global _dirty
    compiled = _loaded[key] = regex.compile(pattern, flags)
    _dirty = True
    return compiled


def flush() -> None:
    """Write the cache if this process compiled new patterns (atomic; errors ignored)."""
    global _dirty
    if not _dirty:
        return
    path = cache_path()
    entries = _entries()
    if len(entries) - len(_used) > MAX_STALE:
        entries = {k: v for k, v in entries.items() if k in _used}
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".regex-", delete=False) as fh:
            tmp = fh.name
            pickle.dump(entries, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        _dirty = False
    except (OSError, pickle.PicklingError):
        if tmp:
            Path(tmp).unlink(missing_ok=True)


atexit.register(flush)  # patterns compiled after the pipeline was built (e.g. by `rules check`)
