"""Command line of the benchmark: `python -m pipeline.bench` (see the package docstring)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, replace
from pathlib import Path

from . import __doc__ as DOC
from .sections import SCALES, SECTIONS, TITLES, Bench
from .tools import REPO


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m pipeline.bench", description=DOC.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=DOC.split("\n\n", 1)[1])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results.json")
    ap.add_argument("--scale", choices=sorted(SCALES), default="quick",
                    help="quick (default, N=200, minutes) or full (N=2000 vs 20,000, E at 10,000 documents; hours)")
    ap.add_argument("--only", default=",".join(SECTIONS), help="sections to run, e.g. A,B (default: all)")
    ap.add_argument("--model", default="auto")
    ap.add_argument("--workdir", type=Path, default=None, help="where corpora and run outputs go (default: a temp folder)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    for name in ("n", "a_words", "repeats", "d_docs", "e_docs", "f_docs"):
        ap.add_argument(f"--{name.replace('_', '-')}", type=int, default=None, help=f"override the scale's {name}")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    chosen = [s.strip().upper() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        print(f"error: unknown section(s) {unknown}; choose from {','.join(SECTIONS)}", file=sys.stderr)
        return 2
    overrides = {k: getattr(args, k) for k in ("n", "a_words", "repeats", "d_docs", "e_docs", "f_docs")
                 if getattr(args, k) is not None}
    scale = replace(SCALES[args.scale], **overrides)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pipeline-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    bench = Bench(args.data, workdir, scale, args.model)
    result = {"scale": asdict(scale), "sections_run": chosen, "data": str(args.data), "workdir": str(workdir),
              "machine": _machine(), "sections": {}, "targets": bench.targets}
    print(f"benchmark ({scale.name} scale), sections {','.join(chosen)}; work folder {workdir}", flush=True)
    try:
        for name in chosen:
            print(f"\n== {name}: {TITLES[name]}", flush=True)
            t0 = time.perf_counter()
            try:
                result["sections"][name] = SECTIONS[name](bench)
            except Exception as exc:  # noqa: BLE001 - a failing section is reported, the others go on
                message = f"{type(exc).__name__}: {' '.join(str(exc).split())[:400]}"
                result["sections"][name] = {"error": message, "traceback": traceback.format_exc()[-2000:]}
                bench.target(name, f"section {name} ran", None, ">=", 1, note=message)
            result["sections"][name]["seconds"] = round(time.perf_counter() - t0, 1)
            _write(args.out, result)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    result["machine"]["loadavg_end"] = _loadavg()
    _write(args.out, result)
    _print_targets(bench.targets)
    print(f"written to {args.out}")
    return 0


def _print_targets(targets: list[dict]) -> None:
    print("\n== targets")
    for t in targets:
        print(f"[{t['status']:5}] {t['section']}  {t['what']}: {t['value']} (target {t['target']})"
              + (f"  {t['note']}" if t["note"] else ""))
    counts = {s: sum(1 for t in targets if t["status"] == s) for s in ("PASS", "FAIL", "ERROR", "INFO")}
    print("  ".join(f"{k} {v}" for k, v in counts.items() if v))


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _machine() -> dict:
    return {"python": sys.version.split()[0], "machine": platform.machine(), "cpu_count": os.cpu_count(),
            "loadavg_start": _loadavg(), "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def _write(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
