"""The one way run events reach browsers.

The engine's publisher calls ``publish_events`` after commit, in whatever
process committed. Sending is handed to one background thread per process
with its own event loop, so a worker thread never waits on Redis and the
channel layer keeps one connection pool. Lost sends are harmless: consoles
catch up from RunEvent by seq.

A run's events go to its group as ``{"type": "run.events", "docs": [[seq, json], ...]}``,
encoded once here (an oversized payload left out) and cut into messages under
the websocket limit by ``dashboard.stream``. ``rejoin`` is how a consumer keeps
(and notices it had lost) its group membership.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time

from channels.layers import get_channel_layer

from dashboard import stream

log = logging.getLogger(__name__)
LIST_GROUP = "runs"
BATCH = 500
# At most one batch per LINGER seconds: under load each commit would otherwise be a batch
# of its own, with its own Redis round trips; an event after a quiet spell goes at once.
LINGER = 0.01
_queue: queue.Queue = queue.Queue(maxsize=100_000)
_thread: threading.Thread | None = None
_lock = threading.Lock()


def run_group(run_id) -> str:
    return f"run.{run_id}"


def _messages(events: list[dict]):
    by_run: dict[str, list[dict]] = {}
    for event in events:
        by_run.setdefault(event["run_id"], []).append(event)
    for run_id, batch in by_run.items():
        yield run_group(run_id), {"type": "run.events", "events": batch}
        status = next((e["payload"].get("status") for e in reversed(batch)
                       if e["type"].startswith(("run.", "compensation.")) and "status" in e["payload"]), None)
        yield LIST_GROUP, {"type": "run.changed", "run_id": run_id, "status": status, "seq": batch[-1]["seq"]}


_clients: dict[int, object] = {}


def _watched(layer, groups: list[str]) -> set[str]:
    """The groups someone listens to: one pipelined ZCARD per Redis host on the
    Redis layer's own group keys, with a plain (sync) client, so a batch nobody
    watches never enters the event loop. Every group for other layers (in-memory)."""
    if not hasattr(layer, "_group_key") or not hasattr(layer, "consistent_hash"):
        return set(groups)
    import redis
    by_host: dict[int, list[str]] = {}
    for group in groups:
        by_host.setdefault(layer.consistent_hash(group), []).append(group)
    watched = set()
    for index, host_groups in by_host.items():
        client = _clients.get(index)
        if client is None:
            host = layer.hosts[index]
            client = _clients[index] = (redis.Redis.from_url(host["address"]) if "address" in host
                                        else redis.Redis(**host))
        pipe = client.pipeline(transaction=False)
        for group in host_groups:
            pipe.zcard(layer._group_key(group))
        watched.update(g for g, members in zip(host_groups, pipe.execute()) if members)
    return watched


def _batch(items) -> list[tuple[str, dict]]:
    """A run's events in order, encoded and cut into messages under the websocket limit (usually
    one per run); on the list group, each run's latest change."""
    runs_changed: dict[str, dict] = {}
    per_group: dict[str, list[dict]] = {}
    for group, message in items:
        if group == LIST_GROUP:
            runs_changed[message["run_id"]] = message
        else:
            per_group.setdefault(group, []).extend(message["events"])
    sends = [(group, {"type": "run.events", "docs": page})
             for group, events in per_group.items()
             for page in stream.cut([stream.encode(e) for e in events])]
    return sends + [(LIST_GROUP, m) for m in runs_changed.values()]


async def _send(layer, sends) -> None:
    for group, message in sends:
        await layer.group_send(group, message)


def _loop() -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    layer = get_channel_layer()
    last = 0.0
    while True:
        items = [_queue.get()]
        wait = last + LINGER - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        last = time.monotonic()
        while len(items) < BATCH:  # whatever piled up while the last batch was sent goes in one batch
            try:
                items.append(_queue.get_nowait())
            except queue.Empty:
                break
        try:
            watched = _watched(layer, list({group for group, _ in items}))
            sends = _batch([(group, message) for group, message in items if group in watched])
            if sends:
                loop.run_until_complete(_send(layer, sends))
        except Exception:
            log.exception("broadcast of %d messages failed", len(items))
        finally:
            for _ in items:
                _queue.task_done()


async def rejoin(layer, group: str, channel: str) -> bool:
    """Add ``channel`` to ``group`` again, refreshing its place (channels_redis drops members
    older than ``group_expiry``, a day); True when it was no longer a member: Redis was
    flushed or restarted without its data, and whatever was sent to the group meanwhile
    never reached the channel. The in-memory layer (tests) cannot lose a member."""
    if not hasattr(layer, "_group_key") or not hasattr(layer, "consistent_hash"):
        await layer.group_add(group, channel)
        return False
    connection = layer.connection(layer.consistent_hash(group))
    key = layer._group_key(group)
    async with connection.pipeline(transaction=False) as pipe:
        pipe.zadd(key, {channel: time.time()})
        pipe.expire(key, layer.group_expiry)
        added, _ = await pipe.execute()
    return bool(added)


def _ensure_thread() -> None:
    global _thread
    if _thread is None or not _thread.is_alive():
        with _lock:
            if _thread is None or not _thread.is_alive():
                _thread = threading.Thread(target=_loop, name="flowdeck-broadcast", daemon=True)
                _thread.start()


def publish_events(events: list[dict]) -> None:
    if not events or get_channel_layer() is None:
        return
    _ensure_thread()
    for item in _messages(events):
        try:
            _queue.put_nowait(item)
        except queue.Full:
            log.warning("broadcast queue full; consoles will catch up by seq")
            return


def flush(timeout: float = 5.0) -> None:
    """Wait until queued sends are done (tests, shutdown)."""
    import time
    deadline = time.monotonic() + timeout
    while _queue.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.01)
