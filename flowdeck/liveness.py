"""Worker liveness: each worker process beats into engine.EngineProcess.

A daemon thread started at worker boot upserts the process's row every
FLOWDECK_BEAT_INTERVAL seconds: its threads, queues and what it has in hand, and in
``info.threads_lost`` the threads an attempt's interrupt could not free (flowdeck/timelimits.py).
The message hot path only sets and pops one dict entry per message; all the
database work happens in the beat thread, on its own connection. A database
that is down costs a failed beat (logged once, retried on the next one),
never the worker. A SIGKILLed process simply stops beating: the selectors
call it dead once its beat is older than FLOWDECK_WORKER_DEAD_AFTER.
"""
from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from dramatiq.common import q_name
from dramatiq.middleware import Middleware

from flowdeck import timelimits

log = logging.getLogger(__name__)
STOP_PATIENCE = 5.0  # seconds a shutdown waits for the last beat (a database that hangs)


def _die_with_parent() -> None:
    """Linux: this worker process gets SIGTERM when the dramatiq parent that forked it dies (a
    SIGKILLed parent would otherwise leave it consuming beside the restarted worker)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            log.debug("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
        if os.getppid() == 1:  # the parent died before we asked
            os.kill(os.getpid(), signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: nothing to do
        pass


class LivenessMiddleware(Middleware):
    def __init__(self):
        # thread ident -> whether its message is a step: written by its own thread only
        # (one message at a time per thread), so no lock; the beat reads a copy.
        self._current: dict[int, bool] = {}
        self._worker = None
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._stopping = self._stopped = False

    @property
    def name(self) -> str:
        # The prefix of StepRun.worker (engine.executor.worker_name: host:pid:thread).
        return f"{socket.gethostname()}:{os.getpid()}"

    def after_worker_boot(self, broker, worker):
        _die_with_parent()
        self._worker = worker
        self._thread = threading.Thread(target=self._beat_loop, name="flowdeck-liveness", daemon=True)
        self._thread.start()

    def before_worker_shutdown(self, broker, worker):
        # Still draining its messages: keep beating (its steps are not orphans), say so now.
        self._stopping = True
        self._wake.set()

    def after_worker_shutdown(self, broker, worker):
        self._stopped = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(STOP_PATIENCE)

    def before_process_message(self, broker, message):
        self._current[threading.get_ident()] = message.actor_name == "execute_step"

    def after_process_message(self, broker, message, *, result=None, exception=None):
        self._current.pop(threading.get_ident(), None)

    def after_skip_message(self, broker, message):
        # Also reached when a middleware before this one skipped the message: pop, don't count down.
        self._current.pop(threading.get_ident(), None)

    def _queues(self) -> list[str]:
        return sorted({q_name(q) for q in list(self._worker.consumers)})  # the delay queues are the same queues

    def _beat_loop(self):
        # The engine's models load after the broker is built (django_dramatiq builds it in
        # AppConfig.__init__), so the services are imported once the worker runs, not with this module.
        from engine.services.processes import process_beat, process_stop
        started, failing = True, False
        while True:
            current = dict(self._current)
            lost = timelimits.lost_idents()
            try:
                close_old_connections()  # this thread's own connection: drop it if broken or too old
                info = {"stopping": True} if self._stopping else {}
                if lost:  # threads an interrupt could not free (flowdeck/timelimits.py); others stand in
                    info["threads_lost"] = len(lost)
                process_beat(kind="worker", name=self.name, host=socket.gethostname(), pid=os.getpid(),
                             threads=self._worker.worker_threads, queues=self._queues(),
                             in_hand=sum(current.values()),
                             threads_busy=sum(1 for ident in current if ident not in lost), info=info,
                             started=started)
                started = False
                if failing:
                    log.info("liveness: beating again as %s", self.name)
                failing = False
            except Exception:
                if not failing:  # once per outage, not every few seconds
                    log.warning("liveness: beat failed, retrying every %ss", settings.FLOWDECK_BEAT_INTERVAL,
                                exc_info=True)
                failing = True
                with contextlib.suppress(Exception):
                    connection.close()
            if self._stopped:
                break
            self._wake.wait(settings.FLOWDECK_BEAT_INTERVAL)
            self._wake.clear()
        try:
            process_stop(name=self.name)
        except Exception:
            log.warning("liveness: could not mark %s stopped", self.name, exc_info=True)
        finally:
            with contextlib.suppress(Exception):
                connection.close()
