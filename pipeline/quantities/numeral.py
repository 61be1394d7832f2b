"""The numeral recogniser: a number starting at a token (Duckling's `numeral` dimension).

Digits in German formats (grouped across tokens: `40 000`), Swiss decimal points next to a
Swiss currency (`Fr. 1.80`), ranges in one token (`20–30`), ordinal digits (`61.`), numbers
with a glued unit or suffix (`75ml`, `28-jährige`, `dreimal`), number words, fractions,
specials, ordinal words and vague plurals (`Hunderte`); then `extend` adds what follows the
base number: `halbe`, `Komma fünf`, fraction nouns, `und ein halb`, `Dutzend`, scale words.
Values come from the one German number parser (`pipeline/numbers.py`).
"""

from __future__ import annotations

import re

from ..numbers import parse_digits, parse_number_word
from .multiplier import VERB
from .scan import Num, Scan, is_cap
from .schema import FigureRules, memo

_NUM_TOKEN = r"[-−–+]?\d{1,3}(?:(?:[.'’]\d{3})+)?(?:,\d+)?|[-−–+]?\d+(?:,\d+)?"
_GLUED = re.compile(rf"^(?P<num>{_NUM_TOKEN})(?P<sep>-?)(?P<rest>[^\d\W][\w/^²³.\-]*|[%€$£¥‰°][\w]*)$")
_RANGE_TOKEN = re.compile(rf"^(?P<a>{_NUM_TOKEN})[–—-](?P<b>{_NUM_TOKEN})$")
_THREE = re.compile(r"^\d{3}(?:,\d+)?$")
_SMALL_INT = re.compile(r"^[-−–+]?\d{1,3}$")
_PLAIN_INT = re.compile(r"^\d+$")
_POINT_DECIMAL = re.compile(r"^(?P<int>\d+)\.(?P<frac>\d{1,2}|[-–—])(?P<stop>\.?)$")  # Swiss `1.80`, `12.–`
_THIN_SPACES = ("\u202f", "\u00a0", "\u2009")
_GROUP_SPACES = (" ", "\u00a0", "\u202f")
_NEXT = object()  # this step does not apply: try the next one


def plain_int(text: str) -> bool:
    return bool(_PLAIN_INT.match(text))


# --------------------------------------------------------------------------- digits
def _decimal_point_currency(scan: Scan, i: int) -> bool:
    """`Fr. 1.80`, `2.50 Franken`: a Swiss currency right before or after token i."""
    cur = scan.fr.decimal_point_currencies
    if i > 0 and scan.low(i - 1) in cur:
        return True
    j = scan.next(i + 1)
    return j < scan.n and scan.low(j) in cur


def _point_decimal(scan: Scan, i: int):
    text = scan.texts[i]
    if text[:1].isdigit() and "." in text:
        m = _POINT_DECIMAL.match(text)
        if m and _decimal_point_currency(scan, i):
            frac = m.group("frac")
            v = float(m.group("int") + ("." + frac if frac.isdigit() else ""))
            return Num(i, i + 1, v, end_char=scan.doc[i].idx + len(text) - len(m.group("stop")))
    return _NEXT


_LEADING_COMMA = re.compile(r"^(?P<sign>[-−–]?),(?P<frac>\d+)$")


def _leading_comma(scan: Scan, i: int):
    """`,77` = 0.77, `-,0012` (a decimal without its leading zero, as Duckling writes it)."""
    text, doc = scan.texts[i], scan.doc
    m = _LEADING_COMMA.match(text)
    if m:
        v = float("0." + m.group("frac"))
        return Num(i, i + 1, -v if m.group("sign") else v)
    if text == "," and i + 1 < scan.n and scan.texts[i + 1].isdigit() and not doc[i].whitespace_ \
            and (i == 0 or doc[i - 1].whitespace_ or doc[i - 1].is_space):
        return Num(i, i + 2, float("0." + scan.texts[i + 1]))
    return _NEXT


def _glued_scale(scan: Scan, num: Num, j: int) -> int:
    """`1200K`, `1,2M`: a scale letter right after the digits (no space)."""
    if not (j < scan.n and num.hint is None and not num.is_word and not scan.doc[j - 1].whitespace_):
        return j
    hit = scan.fr.glued_scales.get(scan.texts[j])
    digits = scan.text[scan.doc[num.start].idx : scan.doc[j].idx]
    if hit and glued_scale_fits(digits, hit[1]):
        num.value *= hit[0]
        num.end = j + 1
        num.scaled = True
        num.raw_int = False
    return num.end


