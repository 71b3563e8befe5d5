"""The engine's scheduler loop (a process of `make run`, flowdeck/supervisord.conf). Safe to run several: every sweep
re-checks each item under its run's lock with SKIP LOCKED (engine/scheduler.py), so
two schedulers never both act on one item; there is no leader.

After each sweep the scheduler beats (engine.EngineProcess) with the sweep's
duration, counts and lag, which the console's Health page and /healthz show."""
import logging
import os
import signal
import socket
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from engine import metrics
from engine.scheduler import scheduler_tick
from engine.selectors.processes import scheduler_lag
from engine.services.processes import process_beat, process_prune, process_stop

log = logging.getLogger("engine.scheduler")
PRUNE_EVERY = 3600.0      # seconds between prunes of long-gone processes
PRUNE_AFTER = 86400.0     # a process stopped or silent for a day is forgotten


class Command(BaseCommand):
    help = "Fire timers and retries, expire leases, re-send lost messages, flag stuck runs."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=None, help="seconds between sweeps")
        parser.add_argument("--once", action="store_true", help="one sweep, then exit")

    def handle(self, *args, interval=None, once=False, **options):
        interval = interval or settings.FLOWDECK_SCHEDULER_INTERVAL
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
        signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
        name = f"{socket.gethostname()}:{os.getpid()}"
        beaten, pruned_at = False, float("-inf")
        log.info("scheduler %s started (every %.2fs)", name, interval)
        while not stopping:
            close_old_connections()
            try:
                # Before the sweep: how late the items it is about to handle already are.
                lag = scheduler_lag()
                started = time.perf_counter()
                counts = scheduler_tick()
                seconds = time.perf_counter() - started
                sweep_ms = round(seconds * 1000, 1)
                metrics.sweep_observe(seconds=seconds, counts=counts)
                if any(counts.values()):
                    log.info("scheduler: %s", counts)
            except Exception:  # a bad sweep (database restarting) must not end the loop
                log.exception("scheduler sweep failed")
            else:
                # Only a sweep that happened beats: a scheduler that cannot sweep is down.
                beaten = self._beat(name=name, interval=interval, first=not beaten, counts=counts,
                                    sweep_ms=sweep_ms, lag=lag) or beaten
                if time.monotonic() - pruned_at >= PRUNE_EVERY:
                    pruned_at = time.monotonic()
                    self._prune()
            if once:
                break
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(0.1, interval))
        try:
            process_stop(name=name)
        except Exception:
            log.warning("scheduler: could not mark %s stopped", name, exc_info=True)
        log.info("scheduler stopped")

    @staticmethod
    def _beat(*, name, interval, first, counts, sweep_ms, lag) -> bool:
        try:
            process_beat(kind="scheduler", name=name, host=socket.gethostname(), pid=os.getpid(), threads=1,
                         info={"sweep_ms": sweep_ms, "lag_seconds": lag, "counts": counts, "interval": interval},
                         started=first)
        except Exception:  # the beat is a report; the sweeps go on without it
            log.warning("scheduler: beat failed", exc_info=True)
            return False
        return True

    @staticmethod
    def _prune():
        try:
            process_prune(older_than_seconds=PRUNE_AFTER)
        except Exception:
            log.warning("scheduler: pruning old processes failed", exc_info=True)
