"""Language check (part of ingest): which language a document is in, and whether to read it.

py3langid (a maintained fork of langid.py, 97 languages) classifies the whole text:
`documents.language` (ISO 639-1) and `documents.language_score` (its normalised
probability, 0-1).  With `languages: [de]` in the configuration a document in another
language is skipped with an `errors` row (stage `language`) naming the language -- only
when the detector is sure (`language_check.min_score`), the text long enough
(`language_check.min_chars` letters) and not mixed: when paragraphs in an accepted
language hold at least `language_check.min_share` of the letters, the document is
processed (an English article with a German section keeps its German rows).
`languages: []` records the language and skips nothing.
"""

from __future__ import annotations

import re
import threading

from .formats.decoding import DocumentError

_IDENTIFIER = None
_LOCK = threading.Lock()
_LETTER = re.compile(r"[^\W\d_]")
DEFAULTS = {"min_chars": 200, "min_score": 0.9, "min_share": 0.2, "min_paragraph_chars": 40}


def identifier():
    """The py3langid model (loaded once per process, ~1.5 s)."""
    global _IDENTIFIER
    with _LOCK:
        if _IDENTIFIER is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _IDENTIFIER


def detect(text: str) -> tuple[str | None, float | None]:
    """(ISO code, probability) of the text; (None, None) when it has no letters."""
    if not _LETTER.search(text):
        return None, None
    lang, score = identifier().classify(text)
    return lang, round(float(score), 4)


def _letters(text: str) -> int:
    return len(_LETTER.findall(text))


def accepted_share(text: str, accepted: set[str], min_paragraph_chars: int) -> float:
    """Share of letters in paragraphs (lines) whose language is accepted."""
    total = hit = 0
    for para in text.split("\n"):
        n = _letters(para)
        if n < min_paragraph_chars:
            continue
        total += n
        if detect(para)[0] in accepted:
            hit += n
    return hit / total if total else 0.0


def check_language(rec, config: dict) -> None:
    """Set rec.language/rec.language_score; raise DocumentError (stage `language`) to skip."""
    rec.language, rec.language_score = detect(rec.text)
    accepted = {str(x).lower() for x in (config.get("languages") or [])}
    if not accepted or rec.language is None or rec.language in accepted:
        return
    opts = {**DEFAULTS, **(config.get("language_check") or {})}
    if _letters(rec.text) < opts["min_chars"] or rec.language_score < opts["min_score"]:
        return  # too short or too unsure to throw a document away
    if accepted_share(rec.text, accepted, opts["min_paragraph_chars"]) >= opts["min_share"]:
        return  # mixed: the accepted-language part is processed
    wanted = ", ".join(sorted(accepted))
    raise DocumentError(
        "language",
        f"language {rec.language} (score {rec.language_score:.2f}), not in languages [{wanted}]: skipped",
        stage="language",
    )
