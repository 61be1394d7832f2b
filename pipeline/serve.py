"""`python -m pipeline serve`: the pipeline as an HTTP service (FastAPI + uvicorn).

    POST /extract   JSON {"text": "...", "doc_date": "2025-03-14"?, "rules": "NAME"?}
                    or multipart/form-data with a `file` (.txt .md .html .pdf .docx …)
                    and optional `doc_date`, `rules` fields
                    -> 200 {"doc_id", "tables": {documents, metadata, mentions, entities,
                       roles, dates, figures, pages: [rows]}} -- the rows a run writes,
                       offsets into tables.documents[0].text
    GET  /health    -> 200 {"status": "ok", model, versions, formats, rule sets}

The model is loaded once at start-up (one pipeline per named rule set, `--rules-set
NAME=DIR`; a request names one with `rules`, never a path).  Limits: request bodies over
`--max-bytes` get 413 before they are read whole; a request not done within `--timeout`
seconds gets 504; more than `--max-queue` requests waiting get 503.  Bad input is a 4xx
with a JSON body {"error", "message"} (and `stage` when a document failed); an
unexpected failure is a 500 with a one-line message, never a stack trace.
Requests are processed one at a time per pipeline (spaCy's pipeline is not shared
between threads); the time a request waits counts towards its timeout.
"""

# no `from __future__ import annotations`: FastAPI resolves the `Request` annotation at runtime
import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor

from .version import CONTRACT_VERSION, __version__
from .api import ExtractionError, Pipeline, to_json

LOG = logging.getLogger("pipeline.serve")
DEFAULT_MAX_BYTES = 10_000_000
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_QUEUE = 16


class ServiceError(Exception):
    def __init__(self, status: int, error: str, message: str, stage: str | None = None):
        self.status, self.error, self.message, self.stage = status, error, message, stage
        super().__init__(message)

    def body(self) -> dict:
        out = {"error": self.error, "message": self.message}
        if self.stage:
            out["stage"] = self.stage
        return out


