"""Attempt time limits in the worker: the watchdog, and threads in place of lost ones.

At worker boot this starts the process's watchdog (engine/watchdog.py): the executor runs
each activity under its node's ``timeout``, and the watchdog interrupts one still running
past it, so a hung activity costs its attempt, not the thread. A thread the interrupt cannot
reach (inside one long C call) is counted lost after ``FLOWDECK_THREAD_LOST_AFTER`` seconds;
a new worker thread takes its place, up to ``FLOWDECK_LOST_THREADS_REPLACED`` at a time per
process (0: as many as the process has threads), so the worker keeps its capacity. The lost
thread is told to stop and is no longer waited for on shutdown; if its call ever returns,
it ends its message (the attempt's late result is discarded) and exits. The liveness beat
reports ``threads_lost`` (flowdeck/liveness.py).
"""
from __future__ import annotations

import logging
import threading

from django.conf import settings
from dramatiq.middleware import Middleware

from engine import watchdog

log = logging.getLogger(__name__)


class AttemptTimeLimitMiddleware(Middleware):
    def __init__(self):
        self._worker = None
        self._mu = threading.Lock()
        self.replaced = 0   # threads started in place of lost ones, still standing in

    def after_worker_boot(self, broker, worker):
        self._worker = worker
        watchdog.start(lost_after=float(getattr(settings, "FLOWDECK_THREAD_LOST_AFTER", 5.0)),
                       on_lost=self._replace)

    def after_process_message(self, broker, message, *, result=None, exception=None):
        dog = watchdog.current()
        if dog is not None and dog.came_back():  # a lost thread's call returned: it exits now
            with self._mu:
                self.replaced = max(0, self.replaced - 1)
            log.warning("lost thread %s came back and exits (a thread stands in for it)", threading.get_ident())

    after_skip_message = after_process_message

    def _replace(self, ident: int) -> None:
        worker = self._worker
        if worker is None:
            return
        limit = int(getattr(settings, "FLOWDECK_LOST_THREADS_REPLACED", 0)) or worker.worker_threads
        lost = next((t for t in list(worker.workers) if t.ident == ident), None)
        if lost is not None:
            lost.stop()  # it ends its loop once its message ends, if it ever does
            try:
                worker.workers.remove(lost)  # a shutdown does not wait for it
            except ValueError:
                pass
        with self._mu:
            if self.replaced >= limit:
                log.error("lost thread %s not replaced: %s threads already stand in for lost ones "
                          "(FLOWDECK_LOST_THREADS_REPLACED)", ident, self.replaced)
                return
            self.replaced += 1
        worker._add_worker()  # Dramatiq's own: a worker thread on the same queues
        log.warning("a new worker thread stands in for lost thread %s", ident)


def lost_idents() -> set[int]:
    """Threads of this process counted lost and not back (for the liveness beat)."""
    dog = watchdog.current()
    return dog.lost() if dog is not None else set()
