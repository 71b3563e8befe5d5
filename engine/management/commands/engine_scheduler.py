"""The engine's scheduler loop (a Procfile process). Safe to run several."""
import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from engine.scheduler import scheduler_tick

log = logging.getLogger("engine.scheduler")


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
        log.info("scheduler started (every %.2fs)", interval)
        while not stopping:
            close_old_connections()
            try:
                counts = scheduler_tick()
                if any(counts.values()):
                    log.info("scheduler: %s", counts)
            except Exception:  # a bad sweep (database restarting) must not end the loop
                log.exception("scheduler sweep failed")
            if once:
                return
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(0.1, interval))
        log.info("scheduler stopped")
