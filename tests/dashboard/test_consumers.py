"""Websockets through the real ASGI app and the real Redis channel layer."""
import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from flowdeck.asgi import application
from tests.support.flows import chain, drain, event_types, node, publish, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def session_headers():
    user = make_user("watcher", "viewer")
    client = Client()
    client.force_login(user)
    return [(b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()), (b"origin", b"http://localhost")]


@database_sync_to_async
def setup_run():
    publish("gate", chain(task("a"), node("approval", "signal", signal="approve"), task("b")))
    from engine.services.runs import run_start
    run, _ = run_start(definition_key="gate")
    drain(run.id)
    return str(run.id)


async def receive_events(comm, until_seq, timeout=10):
    seqs = []
    while not seqs or seqs[-1] < until_seq:
        message = await comm.receive_json_from(timeout=timeout)
        assert message["type"] == "events"
        seqs += [e["seq"] for e in message["events"]]
    return seqs


async def test_anonymous_sockets_are_refused():
    comm = WebsocketCommunicator(application, "/ws/runs/", headers=[(b"origin", b"http://localhost")])
    connected, code = await comm.connect()
    assert not connected and code == 4401


async def test_catch_up_after_a_disconnect_then_live_events(ledger):
    headers = await session_headers()
    run_id = await setup_run()
    total = len(await database_sync_to_async(event_types)(run_id))

    comm = WebsocketCommunicator(application, f"/ws/runs/{run_id}/?after_seq=0", headers=headers)
    assert (await comm.connect())[0]
    assert await receive_events(comm, total) == list(range(1, total + 1))
    await comm.disconnect()

    # While nobody listens, the run moves on.
    from engine.services.runs import run_signal
    await database_sync_to_async(run_signal)(run_id=run_id, name="approve")
    await database_sync_to_async(drain)(run_id)
    after = len(await database_sync_to_async(event_types)(run_id))
    assert after > total

    comm = WebsocketCommunicator(application, f"/ws/runs/{run_id}/?after_seq={total}", headers=headers)
    assert (await comm.connect())[0]
    assert await receive_events(comm, after) == list(range(total + 1, after + 1))  # exactly the missed ones

    await comm.send_json_to({"type": "ping"})
    assert (await comm.receive_json_from())["type"] == "pong"
    await comm.disconnect()


async def test_live_events_stream_in_order_without_duplicates(ledger):
    headers = await session_headers()
    run_id = await setup_run()
    total = len(await database_sync_to_async(event_types)(run_id))
    comm = WebsocketCommunicator(application, f"/ws/runs/{run_id}/?after_seq={total}", headers=headers)
    assert (await comm.connect())[0]
    from engine.services.runs import run_signal
    await database_sync_to_async(run_signal)(run_id=run_id, name="approve")
    await database_sync_to_async(drain)(run_id)
    final = len(await database_sync_to_async(event_types)(run_id))
    assert await receive_events(comm, final) == list(range(total + 1, final + 1))
    # A resume for an older seq replays from the database, still in order.
    await comm.send_json_to({"type": "resume", "after_seq": final - 2})
    assert await receive_events(comm, final) == [final - 1, final]
    assert await comm.receive_nothing(timeout=0.5)
    await comm.disconnect()


async def test_list_socket_pushes_changed_runs(ledger):
    headers = await session_headers()
    comm = WebsocketCommunicator(application, "/ws/runs/", headers=headers)
    assert (await comm.connect())[0]
    run_id = await setup_run()
    seen = set()
    while True:
        message = await comm.receive_json_from(timeout=10)
        assert message["type"] == "run"
        seen.add(message["run"]["status"])
        if message["run"]["id"] == run_id and message["run"]["status"] == "waiting":
            break
    await comm.disconnect()


async def test_unknown_run_is_refused():
    headers = await session_headers()
    comm = WebsocketCommunicator(application, "/ws/runs/00000000-0000-0000-0000-000000000000/", headers=headers)
    connected, code = await comm.connect()
    assert not connected and code == 4404
