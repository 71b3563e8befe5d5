"""The one way run events reach browsers.

The engine's publisher calls ``publish_events`` after commit, in whatever
process committed. Sending is handed to one background thread per process
with its own event loop, so a worker thread never waits on Redis and the
channel layer keeps one connection pool. Lost sends are harmless: consoles
catch up from RunEvent by seq.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import threading

from channels.layers import get_channel_layer

log = logging.getLogger(__name__)
LIST_GROUP = "runs"
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


def _loop() -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    layer = get_channel_layer()
    while True:
        group, message = _queue.get()
        try:
            loop.run_until_complete(layer.group_send(group, message))
        except Exception:
            log.exception("broadcast to %s failed", group)
        finally:
            _queue.task_done()


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