def glued_scale_fits(digits: str, decimal_only: bool) -> bool:
    """A scale letter applies to these digits: a decimal, or (unless `decimal_only`) 2+ digits."""
    if "," in digits:
        return True
    return not decimal_only and sum(c.isdigit() for c in digits) >= 2


def _negative(scan: Scan, i: int):
    return None if scan.fr.negative_token(scan.texts[i]) else _NEXT


def _grouped(scan: Scan, i: int, v: float) -> Num:
    """`40 000`, `1 414 021 100.`: digit groups split across tokens by (thin) spaces."""
    doc, n = scan.doc, scan.n
    digits = doc[i].text
    j = i
    while True:
        ws = doc[j].whitespace_
        k = j + 1
        if not ws and k < n and doc[k].text in _THIN_SPACES:
            k += 1
        elif ws not in _GROUP_SPACES:
            break
        if k < n and _THREE.match(doc[k].text) and not scan.blocked[k]:
            digits += doc[k].text
            j = k
            if "," in doc[k].text:
                break
        elif k < n and _THREE.match(doc[k].text[:-1]) and doc[k].text.endswith(".") and not scan.blocked[k]:
            digits += doc[k].text[:-1]  # `1 414 021 100.` at the end of a sentence
            return Num(i, k + 1, parse_digits(digits), end_char=doc[k].idx + len(doc[k].text) - 1)
        else:
            break
    end = i + 1
    if j > i:
        v = parse_digits(digits)
        end = j + 1
    return Num(i, end, v, raw_int=plain_int(doc[i].text) and end == i + 1)


def _digits(scan: Scan, i: int):
    text = scan.texts[i]
    v = parse_digits(text)
    if v is None:
        return _NEXT
    if i + 2 < scan.n and scan.texts[i + 1] == "/" and not scan.doc[i].whitespace_:
        return _slash(scan, i)
    if _SMALL_INT.match(text):
        return _grouped(scan, i, v)
    return Num(i, i + 1, v, raw_int=plain_int(text))


def _slash(scan: Scan, i: int) -> Num | None:
    """`3/4` (a share) or `24/7`, `12/345`, `2024/25` (identifiers: no figure)."""
    doc = scan.doc
    a, b = doc[i].text, doc[i + 2].text
    stop = b.endswith(".")
    b = b[:-1] if stop else b
    if doc[i + 1].whitespace_ or not (plain_int(a) and plain_int(b)):
        return None
    if (i > 0 and not doc[i - 1].whitespace_ and doc[i - 1].text in "/-.") or (
        not stop and not doc[i + 2].whitespace_ and i + 3 < scan.n and doc[i + 3].text[:1] in "/-."
        and doc[i + 3].text != "."
    ):
        return None  # part of a longer identifier (`UA/2025/047`)
    na, nb = int(a), int(b)
    if 0 < na < nb <= scan.fr.digit_fraction_max:
        return Num(i, i + 3, na / nb, hint="fraction", end_char=doc[i + 2].idx + len(b))
    return None


def _range_token(scan: Scan, i: int):
    m = _RANGE_TOKEN.match(scan.texts[i])
    if m:
        a, b = parse_digits(m.group("a")), parse_digits(m.group("b"))
        if a is not None and b is not None and b > a:
            return Num(i, i + 1, a, value_max=b, raw_int=plain_int(m.group("a")))
    return _NEXT


def _digit_dot(scan: Scan, i: int):
    """`61.` (an ordinal) and `2,5.` (a number ending a sentence)."""
    text = scan.texts[i]
    if not text.endswith("."):
        return _NEXT
    if plain_int(text[:-1]) and len(text) <= 4:
        return Num(i, i + 1, float(text[:-1]), hint="ordinal", end_char=scan.doc[i].idx + len(text))
    if parse_digits(text[:-1]) is not None and not plain_int(text[:-1]):
        return Num(i, i + 1, parse_digits(text[:-1]), end_char=scan.doc[i].idx + len(text) - 1)
    return _NEXT


