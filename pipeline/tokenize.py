"""Stage 2, tokenize: the German tokenizer fixes every loaded model gets.

Whatever model is loaded (the model policy is in `assembly.py`), downstream stages see one
tokenization: gender forms (`Bürgermeister/innen`, `Bürger:innen`, `LokalpolitikerInnen`)
are one token whose `norm_` is the base form; a year before a sentence-final period
(`im Jahr 2023.`) is split from it; header/footer lines and headlines are sentences of
their own; ordinals (`8.`) stay one token and do not end a sentence.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.attrs import IS_SPACE, SENT_START
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import compile_suffix_regex

from .document import in_regions
from .rulebook import RuleError, Rules, line_of, load_rules, rule_checker


# --------------------------------------------------------------------------- tokenizer fixes
class GenderForms:
    """Compiled `tokenize/gender_forms.yaml`: recognise a form and give its base."""

    def __init__(self, rules: Rules):
        rel = "tokenize/gender_forms.yaml"
        data = rules.yaml(rel)
        path = rules.require(rel).path
        try:
            markers = [re.escape(m) for m in data["markers"]]
            suffixes = sorted(data["suffixes"], key=len, reverse=True)
            self.keep = tuple(data.get("keep_stem_endings", []))
            self.plural_ending = data.get("plural_ending", "en")
            self.singular_ending = data.get("singular_ending", "e")
            self.exceptions = dict(data.get("exceptions") or {})
        except (KeyError, TypeError) as exc:
            raise RuleError(path, line_of(data), f"missing or malformed key {exc}") from None
        suffix_alt = "|".join(re.escape(s) for s in suffixes)
        alts = [rf"(?P<stem>[A-ZÄÖÜ][\w\-äöüß]*?[a-zäöüß])(?:{'|'.join(markers)})(?P<suf>{suffix_alt})"]
        if data.get("capital_i", True):
            alts.append(r"(?P<stem2>[A-ZÄÖÜ][\w\-äöüß]*?[a-zäöüß]{2})(?P<suf2>Innen|In)")
        self.regex = re.compile(rf"^(?:{'|'.join(alts)})$")
        # called for every longer token, and reports repeat their words
        self.base = lru_cache(maxsize=100_000)(self._base)

    def match(self, text: str) -> bool:
        return bool(self.regex.match(text))

    def _base(self, text: str) -> str | None:
        """The base form of a gender form (`Bürger:innen` -> `Bürger`), else None (`self.base`
        is this, memoised)."""
        if text in self.exceptions:
            return self.exceptions[text]
        m = self.regex.match(text)
        if not m:
            return None
        stem = m.group("stem") or m.group("stem2")
        suf = (m.group("suf") or m.group("suf2") or "").lower().lstrip("-")
        if stem.endswith(self.keep):
            return stem
        return stem + (self.plural_ending if suf == "innen" else self.singular_ending)


# A four-digit year directly followed by a period ends a sentence (`im Jahr 2023.`);
# without this the German tokenizer keeps `2023.` as one ordinal-like token.
_YEAR_PERIOD_SUFFIX = r"(?<=\b(?:1[0-9]|20)[0-9]{2})\."


def customise_tokenizer(nlp: Language, rules: Rules) -> None:
    gender = GenderForms(rules)
    tokenizer = nlp.tokenizer
    old_match = tokenizer.token_match

    def token_match(text: str):
        return gender.regex.match(text) or (old_match(text) if old_match else None)

    tokenizer.token_match = token_match
    suffixes = list(nlp.Defaults.suffixes or []) + [_YEAR_PERIOD_SUFFIX]
    tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    # special cases (`GmbH.` -> `GmbH` `.`; `Act.Now` one token): tokenize/special_cases.txt
    if rules.file("tokenize/special_cases.txt"):
        from spacy.attrs import ORTH

        for line, entry in rules.lines("tokenize/special_cases.txt"):
            text, _, split = (p.strip() for p in entry.partition("=>"))
            parts = split.split() if split else [text]
            if "".join(parts) != text:
                raise RuleError(rules.require("tokenize/special_cases.txt").path, line, f"pieces {parts} do not spell {text!r}")
            tokenizer.add_special_case(text, [{ORTH: p} for p in parts])
    nlp.meta.setdefault("_pipeline_fixes", True)


@Language.factory("de_token_norms", default_config={"rules_dirs": []}, assigns=["token.norm"])
def make_token_norms(nlp: Language, name: str, rules_dirs: list[str]):
    """Sets `norm_` of gender forms to their base form (`Bürger:innen` -> `Bürger`)."""
    gender = GenderForms(load_rules(rules_dirs))

    def token_norms(doc: Doc) -> Doc:
        for token in doc:
            if len(token.text) > 4:
                base = gender.base(token.text)
                if base:
                    token.norm_ = base
        return doc

    return token_norms


@Language.component("de_sentence_fixes", assigns=["token.is_sent_start"])
def sentence_fixes(doc: Doc) -> Doc:
    """Line structure the statistical models do not see: headlines, tables, footers.

    A token after a blank line, after a short line without sentence-final punctuation
    (a headline or dateline), or inside a header/footer region starts a sentence.
    """
    if len(doc) == 0:
        return doc
    text = doc.text
    starts = [0]
    # A newline lies only in a whitespace token (a token's own trailing whitespace is one
    # space at most), so only the tokens right after one need a look.
    is_space = doc.to_array([IS_SPACE]).tolist()
    for j, space in enumerate(is_space[:-1]):
        if not space or is_space[j + 1]:
            continue
        prev, token = doc[j], doc[j + 1]
        ws = prev.whitespace_ + prev.text
        if "\n" not in ws:
            continue
        line_start = text.rfind("\n", 0, prev.idx) + 1
        prev_line = text[line_start : prev.idx + len(prev.text)].strip()
        if (
            "\n\n" in ws.replace(" ", "")
            or len(prev_line) < 60
            or prev_line.endswith((".", "!", "?", ":", "“", '"', "»", "|"))
            or in_regions(doc, token.idx, token.idx + 1)
        ):
            starts.append(j + 1)
    # One write for all: setting `token.is_sent_start` one by one re-checks the whole Doc
    # for a parse each time (quadratic in the document length).
    values = doc.to_array([SENT_START])
    values[starts] = 1
    doc.from_array([SENT_START], values)
    return doc


# --------------------------------------------------------------------------- rule checks
@rule_checker("tokenize")
def check_tokenize_rules(rules: Rules, config: dict, nlp: Language | None) -> list[RuleError]:
    """gender_forms.yaml: schema, and every example is one token with the given base."""
    rel = "tokenize/gender_forms.yaml"
    path = rules.require(rel).path
    data = rules.yaml(rel)
    problems: list[RuleError] = []
    if not isinstance(data, dict):
        return [RuleError(path, 1, "expected a mapping with markers, suffixes, examples")]
    for key in ("markers", "suffixes"):
        if not isinstance(data.get(key), list) or not data[key]:
            problems.append(RuleError(path, data.key_lines.get(key, data.line), f"`{key}` must be a non-empty list"))
    if problems:
        return problems
    gender = GenderForms(rules)
    examples = data.get("examples") or []
    for i, ex in enumerate(examples):
        line = examples.item_lines[i] if hasattr(examples, "item_lines") else None
        if not isinstance(ex, dict) or "text" not in ex or "norm" not in ex:
            problems.append(RuleError(path, line, "example needs `text` and `norm`"))
            continue
        got = gender.base(ex["text"])
        if got != ex["norm"]:
            problems.append(RuleError(path, line, f"example {ex['text']!r}: expected base {ex['norm']!r}, got {got!r}"))
        if nlp is not None:
            doc = nlp.make_doc(f"Die {ex['text']} kamen.")
            if doc[1].text != ex["text"]:
                problems.append(RuleError(path, line, f"example {ex['text']!r} is not one token: {[t.text for t in doc]}"))
    return problems
