"""/metrics: Prometheus text format, for a scraper, not for people.

Who may scrape: a request from an address in FLOWDECK_METRICS_ALLOW (CIDRs; default loopback only),
or one carrying ``Authorization: Bearer <FLOWDECK_METRICS_TOKEN>`` when a token is set. Anything else
gets 403 (no token sent) or 401 (a wrong one). Behind a proxy REMOTE_ADDR is the proxy's: set a token.

With PROMETHEUS_MULTIPROC_DIR set (``make run`` does), the counters of every process of this host
(web, workers, scheduler) are added up from that directory, prometheus-client's multiprocess mode; a
process that died is forgotten for its live gauges (the websocket clients) before each scrape. The
state gauges (runs, queues, processes) are looked up by engine/selectors/metrics.py on each scrape.
"""
from __future__ import annotations

import hmac
import ipaddress
import os

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from engine.metrics import multiprocess_registry
from engine.selectors.metrics import StateCollector

_state = StateCollector()
REGISTRY.register(_state)   # single-process mode: this process's own values, plus the state


def _allowed(request) -> tuple[bool, int]:
    token = getattr(settings, "FLOWDECK_METRICS_TOKEN", "")
    sent = request.headers.get("Authorization", "")
    if token and sent:
        ok = hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
        return ok, 200 if ok else 401
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False, 403
    networks = getattr(settings, "FLOWDECK_METRICS_ALLOW", ["127.0.0.1/32", "::1/128"])
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks), 403


def registry() -> CollectorRegistry:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return REGISTRY
    collected = multiprocess_registry(directory)
    collected.register(_state)
    return collected


def metrics(request):
    ok, status = _allowed(request)
    if not ok:
        message = "a wrong metrics token" if status == 401 else \
            "metrics are served to FLOWDECK_METRICS_ALLOW networks or with FLOWDECK_METRICS_TOKEN"
        return HttpResponse(message + "\n", status=status, content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
