"""The http node: a real HTTP call with the idempotency key as a header,
4xx final, 5xx/429/timeouts retried."""
import http.server
import json
import threading
import time

import pytest

from engine.models import StepRun, WorkflowRun
from engine.services.runs import run_start
from tests.support.flows import chain, drain, make_due, node, publish

pytestmark = pytest.mark.django_db(transaction=True)


class _Scripted(http.server.BaseHTTPRequestHandler):
    script: list = []      # (status, body, delay) per request, in order
    seen: list = []        # (path, headers, body)

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.path, dict(self.headers), json.loads(body or b"null")))
        status, payload, delay = self.script.pop(0) if self.script else (200, {"ok": True}, 0)
        time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(payload).encode())
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Scripted.script, _Scripted.seen = [], []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1], _Scripted
    srv.shutdown()
    srv.server_close()


def run_http(port, script, handler, **node_fields):
    handler.script = list(script)
    fields = {"method": "POST", "url": f"http://127.0.0.1:{port}/pay/{{{{ input.order }}}}",
              "headers": {"X-Order": "{{ input.order }}"}, "body": {"amount": "input.amount"},
              "retry": {"max_attempts": 3, "initial_interval": 0.1, "jitter": 0}, "timeout": 5, **node_fields}
    publish("hook", chain(node("call", "http", **fields)))
    run, _ = run_start(definition_key="hook", input={"order": "A-1", "amount": 42})
    for _ in range(4):
        drain(run.id)
        make_due(run.id)
    return WorkflowRun.objects.get(pk=run.id), StepRun.objects.get(run=run, node_id="call")


def test_success_sends_the_idempotency_key_headers_and_body(server):
    port, handler = server
    run, step = run_http(port, [(201, {"charge": "ch_1"}, 0)], handler)
    assert run.status == "completed" and step.output == {"status": 201, "body": {"charge": "ch_1"}}
    path, headers, body = handler.seen[0]
    assert path == "/pay/A-1" and body == {"amount": 42} and headers["X-Order"] == "A-1"
    assert headers["Idempotency-Key"] == f"{run.id}:call"


def test_5xx_and_429_are_retried_with_the_same_key(server):
    port, handler = server
    run, step = run_http(port, [(503, {}, 0), (429, {}, 0), (200, {"ok": 1}, 0)], handler)
    assert run.status == "completed" and step.attempt == 3
    assert [a["error"]["type"] for a in step.attempts[:2]] == ["HttpServerError", "HttpServerError"]
    assert {h["Idempotency-Key"] for _, h, _ in handler.seen} == {f"{run.id}:call"}


def test_4xx_is_final(server):
    port, handler = server
    run, step = run_http(port, [(400, {"error": "bad card"}, 0)], handler)
    assert run.status == "aborted" and step.attempt == 1  # non-retryable, nothing to undo
    assert step.error["type"] == "HttpClientError" and "bad card" in step.error["message"]


def test_an_unexpected_status_is_an_error_even_if_2xx(server):
    port, handler = server
    run, step = run_http(port, [(202, {}, 0)], handler, expected_statuses=[200], retry={"max_attempts": 1})
    assert run.status == "aborted" and step.error["type"] == "HttpClientError"


def test_a_slow_answer_times_out_and_is_retried(server):
    port, handler = server
    run, step = run_http(port, [(200, {}, 2), (200, {"ok": 2}, 0)], handler, timeout=0.5)
    assert run.status == "completed" and step.attempt == 2
    assert step.attempts[0]["error"]["type"] == "HttpTimeout"
