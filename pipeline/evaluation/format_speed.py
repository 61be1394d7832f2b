"""Extraction speed per input format, and the share of a run it takes on a mixed corpus.

    python -m pipeline.evaluation.format_speed --data ../shared/data --docs 10 [--out bench/formats.json]

Report texts (those of `make bench`: `$DATA/text`, else `corpus/`) are written as `.txt`,
`.md`, `.html`, `.pdf` and `.docx` files (`pipeline/formats/samples.py`; `--docs` of each),
then (1) every file is extracted three times and the best time per format is reported
as KB of input per second (and pages per second for PDF), and (2) the whole pipeline runs
once over the mixed corpus (no cache): the extraction time of all its files against
the run's total, and the language check's time, give the share they add.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

from ..formats import extract_bytes
from ..formats.samples import (
    docx_from_text,
    html_from_text,
    md_from_text,
    pdf_from_text,
)

WRITERS = {
    ".txt": lambda title, paras: ("\n\n".join([title] + paras)).encode("utf-8"),
    ".md": lambda title, paras: md_from_text(title, paras, [("Quelle", "Pressestelle"), ("Ort", "Hamm")]),
    ".html": lambda title, paras: html_from_text(title, paras, date="2024-05-03", author="Pressestelle"),
    ".pdf": lambda title, paras: pdf_from_text([title] + paras),
    ".docx": lambda title, paras: docx_from_text([title] + paras, [("Quelle", "Pressestelle"), ("Ort", "Hamm")]),
}


def make_corpus(texts: list[str], folder: Path, per_format: int) -> dict[str, list[Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[Path]] = {s: [] for s in WRITERS}
    usable = [t for t in texts if len(t.split()) >= 300] or texts
    for i in range(per_format * len(WRITERS)):
        text = usable[i % len(usable)]
        sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
        title, paras = sentences[0][:120], [" ".join(sentences[j:j + 4]) for j in range(1, len(sentences), 4)]
        suffix = list(WRITERS)[i % len(WRITERS)]
        path = folder / f"doc{i:04d}{suffix}"
        path.write_bytes(WRITERS[suffix](title, paras or [title]))
        files[suffix].append(path)
    return files


def extraction_speed(files: dict[str, list[Path]], config: dict, repeat: int = 3) -> dict[str, dict]:
    out = {}
    for suffix, paths in files.items():
        raws = [(p.read_bytes(), p.name) for p in paths]
        best, pages = None, 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            pages = sum(len(extract_bytes(raw, name, config).pages) for raw, name in raws)
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        kb = sum(len(r) for r, _ in raws) / 1024
        row = {"files": len(raws), "kb": round(kb, 1), "seconds": round(best, 4),
               "kb_per_second": round(kb / best, 1), "files_per_second": round(len(raws) / best, 1)}
        if pages:
            row["pages"] = pages
            row["pages_per_second"] = round(pages / best, 1)
        out[suffix] = row
    return out


def main(argv: list[str] | None = None) -> int:
    from ..bench import load_texts
    from ..config import load_config
    from ..language import detect, identifier
    from ..run import run_corpus

    ap = argparse.ArgumentParser(prog="python -m pipeline.evaluation.format_speed", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--docs", type=int, default=10, help="documents per format (default: 10)")
    ap.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = ap.parse_args(argv)

    config = load_config()
    texts, source = load_texts(args.data, 200_000)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        files = make_corpus(texts, corpus, args.docs)
        speed = extraction_speed(files, config)
        extract_total = sum(r["seconds"] for r in speed.values())
        identifier()
        t0 = time.perf_counter()
        for paths in files.values():
            for p in paths:
                detect(extract_bytes(p.read_bytes(), p.name, config).text)
        language_seconds = time.perf_counter() - t0 - extract_total
        t0 = time.perf_counter()
        outcome = run_corpus(corpus, Path(tmp) / "out", config, progress=False, use_cache=False)
        run_seconds = time.perf_counter() - t0
    result = {
        "texts": source, "documents": sum(len(v) for v in files.values()),
        "processed": outcome.n_ok, "errors": outcome.n_doc_errors + len(outcome.errors),
        "extraction": speed,
        "run_seconds": round(run_seconds, 2),
        "run_stages": {k: round(v, 2) for k, v in sorted(outcome.timings.items())},
        "extraction_seconds": round(extract_total, 2),
        "extraction_share": round(extract_total / run_seconds, 4),
        # without model loading (setup), which a long run or the service pays once
        "extraction_share_of_processing": round(extract_total / (run_seconds - outcome.timings.get("setup", 0.0)), 4),
        "language_seconds": round(max(language_seconds, 0.0), 2),
        "language_share": round(max(language_seconds, 0.0) / run_seconds, 4),
        "language_share_of_processing": round(max(language_seconds, 0.0) / (run_seconds - outcome.timings.get("setup", 0.0)), 4),
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
