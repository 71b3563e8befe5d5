"""The Redis broker with a short idle poll.

Dramatiq's Redis consumer polls, and when its queue is empty it sleeps
longer and longer, up to the worker timeout (1 s by default). A message
sent to an idle worker then waits for the rest of that sleep: up to a
second between a run's start and its first step. Capping the sleep at
``FLOWDECK_IDLE_POLL_MS`` (20 ms by default) keeps that wait short, for
one small fetch per queue every 20 ms on an idle worker.
"""
from django.conf import settings
from dramatiq.brokers.redis import RedisBroker as _RedisBroker


class RedisBroker(_RedisBroker):
    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000):
        idle_poll_ms = getattr(settings, "FLOWDECK_IDLE_POLL_MS", 20)
        return super().consume(queue_name, prefetch, min(timeout, idle_poll_ms))
