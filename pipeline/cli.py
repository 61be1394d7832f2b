"""Command line: `python -m pipeline run|rules check|explain|report|serve` (also `de-pipeline`).

Exit codes (also in `--help`): 0 success; 1 rule files invalid; 2 bad input (missing
or empty corpus, invalid metadata.csv, bad configuration, output folder unwritable, full
or locked by another run, bad model, no run to report on); 3 no document could be processed; 130 interrupted.
Every failure the user can fix is one line on stderr, never only a traceback.
Diagnostics go through `logging` (`--log-level`, `--verbose`); the progress bar is shown
only on a terminal.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from .version import __version__

EXIT_OK, EXIT_RULES, EXIT_INPUT, EXIT_NOTHING, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_CODES_HELP = """exit codes:
  0    success (documents that failed are rows of the errors table)
  1    rule files invalid (each problem printed as file:line: message)
  2    bad input: missing corpus, unreadable metadata.csv, bad configuration,
       output folder not writable, model not loadable, no run to report on
  3    no document could be processed (see the errors table)
  130  interrupted"""
log = logging.getLogger("pipeline")


def _prog() -> str:
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return name if name and name not in ("__main__.py", "-c", "-m") and not name.endswith(".py") else "python -m pipeline"


def _parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(
        prog=_prog(),
        description="German information extraction: a corpus folder of reports -> normalised tables.",
        epilog=EXIT_CODES_HELP, formatter_class=fmt,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s (de-report-pipeline) {__version__}")
    _logging_options(p)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="process a corpus folder into output tables", epilog=EXIT_CODES_HELP,
                         formatter_class=fmt,
                         description="Read every document below CORPUS (.txt .md .html .htm .pdf .docx, as "
                         "ingest.extensions says) and write the tables (Parquet, CSV, DuckDB), "
                         "OUT/README.md (the data dictionary) and run.json to OUT.")
    run.add_argument("--corpus", default="corpus", type=Path, help="folder of documents (default: corpus)")
    run.add_argument("--out", default="outputs", type=Path, help="output folder (default: outputs)")
    _common(run)
    run.add_argument("--workers", type=int, default=1,
                     help="worker processes (local engine) or LocalCluster workers (dask engine) (default: 1)")
    run.add_argument("--engine", choices=("local", "dask"), default="local",
                     help="where the shards run: local processes, or a Dask cluster (default: local)")
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="Dask scheduler, e.g. tcp://host:8786 (default: $DASK_SCHEDULER_ADDRESS, "
                     "else a LocalCluster of --workers processes); implies --engine dask")
    run.add_argument("--no-cache", action="store_true",
                     help="reprocess every shard even if its documents are unchanged since the last run")
    run.add_argument("--keep-cache", action="store_true",
                     help="keep the shard results no longer used (default: OUT/.shards keeps only this run's)")
    run.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    _logging_options(run)

    report = sub.add_parser("report", help="write a static review report (HTML) of a run",
                            epilog=EXIT_CODES_HELP, formatter_class=fmt,
                            description="Build OUT/report/: an index with corpus counts, top entities with roles, "
                            "a timeline, figure kinds and errors, and one page per document with its mentions, "
                            "dates and figures highlighted. Works offline (plotly.js is copied into report/assets).")
    report.add_argument("--out", default="outputs", type=Path, help="the run's output folder (default: outputs)")
    report.add_argument("--dest", type=Path, default=None, help="where to write the site (default: OUT/report)")
    _logging_options(report)

    rules = sub.add_parser("rules", help="work with rule files")
    rsub = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    check = rsub.add_parser("check", help="validate all rule files and run their examples",
                            description="Validate schema, regexes, labels and duplicates of every rule "
                            "file and run each rule's examples; prints file:line: message per problem.")
    _common(check)

    explain = sub.add_parser("explain", help="show which rule or model produced each extraction",
                             description="Run the pipeline on a German sentence (or a corpus document with "
                             "--doc) and print every mention, date and figure with the rule or model behind it.")
    explain.add_argument("text", nargs="?", help="German text to analyse")
    explain.add_argument("--doc", help="doc_id of a document in --corpus instead of TEXT")
    explain.add_argument("--corpus", default="corpus", type=Path, help="corpus for --doc (default: corpus)")
    explain.add_argument("--date", help="document date (ISO) to resolve relative dates against")
    _common(explain)
    _logging_options(explain)

    serve = sub.add_parser("serve", help="run the HTTP service (POST /extract, GET /health)",
                           description="Serve the pipeline over HTTP (FastAPI + uvicorn): POST /extract with JSON "
                           "{text, doc_date?, rules?} or an uploaded file returns the rows a run writes; GET /health. "
                           "The model is loaded once at start-up. Needs the `serve` extra.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    serve.add_argument("--rules-set", action="append", default=[], metavar="NAME=DIR",
                       help="an extra rules folder a request can choose with rules: NAME (repeatable)")
    serve.add_argument("--max-bytes", type=int, default=10_000_000, help="largest request body (default: 10000000)")
    serve.add_argument("--timeout", type=float, default=60.0, help="seconds per request before 504 (default: 60)")
    _common(serve)
    _logging_options(serve)
    return p


def _logging_options(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: given before or after the command, the option is set once, never reset
    p.add_argument("--log-level", default=argparse.SUPPRESS, type=str.upper,
                   choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="diagnostics on stderr (default: WARNING)")
    p.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                   help="same as --log-level INFO")


def _setup_logging(args) -> None:
    level = getattr(args, "log_level", None) or ("INFO" if getattr(args, "verbose", False) else "WARNING")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", action="append", default=[], metavar="DIR",
                   help="extra rules folder layered over the built-in rules (repeatable; later wins)")
    p.add_argument("--model", default=None,
                   help="auto (default) | de_core_news_sm | embedded | blank | package name | model path")
    p.add_argument("--config", type=Path, default=None, help="pipeline configuration YAML (default: pipeline/config.yaml)")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from .assembly import ModelError
    _setup_logging(args)
    from .ingest import IngestError
    from .rulebook import RuleError

    try:
        if args.command == "run":
            code = cmd_run(args)
        elif args.command == "rules":
            code = cmd_rules_check(args)
        elif args.command == "serve":
            code = cmd_serve(args)
        elif args.command == "report":
            code = cmd_report(args)
        else:
            code = cmd_explain(args)
        sys.stdout.flush()  # a closed pipe (`explain ... | head -3`) surfaces here, not at exit
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except RuleError as exc:
        _fail(exc.format(), EXIT_RULES)
    except (IngestError, ModelError) as exc:
        _fail(str(exc))
    return EXIT_INPUT


def _silence_stdout() -> None:
    """The reader of our output went away (`| head`): stop writing, no traceback."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _config(args):
    from .config import ConfigError, load_config

    try:
        return load_config(args.config, model=args.model, rules=args.rules or None)
    except ConfigError as exc:
        _fail(str(exc))


