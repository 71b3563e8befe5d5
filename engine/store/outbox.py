"""The outbox: the only place that sends Dramatiq messages. Messages carry ids.

The store sends after its commits. Messages are enqueued by actor name through the broker, as
Dramatiq's own ``Actor.send`` does, so the store never imports the actors: they sit at the top
and call down into services and the store (engine/actors.py declares them on ``QUEUE``).
"""
from __future__ import annotations

import logging

import dramatiq

log = logging.getLogger(__name__)
QUEUE = "flowdeck"
# Brokers refuse longer delays (Redis: 7 days). A timer further off is fired by the scheduler's
# sweep of due steps when its time comes; the message is only the fast path.
MAX_DELAY_MS = 6 * 24 * 3600 * 1000


def send(actor_name: str, *args, delay_ms: int | None = None, queue: str | None = None) -> None:
    """``queue``: a queue of its own (a code workflow version's: only processes that have it take it)."""
    if delay_ms and delay_ms > MAX_DELAY_MS:
        return
    try:
        message = dramatiq.Message(queue_name=queue or QUEUE, actor_name=actor_name, args=args, kwargs={}, options={})
        dramatiq.get_broker().enqueue(message, delay=max(0, int(delay_ms)) if delay_ms else None)
    except Exception:
        # The state is committed; the scheduler re-sends what no worker took.
        log.exception("could not enqueue %s%r; the scheduler will recover it", actor_name, args)