class BodyLimit:
    """ASGI middleware: 413 for bodies over `max_bytes` (by Content-Length, or counted)."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        too_large = ServiceError(413, "too_large", f"request body larger than {self.max_bytes:,} bytes")
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await _send_json(send, too_large.status, too_large.body())
        seen = 0
        started = False

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise too_large
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except ServiceError as exc:
            if not started:
                await _send_json(send, exc.status, exc.body())


async def _send_json(send, status: int, body: dict) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


def create_app(pipelines: dict[str, Pipeline], default: str = "default", max_bytes: int = DEFAULT_MAX_BYTES,
               timeout: float = DEFAULT_TIMEOUT, max_queue: int = DEFAULT_MAX_QUEUE):
    """The ASGI app over already loaded pipelines ({rule set name: Pipeline})."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from .formats import registered

    app = FastAPI(title="German report pipeline", version=__version__, docs_url=None, redoc_url=None)
    executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="extract")
    state = {"waiting": 0}

    @app.exception_handler(ServiceError)
    async def _service_error(request, exc: ServiceError):
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request, exc):
        return JSONResponse({"error": "http", "message": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request, exc):
        return JSONResponse({"error": "bad_request", "message": "invalid request"}, status_code=400)

    @app.exception_handler(Exception)
    async def _unexpected(request, exc: Exception):
        LOG.exception("unexpected error")  # the trace goes to the server log only
        return JSONResponse({"error": "internal", "message": f"internal error ({type(exc).__name__})"}, status_code=500)

    @app.get("/health")
    async def health():
        first = pipelines[default]
        return {
            "status": "ok", "pipeline_version": __version__, "contract_version": CONTRACT_VERSION,
            "model": {k: first.model_info.get(k) for k in ("name", "version", "kind")},
            "rule_sets": sorted(pipelines), "formats": registered(), "max_bytes": max_bytes, "timeout_seconds": timeout,
        }

    @app.post("/extract")
    async def extract(request: Request):
        fields = await _read_request(request)
        pipeline = _pick(pipelines, default, fields.get("rules"))
        doc_date = fields.get("doc_date")
        if doc_date is not None and not isinstance(doc_date, str):
            raise ServiceError(400, "bad_request", "`doc_date` must be a string YYYY-MM-DD")
        if "file" in fields:
            raw, filename = fields["file"]
        else:
            text = fields.get("text")
            if not isinstance(text, str) or not text.strip():
                raise ServiceError(400, "bad_request", "`text` (a non-empty string) or an uploaded `file` is required")
            raw, filename = text.encode("utf-8"), "text.txt"

        def work():
            record = pipeline.record(raw, filename, doc_date)
            return record.doc_id, to_json(pipeline.frames(record))

        if state["waiting"] >= max_queue:
            raise ServiceError(503, "busy", f"more than {max_queue} requests waiting; retry later")
        state["waiting"] += 1
        try:
            future = asyncio.get_running_loop().run_in_executor(executor, work)
            doc_id, tables = await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise ServiceError(504, "timeout", f"extraction took longer than {timeout:g} s") from None
        except ValueError as exc:  # bad doc_date
            raise ServiceError(400, "bad_request", str(exc)) from None
        except ExtractionError as exc:
            raise ServiceError(422, exc.error, exc.message, exc.stage) from None
        finally:
            state["waiting"] -= 1
        return {"doc_id": doc_id, "tables": tables}

    return app


async def _read_request(request) -> dict:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        try:
            data = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            raise ServiceError(400, "bad_json", "request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise ServiceError(400, "bad_request", "JSON body must be an object {text, doc_date?, rules?}")
        unknown = set(data) - {"text", "doc_date", "rules"}
        if unknown:
            raise ServiceError(400, "bad_request", f"unknown field(s): {', '.join(sorted(unknown))}")
        return data
    if ctype == "multipart/form-data":
        try:
            form = await request.form()
        except Exception as exc:  # noqa: BLE001 - malformed multipart
            raise ServiceError(400, "bad_request", f"malformed form data ({type(exc).__name__})") from None
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ServiceError(400, "bad_request", "form data needs a `file` field with the document")
        out = {"file": (await upload.read(), upload.filename or "upload.txt")}
        for key in ("doc_date", "rules"):
            if form.get(key):
                out[key] = str(form.get(key))
        return out
    raise ServiceError(415, "unsupported_media_type", "send application/json {text, doc_date?} or multipart/form-data with a file")


def _pick(pipelines: dict[str, Pipeline], default: str, rules) -> Pipeline:
    if rules is None:
        return pipelines[default]
    if isinstance(rules, list) and len(rules) == 1:
        rules = rules[0]
    if not isinstance(rules, str) or rules not in pipelines:
        raise ServiceError(400, "unknown_rules", f"`rules` must name one of the server's rule sets: {', '.join(sorted(pipelines))}")
    return pipelines[rules]


def load_pipelines(config: dict, rule_sets: dict[str, str]) -> dict[str, Pipeline]:
    """One pipeline for the configuration, and one per named extra rules folder."""
    pipelines = {"default": Pipeline(config)}
    for name, folder in rule_sets.items():
        cfg = dict(config, rules=list(config.get("rules", [])) + [folder])
        pipelines[name] = Pipeline(cfg)
    return pipelines


def serve(config: dict, host: str, port: int, rule_sets: dict[str, str] | None = None,
          max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = DEFAULT_TIMEOUT, max_queue: int = DEFAULT_MAX_QUEUE) -> None:
    import uvicorn

    from .language import identifier

    pipelines = load_pipelines(config, rule_sets or {})
    identifier()  # the language model too: no first-request delay
    app = BodyLimit(create_app(pipelines, max_bytes=max_bytes, timeout=timeout, max_queue=max_queue), max_bytes)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=True)
