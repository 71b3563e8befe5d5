"""Hostile messages on the run websocket: the consumer answers or ignores them,
and the connection survives. The last six cases
used to be crashers: the consumers now decode with the API's hardened parser."""
from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from flowdeck.asgi import application
from tests.support.flows import chain, node, publish, task
from tests.support.users import make_user



@database_sync_to_async
def _world():
    publish("flow", chain(task("a", activity="flowdeck.noop"), node("gate", "signal", signal="go")))
    from engine.services.runs import run_start
    run, _ = run_start(definition_key="flow")
    make_user("ws_operator", "operator")
    client = Client()
    client.login(username="ws_operator", password="pw")
    return str(run.id), [(b"origin", b"http://localhost"),
                         (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("message", [
    '{"type": "action", "action": "signal", "reason": "r", "name": ["x"], "payload": 1}',
    '{"type": "action", "action": "skip", "reason": "r", "node_id": {"a": 1}}',
    '{"type": "action", "action": "cancel", "reason": "<script>alert(1)</script>"}',
    '{"type": "resume", "after_seq": 99999999999999999999999999}',
    '{"type": "nonsense"}',
    pytest.param("[" * 100_000 + "]" * 100_000, id="deep"),
    pytest.param("[1]", id="array"),
    pytest.param('"text"', id="string"),
    pytest.param("not json", id="not-json"),
    pytest.param('{"type": "action", "action": "edit_data", "reason": "r", "data": {"a": "\\u0000"}}', id="nul-in-data"),
    pytest.param('{"type": "action", "action": "retry_step", "reason": "r", "node_id": "a\\u0000"}', id="nul-in-node-id"),
])
async def test_a_hostile_message_never_kills_the_socket(message):
    run_id, headers = await _world()
    comm = WebsocketCommunicator(application, f"/ws/runs/{run_id}/", headers=headers)
    connected, _ = await comm.connect()
    assert connected
    while not await comm.receive_nothing(timeout=0.3):   # the catch-up batch
        await comm.receive_from()
    try:
        await comm.send_to(text_data=message)
        while not await comm.receive_nothing(timeout=0.5):   # a reply (error or result), if any
            await comm.receive_from()   # raises the consumer's exception if it crashed
        await comm.send_json_to({"type": "ping"})
        assert await comm.receive_json_from(timeout=3) == {"type": "pong"}
    finally:
        await comm.disconnect()
