"""Serve this host's process metrics on a port, for hosts that run workers or schedulers but no web
process: Prometheus scrapes each host (the web's /metrics adds the run and queue state on top).

    PROMETHEUS_MULTIPROC_DIR=/var/lib/flowdeck/prometheus python manage.py metrics_serve --port 9464

The workers and schedulers of the host must run with the same PROMETHEUS_MULTIPROC_DIR (emptied before
they start). Bind to a private address: this port has no token."""
import os
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from prometheus_client import start_http_server

from engine.metrics import multiprocess_registry


class Command(BaseCommand):
    help = "Serve the metrics of this host's worker and scheduler processes (prometheus-client multiprocess)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=9464)
        parser.add_argument("--addr", default="127.0.0.1")

    def handle(self, *args, port, addr, **options):
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if not directory or not os.path.isdir(directory):
            raise CommandError("set PROMETHEUS_MULTIPROC_DIR to the directory this host's processes write to")
        server, thread = start_http_server(port, addr=addr, registry=_Fresh(directory))
        self.stdout.write(f"metrics of {directory} on http://{addr}:{port}/metrics")
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
        try:
            while not stopping:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        server.shutdown()


class _Fresh:
    """A registry read again on every scrape (processes come and go)."""

    def __init__(self, directory: str):
        self.directory = directory

    def collect(self):
        return multiprocess_registry(self.directory).collect()
