"""A console socket left idle on a real daphne and the real Redis channel layer
stays open and still receives the run's next event (issue 13: every idle
socket was closed about 5 s after it went quiet, on a redis-py read timeout
inside the channel layer's blocking receive)."""
from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path

import pytest
from django.test import Client
from websockets.protocol import State
from websockets.sync.client import connect

from tests.support.flows import chain, event_types, node, publish
from tests.support.stack import Proc
from tests.support.users import make_user

IDLE = 60  # well past redis-py's and channels_redis's 5 s, and two of daphne's 20 s pings

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(IDLE + 90)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def daphne(stack_env):
    port = _free_port()
    proc = Proc("daphne", [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
                           "flowdeck.asgi:application"], stack_env)
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline or not proc.alive():
                proc.stop()
                raise RuntimeError(f"daphne did not start:\n{proc.output()[-3000:]}")
            time.sleep(0.2)
    yield proc, port
    proc.stop()


def _events(ws, *, timeout: float) -> list[dict]:
    message = json.loads(ws.recv(timeout=timeout))
    assert message["type"] == "events", message
    return message["events"]


def test_an_idle_run_socket_stays_open_and_receives_the_next_event(daphne):
    proc, port = daphne
    client = Client()
    client.force_login(make_user("idler", "operator"))
    publish("idle", chain(node("gate", "signal", signal="go")))
    from engine.services.runs import run_cancel, run_start
    run, _ = run_start(definition_key="idle")
    seen = len(event_types(run.id))

    # No client pings (like a browser): only daphne's own keepalive crosses the socket.
    with connect(f"ws://127.0.0.1:{port}/ws/runs/{run.id}/?after_seq=0", ping_interval=None, open_timeout=15,
                 additional_headers={"Cookie": f"sessionid={client.cookies['sessionid'].value}",
                                     "Origin": f"http://127.0.0.1:{port}"}) as ws:
        caught_up = []
        while len(caught_up) < seen:
            caught_up += _events(ws, timeout=15)
        assert [e["seq"] for e in caught_up] == list(range(1, seen + 1))

        try:
            unexpected = ws.recv(timeout=IDLE)  # a ConnectionClosed here is the bug
        except TimeoutError:
            pass
        else:
            pytest.fail(f"nothing happened to the run, yet the socket got {unexpected}")
        assert ws.state is State.OPEN

        run_cancel(run_id=run.id, reason="idle socket test")
        live = []
        while "run.cancelled" not in [e["type"] for e in live]:
            live += _events(ws, timeout=15)
        assert live[0]["seq"] == seen + 1 and live[-1]["type"] == "run.cancelled"

    log = proc.output()
    assert "TimeoutError" not in log and "Exception inside application" not in log, log[-3000:]