# --------------------------------------------------------------------------- glued
def _glued_text(scan: Scan, i: int, text: str) -> Num | None:
    """A digit token with a glued unit, without its final period (`12.345$.`)."""
    m = _GLUED.match(text)
    if not m:
        return None
    head_v, r = parse_digits(m.group("num")), m.group("rest").lower()
    if head_v is None or r not in scan.fr.glued_units:
        return None
    kind, unit, factor = scan.fr.glued_units[r]
    return Num(i, i + 1, head_v * factor, hint="unit", unit=unit, kind=kind, factor=factor)


def _glued_parts(fr: FigureRules, text: str, m) -> tuple[float | None, str | None]:
    """(number, rest) of `75ml`, `siebenhundert-Euro`, `dreimal`, `dreijährige`."""
    if m:
        return parse_digits(m.group("num")), m.group("rest")
    if "-" in text:
        head, _, rest = text.partition("-")
        return parse_number_word(head, fr.words), rest
    low = text.lower()
    if fr.word_suffix_re is not None and fr.word_suffix_re.search(low):
        for suf in fr.word_suffixes:
            for ending in fr.word_suffix_endings:
                if low.endswith(suf + ending) and len(low) > len(suf + ending):
                    head = low[: -len(suf + ending)]
                    hv = fr.number_word(head)
                    if hv is not None:
                        return hv, low[len(head):]
    return None, None


def _glued_unit(scan: Scan, i: int, head_v: float, r: str):
    fr = scan.fr
    for suf, unit in fr.age_suffixes.items():
        if r.startswith(suf):
            return Num(i, i + 1, head_v, hint="age", unit=unit, kind="measure")
    for suf, unit in fr.mult_suffixes.items():
        if r == suf:
            return None if head_v == 1 else Num(i, i + 1, head_v, hint="multiplier", unit=unit, kind="multiplier")
    if r in fr.glued_units:
        kind, unit, factor = fr.glued_units[r]
        return Num(i, i + 1, head_v * factor, hint="unit", unit=unit, kind=kind, factor=factor)
    rest_tok = (r,)
    for table, kind in ((fr.currencies, "money"), (fr.measures, "measure"), (fr.percent, "percent")):
        if rest_tok in table:
            val = table[rest_tok]
            if kind == "money":
                return Num(i, i + 1, head_v * val[1], hint="unit", unit=val[0], kind=kind, factor=val[1])
            return Num(i, i + 1, head_v, hint="unit", unit=val, kind=kind)
    return _NEXT


def _glued(scan: Scan, i: int):
    """75ml, 28-jährige, 12-Pfund, 1,5-fache, siebenhundert-Euro, dreimal."""
    text = scan.texts[i]
    m = _GLUED.match(text)
    if m is None and text.endswith(".") and _GLUED.match(text[:-1]):
        m = _GLUED.match(text[:-1])
        inner = _glued_text(scan, i, text[:-1])
        if inner is not None:
            inner.end_char = scan.doc[i].idx + len(text) - 1
            return inner
    if m and m.group("rest") in scan.fr.glued_scales and not m.group("sep"):
        factor, decimal_only = scan.fr.glued_scales[m.group("rest")]
        if glued_scale_fits(m.group("num"), decimal_only):
            return Num(i, i + 1, parse_digits(m.group("num")) * factor, scaled=True)
    head_v, rest = _glued_parts(scan.fr, text, m)
    if head_v is not None and rest:
        num = _glued_unit(scan, i, head_v, rest.lower())
        if num is not _NEXT:
            return num
    return None if m else _NEXT  # `90er`, `B30`-like glued words: not figures


# --------------------------------------------------------------------------- words
def _vocabulary_word(scan: Scan, i: int):
    """Multiplier words (`doppelt`) and specials (`Dutzend`, `anderthalb`)."""
    fr, low = scan.fr, scan.low(i)
    if low in fr.mult_words:
        return Num(i, i + 1, fr.mult_words[low], hint="multiplier", unit=fr.mult_word_unit, kind="multiplier", is_word=True)
    verb = fr.mult_verb(low)
    if verb is not None:
        return Num(i, i + 1, verb, hint="multiplier", unit=fr.mult_word_unit, kind="multiplier", is_word=True,
                   rule=VERB)
    if low in fr.specials:
        return Num(i, i + 1, fr.specials[low], is_word=True)
    return _NEXT


