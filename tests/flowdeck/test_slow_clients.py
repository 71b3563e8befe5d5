"""Slow clients against the web process as `make run` starts it (flowdeck/supervisord.conf's
web command: flowdeck/daphne_server.py), on the test database and the real Redis channel
layer (issue 20, items 6d and 7):

- headers sent a line every 5 s and a body sent a byte every 2 s get 408 and are
  disconnected (before: both still open past 40 s), while normal requests are served;
- websockets that never read are closed with 4008 once their unsent data reaches the
  limit, and the server's memory stays bounded while a run streams ~30 MB of events
  (before: three such sockets grew daphne by 74-89 MB); a socket that reads gets every
  event, in order.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psutil
import pytest
from django.conf import settings
from websockets.sync.client import connect

from tests.support.flows import chain, node, publish
from tests.support.users import make_user
from tests.support.web import RawWebSocket, Web, session_cookie, ws_headers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]
BOUND = 30  # seconds: a slow client is gone by then
MB = 1024 * 1024


@pytest.fixture(scope="module")
def web(stack_env):
    server = Web(stack_env)
    yield server
    server.stop()


def _trickle(port: int, head: bytes, piece: bytes, every: float) -> tuple[float, bytes]:
    """Send ``head``, then ``piece`` every ``every`` seconds until the server answers or closes:
    (seconds until then, what it answered)."""
    sock = socket.create_connection(("127.0.0.1", port))
    start = time.monotonic()
    sock.sendall(head)
    sock.settimeout(0.25)
    sent = start
    try:
        while time.monotonic() - start < BOUND + 30:
            try:
                answer = sock.recv(4096)
                return time.monotonic() - start, answer  # b"" when closed without an answer
            except socket.timeout:
                pass
            if time.monotonic() - sent >= every:
                sent = time.monotonic()
                try:
                    sock.sendall(piece)
                except OSError:
                    return time.monotonic() - start, b""
        return time.monotonic() - start, b"<still open>"
    finally:
        sock.close()


def test_slow_headers_and_a_slow_body_are_cut_off_while_normal_requests_are_served(web):
    cookie = session_cookie(make_user("slow_viewer", "viewer"))
    host = f"Host: 127.0.0.1:{web.port}\r\n".encode()
    with ThreadPoolExecutor(2) as pool:
        headers = pool.submit(_trickle, web.port, b"GET /api/runs/ HTTP/1.1\r\n" + host, b"X-Slow: 1\r\n", 5)
        body = pool.submit(_trickle, web.port, b"POST /api/runs/ HTTP/1.1\r\n" + host +
                           b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n", b" ", 2)
        served = 0
        while not (headers.done() and body.done()):  # meanwhile, ordinary requests are answered
            assert httpx.get(f"{web.url}/api/runs/", headers={"Cookie": cookie}, timeout=10).status_code == 200
            assert httpx.post(f"{web.url}/api/runs/", json={}, timeout=10).status_code in (401, 403)
            served += 1
            time.sleep(1)
        (header_time, header_answer), (body_time, body_answer) = headers.result(), body.result()
    print(f"\nslow headers cut off after {header_time:.1f} s, slow body after {body_time:.1f} s; "
          f"{served} rounds of normal requests served meanwhile")
    assert header_answer.startswith(b"HTTP/1.1 408") and header_time < BOUND, (header_time, header_answer)
    assert body_answer.startswith(b"HTTP/1.1 408") and body_time < BOUND, (body_time, body_answer)
    assert served >= 5


def _peak_rss(pid: int, stop: threading.Event, peak: list[int]) -> None:
    process = psutil.Process(pid)
    while not stop.is_set():
        peak[0] = max(peak[0], process.memory_info().rss)
        time.sleep(0.05)


def _close_code_once_closed(raw: RawWebSocket, web: Web, result: dict) -> None:
    """Wait until the server logs closing this socket (by its port), then read up to the close frame."""
    port = raw.sock.getsockname()[1]
    deadline = time.monotonic() + 120
    while f"'127.0.0.1', {port}]" not in web.proc.output() and time.monotonic() < deadline:
        time.sleep(0.2)
    try:
        result["code"], result["frames"] = raw.read_until_close(timeout=30)
    except (OSError, ConnectionError) as exc:
        result["error"] = repr(exc)


def test_websockets_that_never_read_are_closed_with_4008_and_memory_stays_bounded(web):
    from engine.services.runs import run_edit_data, run_start
    cookie = session_cookie(make_user("flood_viewer", "viewer"))
    publish("flood", chain(node("gate", "signal", signal="go")))
    run, _ = run_start(definition_key="flood")
    path = f"/ws/runs/{run.id}/?after_seq=0"

    stalled = [RawWebSocket(web, path, cookie) for _ in range(3)]  # the three
    results = [{} for _ in stalled]
    closers = [threading.Thread(target=_close_code_once_closed, args=(raw, web, result), daemon=True)
               for raw, result in zip(stalled, results)]
    for closer in closers:
        closer.start()

    seqs: list[int] = []
    produced = threading.Event()
    with connect(f"ws://127.0.0.1:{web.port}{path}", additional_headers=ws_headers(web, cookie),
                 open_timeout=15, ping_interval=None, max_size=2 * MB) as reader:
        def read():  # a client that keeps up, all along
            while not (produced.is_set() and seqs and seqs[-1] == last[0]):
                try:
                    message = json.loads(reader.recv(timeout=1))
                except TimeoutError:
                    continue
                seqs.extend(e["seq"] for e in message.get("events", []))
        last = [None]
        reading = threading.Thread(target=read, daemon=True)
        reading.start()
        time.sleep(2)  # every socket caught up (run.created ...) and joined
        process = psutil.Process(web.pid)
        base = process.memory_info().rss
        stop, peak = threading.Event(), [base]
        sampler = threading.Thread(target=_peak_rss, args=(web.pid, stop, peak), daemon=True)
        sampler.start()
        try:
            edits = 500  # each event ~60 KB (30 KB before, 30 KB after): under the payload limit, sent whole
            for i in range(edits):
                run_edit_data(run_id=run.id, data={"blob": chr(97 + i % 26) * 30_000}, reason="flood")
            from engine.models import RunEvent
            last[0] = RunEvent.objects.filter(run=run).order_by("-seq").values_list("seq", flat=True).first()
            produced.set()
            reading.join(60)
            for closer in closers:
                closer.join(60)
        finally:
            stop.set()
            sampler.join()
        after = process.memory_info().rss

    growth = (peak[0] - base) / MB
    print(f"\nweb RSS {base / MB:.0f} MB -> peak {peak[0] / MB:.0f} MB (+{growth:.1f} MB), after {after / MB:.0f} MB, "
          f"while {edits} events of ~60 KB streamed to 3 sockets that never read and one that did; closes: {results}")
    assert seqs == list(range(1, last[0] + 1))  # the reading socket got everything, in order
    assert [r.get("code") for r in results] == [4008] * 3, (results, web.proc.output()[-3000:])
    limit = settings.FLOWDECK_WS_SEND_BUFFER_BYTES / MB
    assert growth < 3 * limit + 20, growth  # unbounded, the three would hold ~3 x 26 MB
    for raw in stalled:
        raw.close()