def _fail(message: str, code: int = EXIT_INPUT):
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


def cmd_run(args) -> int:
    from .assembly import ModelError
    from .ingest import IngestError
    from .outdir import OutputBusy, OutputLock, clean_stale
    from .rulebook import RuleError
    from .engines import RunFailed
    from .run import run_corpus, run_info
    from .shards import prune_shards
    from .write import OutputError, ensure_writable, output_os_message, write_run

    if args.workers < 1:
        _fail("--workers must be at least 1")
    engine = "dask" if args.scheduler else args.engine
    config = _config(args)
    if not args.corpus.exists() or not args.corpus.is_dir():
        _fail(f"corpus folder not found: {args.corpus}")
    started = time.perf_counter()
    try:
        problems = _rule_problems(config)
        if problems:
            for p in problems:
                print(p, file=sys.stderr)
            _fail(f"{len(problems)} problem(s) in rule files; nothing was processed", EXIT_RULES)
        ensure_writable(args.out)
        log.info("corpus %s -> %s (model %s, engine %s, %d worker(s))", args.corpus, args.out, config.get("model"),
                 engine, args.workers)
        with OutputLock(args.out):
            clean_stale(args.out)
            outcome = run_corpus(args.corpus, args.out, config, workers=args.workers, progress=not args.quiet,
                                 use_cache=not args.no_cache, engine=engine, scheduler=args.scheduler)
            for warning in outcome.warnings:
                print(f"warning: {warning}", file=sys.stderr)
            if not outcome.n_documents and not outcome.errors:
                _fail(f"no documents in {args.corpus} (looked for {', '.join(outcome.extensions)}); nothing was written")
            log.info("%d document(s) processed, %d from unchanged shards, %d error(s)", outcome.n_processed,
                     outcome.n_cached, outcome.n_doc_errors + len(outcome.errors))
            t0 = time.perf_counter()
            info = run_info(outcome, config, {}, time.perf_counter() - started, args.corpus, args.out)
            counts = write_run(args.out, outcome, info, (config.get("write") or {}).get("memory_limit"))
            outcome.timings["write"] = outcome.timings.get("write", 0.0) + time.perf_counter() - t0
            log.info("tables written: %s", ", ".join(f"{k} {v}" for k, v in counts.items()))
            if not args.keep_cache:
                removed = prune_shards(args.out, set(outcome.shard_dirs))
                if removed:
                    log.info("removed %d shard result(s) no longer used from %s/.shards", removed, args.out)
    except RuleError as exc:
        _fail(exc.format(), EXIT_RULES)
    except (IngestError, ModelError, OutputError, OutputBusy, RunFailed) as exc:
        _fail(str(exc))
    except OSError as exc:  # the disk failed under us (full disk, ...): one line, exit 2
        _fail(output_os_message(args.out, exc))
    total = time.perf_counter() - started
    if not args.quiet:
        _summary(outcome, counts, total, args.out)
    if not outcome.n_ok and (outcome.errors or outcome.n_doc_errors):
        print("error: no document could be processed (see errors table)", file=sys.stderr)
        return EXIT_NOTHING
    return EXIT_OK


