"""Attempt time limits that free the thread.

An attempt's lease lets the scheduler record a hung activity as timed out, but the worker
thread running it stays taken: ten activities that sleep for an hour held an 8-thread worker
for an hour. Here the executor runs each activity under ``limit(timeout)``; a watchdog
thread (one per worker process, started by ``flowdeck.timelimits``) raises
``AttemptTimeout`` in the worker thread once the attempt is past its timeout, as Dramatiq's
``TimeLimit`` does for a whole message (one message runs several steps here, each with its
own timeout). The executor records the attempt as timed out, its policy decides on a retry,
and the thread takes its next message.

The exception is asynchronous (``PyThreadState_SetAsyncExc``): it lands when the thread next
runs Python bytecode. A thread inside one long C call (``time.sleep(3600)``, a socket read
without a timeout) cannot be interrupted: ``lost_after`` seconds after the interrupt it is
counted lost and ``on_lost`` is called (the middleware starts a thread in its place). When
the call returns, the interrupt lands at once and the thread ends its message as usual.

Outside a worker (no watchdog started: tests, the web process) ``limit`` does nothing.
"""
from __future__ import annotations

import ctypes
import logging
import threading
import time

log = logging.getLogger(__name__)
_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc


class AttemptTimeout(BaseException):
    """An attempt ran past its timeout and was interrupted. A BaseException, as Dramatiq's
    Interrupt: an activity's ``except Exception`` does not swallow it."""
    error_type = "AttemptTimeout"


class _Armed:
    __slots__ = ("deadline", "seconds", "fired_at", "lost")

    def __init__(self, deadline: float, seconds: float):
        self.deadline, self.seconds, self.fired_at, self.lost = deadline, seconds, None, False


class Watchdog(threading.Thread):
    def __init__(self, *, lost_after: float, on_lost=None, interval: float = 0.1):
        super().__init__(name="flowdeck-watchdog", daemon=True)
        self.lost_after, self.on_lost, self.interval = lost_after, on_lost, interval
        self._armed: dict[int, _Armed] = {}
        self._lost: set[int] = set()   # threads counted lost, until they come back
        self._mu = threading.Lock()
        self._stop = threading.Event()

    # -- the worker thread's side ----------------------------------------------------

    def arm(self, seconds: float) -> None:
        with self._mu:
            self._armed[threading.get_ident()] = _Armed(time.monotonic() + seconds, seconds)

    def disarm(self) -> bool:
        """Stop watching this thread; True if its attempt was interrupted. No interrupt is
        pending for the thread afterwards: one set but not landed yet is cleared (under the
        lock the watchdog raises under, so none can come after)."""
        ident = threading.get_ident()
        with self._mu:
            armed = self._armed.pop(ident, None)
            fired = armed is not None and armed.fired_at is not None
            if fired:
                _set_async_exc(ctypes.c_ulong(ident), None)
        return fired

    def came_back(self) -> bool:
        """The calling thread was counted lost and is back (its message ended): uncount it."""
        ident = threading.get_ident()
        with self._mu:
            if ident not in self._lost:
                return False
            self._lost.discard(ident)
        return True

    # -- the watchdog's side ------------------------------------------------------------

    def lost(self) -> set[int]:
        with self._mu:
            return set(self._lost)

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._check(time.monotonic())
            except Exception:  # the watchdog must outlive any one bad round
                log.exception("watchdog: check failed")

    def _check(self, now: float) -> None:
        newly_lost = []
        with self._mu:
            for ident, armed in self._armed.items():
                if armed.fired_at is None and now >= armed.deadline:
                    armed.fired_at = now
                    # Raised under the lock that disarm() clears under: never after a disarm.
                    _set_async_exc(ctypes.c_ulong(ident), ctypes.py_object(AttemptTimeout))
                    log.warning("attempt on thread %s ran past its %ss timeout: interrupted", ident, armed.seconds)
                elif armed.fired_at is not None and not armed.lost and now - armed.fired_at >= self.lost_after:
                    armed.lost = True
                    self._lost.add(ident)
                    newly_lost.append(ident)
        for ident in newly_lost:
            log.error("thread %s did not come back %ss after its attempt was interrupted (inside a C call?): "
                      "counted lost", ident, self.lost_after)
            if self.on_lost is not None:
                self.on_lost(ident)


_watchdog: Watchdog | None = None


def start(*, lost_after: float, on_lost=None) -> Watchdog:
    """Start this process's watchdog (a worker process, at boot)."""
    global _watchdog
    if _watchdog is None or not _watchdog.is_alive():
        _watchdog = Watchdog(lost_after=lost_after, on_lost=on_lost)
        _watchdog.start()
    return _watchdog


def current() -> Watchdog | None:
    return _watchdog


def settle() -> bool:
    """Make sure this thread is no longer watched and no interrupt is pending for it (after an
    ``AttemptTimeout`` that may have landed before ``limit`` could disarm); True if it fired."""
    dog = _watchdog
    if dog is None:
        return False
    try:
        return dog.disarm()
    except AttemptTimeout:  # it landed inside disarm itself: there is only one, so this is it
        dog.disarm()
        return True


class limit:
    """``with limit(seconds):`` runs the block for at most ``seconds``: past that,
    ``AttemptTimeout`` is raised in it (or as it ends, if it ended just then). Nothing outside
    a worker with a watchdog."""
    __slots__ = ("seconds", "dog")

    def __init__(self, seconds: float):
        self.seconds, self.dog = seconds, _watchdog

    def __enter__(self):
        if self.dog is not None:
            self.dog.arm(self.seconds)
        return self

    def __exit__(self, kind, exc, tb):
        if self.dog is None:
            return False
        fired = settle()
        if fired and not isinstance(exc, AttemptTimeout):
            raise AttemptTimeout() from exc   # ended just then, or the activity wrapped the interrupt
        return False
