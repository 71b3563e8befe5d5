"""The one publisher of committed run events. Other apps subscribe (the console
pushes them to browsers); the engine imports no subscriber."""
from __future__ import annotations

import logging
from typing import Callable

log = logging.getLogger(__name__)
_subscribers: list[Callable[[list[dict]], None]] = []


def subscribe(fn: Callable[[list[dict]], None]) -> Callable:
    """Register ``fn(events)``; called after commit with events in seq order."""
    if fn not in _subscribers:
        _subscribers.append(fn)
    return fn


def unsubscribe(fn: Callable) -> None:
    if fn in _subscribers:
        _subscribers.remove(fn)


def publish(events: list[dict]) -> None:
    for fn in list(_subscribers):
        try:
            fn(events)
        except Exception:  # a broken subscriber never breaks the engine; consoles catch up by seq
            log.exception("event subscriber %r failed", fn)


def event_dict(event) -> dict:
    return {"run_id": str(event.run_id), "seq": event.seq, "type": event.type, "node_id": event.node_id,
            "payload": event.payload, "actor": event.actor, "reason": event.reason,
            "created_at": event.created_at.isoformat()}
