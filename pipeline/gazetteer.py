"""Gazetteer compiler: raw shared data -> the compact rule files the entity stage reads.

    python -m pipeline.gazetteer build --data ../shared/data     (= `make gazetteer`)

Writes (deterministic: sorted, gzip without timestamps; committed to the repository):

- `pipeline/rules/entities/gazetteer/places.jsonl.gz`: EntityRuler phrase patterns
  `{"label": "LOC", "pattern": "Hameln-Pyrmont", "id": "Hameln-Pyrmont"}` for German
  municipalities and districts (Destatis GV100AD) and postal places, districts and states of
  Germany, Austria and Switzerland (GeoNames).  `id` is the canonical name (`Halle` ->
  `Halle (Saale)` is *not* done: a variant gets its own id only when unambiguous).
  `"region": true` marks names of districts, regions and states (`Harz`, `Emsland`), which
  German writes with an article; the other names are settlements, which it writes without.
- `pipeline/rules/entities/lexicons/first_names.txt`: given names (Köln, Leipzig, München
  open data), one per line, for the `first_names` token flag used by person patterns.

Common-word filter: a name is left out when it is in `entities/stoplists/gazetteer_exclude.txt`
or when annotated German text (GermEval 2014, UD German GSD, when present under --data)
uses the same capitalised form more often outside a name than as a place/person (`Essen`
as food is kept only if the data say it is mostly the city).  GermEval's dev file
(`NER-de-dev.tsv`) is never read: it is the held-out benchmark of the model and of the
entity stage (`python -m pipeline.evaluation.entities --germeval`).  Countries, states and world
regions are curated by hand in `entities/places.jsonl`, not generated here.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
import zipfile
from collections import Counter
from pathlib import Path

RULES_DIR = Path(__file__).parent / "rules" / "entities"
PLACES_OUT = RULES_DIR / "gazetteer" / "places.jsonl.gz"
FIRST_NAMES_OUT = RULES_DIR / "lexicons" / "first_names.txt"
EXCLUDE = RULES_DIR / "stoplists" / "gazetteer_exclude.txt"
# evaluation data that no rule may be derived from
HELD_OUT = {"NER-de-dev.tsv"}
# names of districts, regions and states (`"region": true` in the output; used with an
# article: `im Harz`, `im Emsland`), as opposed to settlements (municipalities, places)
REGION_KINDS = {"land", "regbez", "kreis", "de-community"}
REGION_SUFFIXES = ("-province", "-state")

_ORG_WORDS = re.compile(
    r"GmbH|\bAG\b|\bKG\b|\bSE\b|e\.\s?V\.|mbH|Amt\b|amt\b|Ministeri|gericht|Gericht|Bundes|Berufsgenossenschaft|"
    r"(?:Versicherung|Bank|Sparkasse|Universität|Hochschule|Klinik|Verlag|Verband|Stiftung|Kasse|Behörde|"
    r"Postfach|Großkunde|Verwaltung|Zentrale|Service|Finanz|Polizei|Direktion|"
    r"Spedition|Logistik|Industrie)\b|Deutsche |\bu\.|\bf\.|&|/|\d|[A-ZÄÖÜ]{2}|"
    r"(?i:versicher|(?:kasse|rundfunk|center|anstalt|agentur|gesellschaft|kontor|versand|gruppe|holding|"
    r"international|deutschland|germany|studio|büro|service|vertrieb|zentrale|fabrik|werke|werk|"
    r"krankenhaus|klinikum|schule|kaserne|flughafen|bahnhof|messe|handel|technik|systems|marketing|"
    r"gericht|anwaltschaft|finanz|direkt|post|lotto|quelle|otto|media|verlag)\b)"
)
_NAME_TOKEN = re.compile(r"^(?:[A-ZÄÖÜ][\w'.\-]*|\(.*\)|am|an|bei|im|in|ob|vor|auf|unter|der|die|dem|den|des|zu|zum|zur|a\.|d\.|i\.|b\.|v\.|St\.|Sankt)$")
_ADMIN_PREFIX = re.compile(r"^(?:Landkreis|Kreis|Stadtkreis|Region|Bezirk|Kanton|Regierungsbezirk|Verwaltungsgemeinschaft|Amt)\s+")
_ADMIN_SUFFIX = re.compile(r"\s+(?:Stadt|Land|Umgebung)$")


def _clean(name: str) -> str:
    name = " ".join(name.split())
    name = name.split(",")[0].strip()  # `Flensburg, Stadt` -> `Flensburg`
    name = re.sub(r"\s+\d+$", "", name)  # `Aarau 1` -> `Aarau`
    return name


def _variants(name: str) -> list[tuple[str, str]]:
    """(pattern, canonical) pairs for one official name."""
    out = [(name, name)]
    bare = _ADMIN_PREFIX.sub("", name)
    bare = _ADMIN_SUFFIX.sub("", bare) if not name.endswith("-Umgebung") else bare
    if bare != name:
        out.append((bare, bare))
    if "(" in bare:  # `Halle (Saale)` is also written `Halle`
        short = bare.split("(")[0].strip()
        out.append((short, short))
    return [(p, c) for p, c in out if p]


def _plausible(name: str) -> bool:
    if len(name) < 3 or len(name) > 60 or _ORG_WORDS.search(name):
        return False
    toks = name.split()
    if len(toks) > 5 or not toks[0][:1].isupper():
        return False
    return all(_NAME_TOKEN.match(t) for t in toks)


def read_gv100(path: Path) -> list[tuple[str, str]]:
    """(name, kind) for Länder (1), Regierungsbezirke (2), Kreise (4), Gemeinden (6)."""
    out = []
    for raw in path.read_text(encoding="latin-1" if b"\xe4" in path.read_bytes()[:200000] else "utf-8").splitlines():
        kind = raw[:1]
        if kind not in "1246" or len(raw) < 30:
            continue
        name = raw[22:72].strip()
        if name:
            out.append((name, {"1": "land", "2": "regbez", "4": "kreis", "6": "gemeinde"}[kind]))
    return out


def read_geonames(path: Path) -> list[tuple[str, str]]:
    cc = path.stem.lower()
    with zipfile.ZipFile(path) as z:
        member = next(n for n in z.namelist() if n.endswith(".csv"))
        text = z.read(member).decode("utf-8")
    out = []
    for row in csv.DictReader(io.StringIO(text)):
        out.append((row["place"], f"{cc}-place"))
        for col in ("community", "province", "state"):
            if row.get(col):
                out.append((row[col], f"{cc}-{col}"))
    return out


def common_word_counts(data: Path) -> tuple[Counter, Counter]:
    """Capitalised forms seen inside names vs. outside names in annotated text."""
    as_name, as_word = Counter(), Counter()
    for f in sorted((data / "ner" / "germeval2014").glob("*.tsv")):
        if f.name in HELD_OUT:
            continue
        prev_o = False
        for line in f.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) < 3 or line.startswith("#"):
                prev_o = False
                continue
            idx, tok, tag = parts[0], parts[1], parts[2]
            if not tok[:1].isupper() or idx == "1":
                continue
            if tag == "O":
                as_word[tok] += 1
            elif tag.endswith(("LOC", "PER")):
                as_name[tok] += 1
    for f in sorted((data / "ud").glob("*.conllu")):
        first = True
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                first = True
                continue
            cols = line.split("\t")
            if len(cols) < 4 or "-" in cols[0] or "." in cols[0]:
                continue
            tok, upos = cols[1], cols[3]
            if tok[:1].isupper() and not first:
                (as_name if upos == "PROPN" else as_word)[tok] += 1
            first = False
    return as_name, as_word


def _is_common_word(name: str, as_name: Counter, as_word: Counter) -> bool:
    if " " in name:
        return False
    w, n = as_word.get(name, 0), as_name.get(name, 0)
    return w >= 2 and w > n


def read_first_names(folder: Path) -> Counter:
    counts: Counter = Counter()
    for f in sorted(folder.glob("*.csv")):
        text = f.read_text(encoding="utf-8-sig", errors="replace")
        delim = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
        rows = list(csv.reader(io.StringIO(text), delimiter=delim))
        header = [h.strip().lower() for h in rows[0]]
        name_cols = [i for i, h in enumerate(header) if h == "vorname"]
        count_cols = [i for i, h in enumerate(header) if h == "anzahl"]
        for row in rows[1:]:
            for name_i in name_cols:
                count_i = min(count_cols, key=lambda j: abs(j - name_i)) if count_cols else None
                if name_i < len(row) and row[name_i].strip():
                    try:
                        n = int(row[count_i]) if count_i is not None and count_i < len(row) else 1
                    except ValueError:
                        n = 1
                    counts[row[name_i].strip()] += n
    return counts


def _write_gz(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9, filename="") as gz:
        gz.write(("\n".join(lines) + "\n").encode("utf-8"))
    path.write_bytes(buf.getvalue())


def build(data: Path) -> dict:
    gaz = data / "gazetteers"
    exclude = set()
    if EXCLUDE.exists():
        exclude = {ln.split("#", 1)[0].strip() for ln in EXCLUDE.read_text(encoding="utf-8").splitlines()} - {""}
    as_name, as_word = common_word_counts(data)

    raw: list[tuple[str, str]] = []
    for f in sorted((gaz / "de-municipalities").glob("*.txt")):
        raw.extend(read_gv100(f))
    for f in sorted((gaz / "geonames-postal").glob("*.zip")):
        raw.extend(read_geonames(f))
    entries: dict[str, str] = {}
    regions: set[str] = set()
    dropped = Counter()
    for name, kind in raw:
        name = _clean(name)
        for pattern, canonical in _variants(name):
            if not _plausible(pattern):
                dropped["implausible"] += 1
                continue
            if pattern in exclude or _is_common_word(pattern, as_name, as_word):
                dropped["common_word"] += 1
                continue
            entries.setdefault(pattern, canonical)
            if kind in REGION_KINDS or kind.endswith(REGION_SUFFIXES):
                regions.add(pattern)
    lines = []
    for pattern in sorted(entries):
        obj = {"label": "LOC", "pattern": pattern}
        if entries[pattern] != pattern:
            obj["id"] = entries[pattern]
        if pattern in regions:
            obj["region"] = True
        lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
    _write_gz(PLACES_OUT, lines)

    names = read_first_names(gaz / "first-names")
    keep = sorted(
        n for n, c in names.items()
        if c >= 2 and len(n) >= 3 and re.fullmatch(r"[^\W\d_][^\W\d_]+(?:-[^\W\d_]+)?", n) and n[0].isupper() and n[1:].replace("-", "").islower()
        and n not in exclude and n not in entries and not _is_common_word(n, as_name, as_word)
    )
    FIRST_NAMES_OUT.parent.mkdir(parents=True, exist_ok=True)
    FIRST_NAMES_OUT.write_text(
        "# Generated by `make gazetteer` from ../shared/data/gazetteers/first-names (see NOTICE.md).\n"
        "# Given names seen at least twice in Köln/Leipzig/München, minus place names and common words.\n"
        + "\n".join(keep) + "\n",
        encoding="utf-8",
    )
    return {"places": len(lines), "first_names": len(keep), "dropped": dict(dropped)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.gazetteer")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="compile the place gazetteer and first-name list")
    b.add_argument("--data", default="../shared/data")
    args = ap.parse_args(argv)
    data = Path(args.data)
    if not (data / "gazetteers").is_dir():
        print(f"error: {data}/gazetteers not found (pass --data)", file=sys.stderr)
        return 2
    stats = build(data)
    print(json.dumps(stats, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
