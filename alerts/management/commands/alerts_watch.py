"""Evaluate the alert rules every FLOWDECK_ALERT_INTERVAL seconds (a process of `make run`,
flowdeck/supervisord.conf). Safe to run several: each rule is evaluated under its row's lock with
SKIP LOCKED (alerts/services.py), so two watchers never both send a group's message."""
import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from alerts.services import alerts_evaluate

log = logging.getLogger("alerts.watch")


class Command(BaseCommand):
    help = "Evaluate the alert rules: send firing, repeat and resolved messages."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=None, help="seconds between evaluations")
        parser.add_argument("--once", action="store_true", help="one evaluation, then exit")

    def handle(self, *args, interval=None, once=False, **options):
        interval = interval or settings.FLOWDECK_ALERT_INTERVAL
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
        signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
        log.info("alerts watcher started (every %.1fs)", interval)
        while not stopping:
            close_old_connections()
            try:
                counts = alerts_evaluate()
                if counts["firing"] or counts["repeat"] or counts["resolved"] or counts["errors"]:
                    log.info("alerts: %s", counts)
                if once:
                    self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
            except Exception:  # the database restarting must not end the loop
                log.exception("alerts evaluation failed")
            if once:
                break
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(0.2, interval))
        log.info("alerts watcher stopped")
