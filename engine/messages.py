"""The outbox: the only place that sends Dramatiq messages. Messages carry ids."""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def send(actor_name: str, *args, delay_ms: int | None = None) -> None:
    from engine import actors
    actor = getattr(actors, actor_name)
    try:
        if delay_ms:
            actor.send_with_options(args=args, delay=max(0, int(delay_ms)))
        else:
            actor.send(*args)
    except Exception:
        # The state is committed; the scheduler re-sends what no worker took.
        log.exception("could not enqueue %s%r; the scheduler will recover it", actor_name, args)
