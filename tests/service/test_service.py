"""The HTTP service, for real: uvicorn on a free loopback port, HTTP requests, stopped after.

Only 127.0.0.1 is contacted; every request loop is bounded."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the service needs the `serve` extra")
pytest.importorskip("uvicorn", reason="the service needs the `serve` extra")

from tests.formats.fixtures import report_docx, report_pdf  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
MAX_BYTES = 300_000
SENTENCE = ("Hamm, 14. März 2025 – Die Stadt Hamm plant mehr als 40 neue Radwege. "
            "Oberbürgermeister Marc Herter stellte die Pläne am Freitag im Rathaus vor.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    layer = tmp_path_factory.mktemp("rules") / "projekte"
    (layer / "entities").mkdir(parents=True)
    (layer / "entities" / "projekte.jsonl").write_text('{"label": "PROJECT", "pattern": "Kuckuck 14"}\n', encoding="utf-8")
    port = _free_port()
    log = tmp_path_factory.mktemp("log") / "server.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--max-bytes", str(MAX_BYTES), "--timeout", "120", "--rules-set", f"projekte={layer}"],
            cwd=REPO, stdout=fh, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("server did not start within 180 s")
            time.sleep(0.5)
        yield base, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _request(url: str, body: bytes | None = None, ctype: str | None = None, timeout: float = 120) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def post_json(base: str, payload) -> tuple[int, dict]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return _request(f"{base}/extract", body, "application/json")


def post_file(base: str, name: str, raw: bytes, **fields: str) -> tuple[int, dict]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + raw + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return _request(f"{base}/extract", b"".join(parts), f"multipart/form-data; boundary={boundary}")


def _slices(tables: dict) -> None:
    text = tables["documents"][0]["text"]
    for name in ("mentions", "dates", "figures"):
        for row in tables[name]:
            assert text[row["start_char"]:row["end_char"]] == row["text"], (name, row)


def test_health(server):
    base, _ = server
    status, body = _request(f"{base}/health")
    assert status == 200 and body["status"] == "ok"
    assert body["rule_sets"] == ["default", "projekte"]
    assert body["formats"][".pdf"] == "pdf" and body["model"]["name"]


def test_extract_text_gives_the_run_rows(server):
    base, _ = server
    status, body = post_json(base, {"text": SENTENCE})
    assert status == 200
    t = body["tables"]
    doc = t["documents"][0]
    assert (doc["doc_date"], doc["doc_date_source"], doc["language"], doc["format"]) == ("2025-03-14", "text", "de", "txt")
    assert {("Marc Herter", "PER"), ("Hamm", "LOC")} <= {(m["text"], m["label"]) for m in t["mentions"]}
    fig = [f for f in t["figures"] if f["value"] == 40][0]
    assert (fig["qualifier"], fig["unit"], fig["value_max"]) == (">", "Radweg", None)
    assert any(d["value"] == "2025-03-14" for d in t["dates"])
    assert t["entities"] and t["pages"] == [] and t["metadata"] == []
    _slices(t)


def test_extract_with_doc_date_and_rule_set(server):
    base, _ = server
    text = "Am Freitag besuchte die Ministerin das Wohnprojekt Kuckuck 14 in Hamm."
    status, body = post_json(base, {"text": text, "doc_date": "2025-03-12", "rules": "projekte"})
    assert status == 200
    t = body["tables"]
    assert t["documents"][0]["doc_date_source"] == "metadata"
    assert [d["value"] for d in t["dates"]] == ["2025-03-07"]  # past tense: the Friday before Wed 12 March
    assert ("Kuckuck 14", "PROJECT") in {(m["text"], m["label"]) for m in t["mentions"]}
    status, body = post_json(base, {"text": text})
    assert "PROJECT" not in {m["label"] for m in body["tables"]["mentions"]}


def test_extract_uploaded_pdf_and_docx(server):
    base, _ = server
    status, body = post_file(base, "bericht.pdf", report_pdf())
    assert status == 200, body
    t = body["tables"]
    assert t["documents"][0]["format"] == "pdf" and [p["page"] for p in t["pages"]] == [1, 2, 3]
    assert "Tjark Bartels" in {m["text"] for m in t["mentions"]}
    _slices(t)
    status, body = post_file(base, "einsatz.docx", report_docx(), doc_date="2025-03-15")
    assert status == 200
    t = body["tables"]
    assert ("Ort", "Hamm") in {(m["key"], m["value"]) for m in t["metadata"]}
    assert t["documents"][0]["doc_date"] == "2025-03-15"


def test_concurrent_requests_each_get_their_own_rows(server):
    base, _ = server
    towns = ["Hamm", "Soest", "Unna", "Lippstadt", "Bielefeld", "Paderborn"]
    texts = [f"{town}, 3. Mai 2024 – Die Feuerwehr {town} rückte zu {n} Einsätzen aus." for n, town in enumerate(towns, 11)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda s: post_json(base, {"text": s}), texts))
    for (status, body), text, n in zip(results, texts, range(11, 17)):
        assert status == 200
        t = body["tables"]
        assert t["documents"][0]["text"] == text
        assert [f["value"] for f in t["figures"]] == [float(n)]


@pytest.mark.parametrize(
    "payload, status, error",
    [
        (b"{not json", 400, "bad_json"),
        ({"doc_date": "2025-03-14"}, 400, "bad_request"),
        ({"text": "   "}, 400, "bad_request"),
        ({"text": "Hamm.", "doc_date": "14.03.2025"}, 400, "bad_request"),
        ({"text": "Hamm.", "rules": "/etc"}, 400, "unknown_rules"),
        ({"text": "Hamm.", "colour": "rot"}, 400, "bad_request"),
        ([1, 2], 400, "bad_request"),
    ],
    ids=["not-json", "no-text", "blank-text", "bad-date", "rules-path", "unknown-field", "array"],
)
def test_bad_requests_are_clear_4xx_json(server, payload, status, error):
    base, _ = server
    got, body = post_json(base, payload)
    assert got == status and body["error"] == error
    assert body["message"] and "Traceback" not in json.dumps(body)


def test_documents_that_fail_are_422_with_the_stage(server):
    base, _ = server
    english = ("The city council announced on Monday that more than forty new cycle lanes will be built across "
               "the city over the next three years, according to a statement released by the mayor's office. "
               "Residents welcomed the plans but asked for safer crossings near schools.")
    status, body = post_json(base, {"text": english})
    assert status == 422 and body["stage"] == "language" and "language en" in body["message"]
    status, body = post_file(base, "kaputt.pdf", report_pdf()[:900])
    assert status == 422 and body["error"] == "truncated"


def test_oversized_body_is_413_and_the_server_stays_up(server):
    base, _ = server
    status, body = post_json(base, {"text": "Hamm. " * (MAX_BYTES // 6 + 10)})
    assert status == 413 and body["error"] == "too_large"
    assert _request(f"{base}/health")[0] == 200


def test_wrong_media_type_and_unknown_path(server):
    base, _ = server
    status, body = _request(f"{base}/extract", b"Hamm", "text/plain")
    assert status == 415 and body["error"] == "unsupported_media_type"
    status, body = _request(f"{base}/nirgends")
    assert status == 404 and "Traceback" not in json.dumps(body)


def test_server_log_has_no_traceback(server):
    """Runs last in this module: nothing above made the server fail unexpectedly."""
    base, log = server
    assert _request(f"{base}/health")[0] == 200
    assert "Traceback" not in log.read_text(errors="replace")