def _summary(outcome, counts: dict, total: float, out: Path) -> None:
    model = outcome.model_info
    print(f"model: {model.get('name')} {model.get('version') or ''} ({model.get('kind')})")
    print(
        f"documents: {counts.get('documents', 0)} ({outcome.n_cached} unchanged, reused; "
        f"{outcome.shards_processed} of {outcome.shards_total} shards processed, engine {outcome.engine})  "
        f"tokens: {outcome.n_tokens}  mentions: {counts.get('mentions', 0)}  entities: {counts.get('entities', 0)}  "
        f"dates: {counts.get('dates', 0)}  figures: {counts.get('figures', 0)}  errors: {counts.get('errors', 0)}"
    )
    stages = "  ".join(f"{k} {v:.2f}s" for k, v in outcome.timings.items())
    print(f"seconds per stage (summed over workers): {stages}  total {total:.2f}s")
    print(f"outputs: {out}/ (Parquet, CSV, {out}/pipeline.duckdb, run.json; README.md is the data dictionary)")


def _rule_problems(config: dict) -> list[str]:
    from .checks import check_rules

    return [p.format() for p in check_rules(config, run_examples=False)]


def cmd_rules_check(args) -> int:
    from .checks import check_rules

    config = _config(args)
    problems = check_rules(config, run_examples=True)
    for p in problems:
        print(p.format())
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return EXIT_RULES
    from .rulebook import load_rules

    n = len(load_rules(config.get("rules", [])).manifest())
    print(f"rules ok: {n} files checked")
    return EXIT_OK


def cmd_explain(args) -> int:
    from .explain import explain
    from .ingest import is_iso_date

    config = _config(args)
    if not args.text and not args.doc:
        _fail("give a German TEXT or --doc DOC_ID")
    if args.date is not None and not is_iso_date(args.date):
        _fail(f"--date {args.date!r} is not a valid date (ISO YYYY-MM-DD)")
    report = explain(config, text=args.text, doc_id=args.doc, corpus=args.corpus, doc_date=args.date)
    if report.startswith("error in stage "):
        print(f"error: {report[len('error in '):]}", file=sys.stderr)
        return EXIT_RULES
    print(report)
    return EXIT_OK


def cmd_serve(args) -> int:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        _fail("the service needs the `serve` extra: pip install -e '.[serve]' (make install does it)")
    from .serve import serve

    config = _config(args)
    rule_sets = {}
    for item in args.rules_set:
        name, sep, folder = item.partition("=")
        if not sep or not name or not folder:
            _fail(f"--rules-set wants NAME=DIR, got {item!r}")
        if not Path(folder).is_dir():
            _fail(f"--rules-set {name}: rules folder not found: {folder}")
        rule_sets[name] = folder
    if args.max_bytes < 1 or args.timeout <= 0:
        _fail("--max-bytes and --timeout must be positive")
    problems = _rule_problems(config)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        _fail(f"{len(problems)} problem(s) in rule files; not serving", EXIT_RULES)
    serve(config, args.host, args.port, rule_sets, max_bytes=args.max_bytes, timeout=args.timeout)
    return EXIT_OK


def cmd_report(args) -> int:
    from .report import ReportError, build_report

    try:
        index = build_report(args.out, args.dest)
    except ReportError as exc:
        _fail(str(exc))
    print(f"report: {index}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