def _fraction_word(scan: Scan, i: int):
    """A share on its own: `die Hälfte der`, `ein Drittel der`, `Dreiviertel der`."""
    fr, low, doc = scan.fr, scan.low(i), scan.doc
    if not (low in fr.fractions and scan.texts[i][:1].isupper() and low not in fr.halves):
        return _NEXT
    nxt = scan.next(i + 1)
    prev_low = scan.low(i - 1)
    if nxt < scan.n and (scan.low(nxt) in fr.percent_of or scan.low(nxt) in fr.partitive) and (
        prev_low in fr.article_forms or prev_low in fr.share_articles or fr.fractions[low] > 0.5
    ):
        if prev_low in fr.share_articles:
            return Num(i - 1, i + 1, fr.fractions[low], hint="fraction", is_word=True)
        return Num(i, i + 1, fr.fractions[low], hint="fraction", is_word=True)
    return None


def _cardinal_word(scan: Scan, i: int):
    fr, low = scan.fr, scan.low(i)
    wv = fr.number_word(low)
    if wv is not None:
        if low in fr.article_forms:
            return None
        # `neunzehnhundertneunzig`: a year in words is a year candidate like `1990`
        w = fr.words
        year_like = fr.year_min <= wv <= fr.year_max and any(h in low for h in w.hundred) \
            and not any(k in low for k in w.thousand)
        return Num(i, i + 1, float(wv), is_word=True, raw_int=year_like)
    if low in fr.article_forms:
        return Num(i, i + 1, 1.0, is_word=True, article=True)
    return _NEXT


def _ordinal_word(scan: Scan, i: int):
    """`dritte`, and `jeder zweite` (a share: 1/2)."""
    fr, low, doc = scan.fr, scan.low(i), scan.doc
    ov = fr.ordinal_word(low)
    if ov is not None and ov >= 2 and i > 0 and scan.low(i - 1) in fr.distributive:
        num = Num(i, i + 1, 1.0 / ov, hint="fraction", is_word=True)
        num.start_char = doc[i - 1].idx
        return num
    if ov is not None and low not in fr.ordinal_negatives:
        return Num(i, i + 1, float(ov), hint="ordinal", is_word=True)
    if low in fr.vague_plurals:
        vp = fr.vague_plurals[low]
        return Num(i, i + 1, float(vp["value"]), hint="vague", qualifier=vp.get("qualifier"), is_word=True)
    return None


_STEPS = (_point_decimal, _leading_comma, _negative, _digits, _range_token, _digit_dot, _glued,
          _vocabulary_word, _fraction_word, _cardinal_word, _ordinal_word)


def may_start(fr: FigureRules, text: str) -> bool:
    """Can some step of `number_at` read a number at a token of this text?  False only when
    every step is bound to give up: no digit, not a lone `,`, and the lower-cased word is none
    of the rule words the word steps look up (number, ordinal, multiplier, fraction, special,
    vague and article words, a number word before `-` or a glued suffix).  Remembered per text."""
    return memo(fr.start_cache, text, lambda t: _may_start(fr, t))


def _may_start(fr: FigureRules, text: str) -> bool:
    if text == "," or any(c.isdigit() for c in text):
        return True
    low = text.lower()
    if low in fr.start_words:
        return True
    if fr.number_word(low) is not None or fr.ordinal_word(low) is not None or fr.mult_verb(low) is not None:
        return True
    return _glued_parts(fr, text, None)[0] is not None


def number_at(scan: Scan, i: int) -> Num | None:
    """A number starting at token i (digits, words, glued units, ranges in one token)."""
    if not may_start(scan.fr, scan.texts[i]):
        return None
    return recognise(scan, i)


def recognise(scan: Scan, i: int) -> Num | None:
    """`number_at` without the `may_start` prefilter (every step in turn)."""
    for step in _STEPS:
        num = step(scan, i)
        if num is not _NEXT:
            return num
    return None


# --------------------------------------------------------------------------- extend
def _halves(scan: Scan, num: Num, j: int) -> int:
    """`ein halbes Dutzend`, `eine halbe Million`, `drei halbe`."""
    fr, low = scan.fr, scan.low(j)
    if j < scan.n and low in fr.fractions and low in fr.halves and num.hint is None:
        num.value *= fr.fractions[low]
        num.end = j = j + 1
        num.hint = "halves"
    return j


def _decimal_word(scan: Scan, num: Num, j: int) -> int:
    """`zwei Komma fünf`, `zwei Komma fünfzehn`."""
    if not (j < scan.n and scan.low(j) in scan.fr.decimal_words and num.hint is None):
        return j
    doc, w = scan.doc, scan.fr.words
    digits, k = "", j + 1
    while k < scan.n:
        d = doc[k].text
        dv = int(d) if d.isdigit() else parse_number_word(d.lower(), w)
        if dv is not None and not digits and not d.isdigit() and 10 <= dv <= 99:
            digits, k = str(dv), k + 1  # `Komma fünfzehn` = ,15
            break
        if dv is None or not (0 <= dv <= 9 or (d.isdigit() and not digits)):
            break
        digits += str(dv)
        k += 1
    if digits:
        num.value = float(f"{int(num.value)}.{digits}")
        num.end = j = k
    return j


def _fraction_noun(scan: Scan, num: Num, j: int) -> int:
    """`ein Drittel`, `zwei Drittel`; `drei Viertel Milliarde` (a fraction of a scale)."""
    fr = scan.fr
    if j < scan.n and num.hint is None and scan.low(j) in fr.fractions and (is_cap(scan.doc[j]) or num.is_word):
        num.value *= fr.fractions[scan.low(j)]
        num.end = j = j + 1
        num.hint = "fraction"
    if num.hint == "fraction" and j < scan.n and scan.low(j) in fr.words.scales:
        num.value *= fr.words.scales[scan.low(j)]
        num.end = j + 1
        num.hint = None
        num.scaled = True
    return j


def _whole_and_fraction(scan: Scan, num: Num, j: int) -> int | None:
    """`fünf und drei Viertel Milliarden`, `zwei und ein halb Liter`; None when complete."""
    fr, w = scan.fr, scan.fr.words
    if num.hint is None and not num.article and j + 2 < scan.n and scan.low(j) == w.conjunction:
        mt = scan.low(j + 1)
        m = 1 if mt in fr.article_forms else (parse_digits(mt) if plain_int(mt) else parse_number_word(mt, w))
        frac = fr.fractions.get(scan.low(j + 2))
        if m is not None and frac is not None and m * frac < 1:
            k = j + 3
            if k < scan.n and scan.low(k) in w.scales:
                num.value = (num.value + m * frac) * w.scales[scan.low(k)]
                num.end = k + 1
                num.scaled = True
                return None
            if k < scan.n and (scan.match_forward(k, fr.currencies) or scan.match_forward(k, fr.measures)):
                num.value += m * frac
                num.end = j = k
    return j


def _scales(scan: Scan, num: Num, j: int) -> None:
    """`zwei Millionen`, and in words smaller scales and a rest added: `zwei Millionen
    eintausendeinhundertfünfzig`, `zwei Billiarden siebenhundert Billionen neunzig Milliarden`."""
    fr, w = scan.fr, scan.fr.words
    if not (j < scan.n and num.hint in (None, "halves") and scan.low(j) in w.scales):
        return
    scale = w.scales[scan.low(j)]
    num.value *= scale
    num.end = j = j + 1
    num.hint = None
    num.scaled = True
    last = scale
    while num.is_word and j < scan.n:
        nt = scan.low(j)
        nv = parse_number_word(nt, w) if nt not in fr.article_forms else None
        if nv is None or nv >= last:
            break
        s2 = w.scales.get(scan.low(j + 1)) if j + 1 < scan.n else None
        if s2 is not None and nv * s2 < last:
            num.value += nv * s2
            last = s2
            num.end = j = j + 2
            continue
        if s2 is not None:
            break  # `drei Millionen zwei Milliarden`: two figures
        num.value += nv
        num.end = j + 1
        break


def extend(scan: Scan, num: Num) -> Num:
    """Scale words, fractions and `halbe`, word compositions after the base number."""
    _glued_scale(scan, num, num.end)
    if num.scaled:
        return num
    j = _halves(scan, num, num.end)
    j = _decimal_word(scan, num, j)
    j = _fraction_noun(scan, num, j)
    if num.hint == "fraction" or num.scaled:
        return num
    j = _whole_and_fraction(scan, num, j)
    if j is None:
        return num
    fr = scan.fr
    if j < scan.n and scan.low(j) in fr.specials and num.hint in (None, "halves"):
        num.value *= fr.specials[scan.low(j)]
        num.end = j = j + 1
        num.hint = None
    _scales(scan, num, j)
    return num
