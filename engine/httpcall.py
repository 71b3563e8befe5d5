"""The ``http`` node: a real HTTP call with a timeout, the idempotency key as a
header, an allow-list of hosts, and 4xx/5xx classified for retry."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from engine.spec import evaluate_mapping, render_template

RETRYABLE_STATUSES = frozenset({408, 425, 429})


class HttpError(Exception):
    def __init__(self, message: str, *, error_type: str, status: int | None = None):
        super().__init__(message)
        self.error_type, self.status = error_type, status


def host_allowed(url: str, allowed: list[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if not host or urlsplit(url).scheme not in ("http", "https"):
        return False
    for entry in allowed:
        entry = entry.lower()
        if entry == "*" or host == entry or (entry.startswith(".") and host.endswith(entry)):
            return True
        try:
            if ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def http_call(*, node: dict, data, idempotency_key: str, context, timeout: float):
    ctx = {"input": data, "run": {"id": context.run_id, "business_key": context.business_key}}
    url = render_template(node["url"], ctx, quote=True)
    if not host_allowed(url, settings.FLOWDECK_HTTP_ALLOWED_HOSTS):
        raise HttpError(f"host of {url!r} is not in FLOWDECK_HTTP_ALLOWED_HOSTS", error_type="HostNotAllowed")
    headers = {name: render_template(value, ctx) for name, value in (node.get("headers") or {}).items()}
    headers["Idempotency-Key"] = idempotency_key
    body = evaluate_mapping(node["body"], ctx) if node.get("body") is not None else None
    expected = node.get("expected_statuses") or [200, 201, 202, 204]
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.request(node.get("method", "GET"), url, headers=headers, json=body)
    except httpx.TimeoutException as exc:
        raise HttpError(f"timed out after {timeout}s: {exc}", error_type="HttpTimeout")
    except httpx.HTTPError as exc:
        raise HttpError(f"{type(exc).__name__}: {exc}", error_type="HttpTransportError")
    try:
        payload = response.json()
    except ValueError:
        payload = response.text[:10000]
    if response.status_code not in expected:
        status = response.status_code
        kind = "HttpServerError" if status >= 500 or status in RETRYABLE_STATUSES else "HttpClientError"
        raise HttpError(f"{node.get('method', 'GET')} {url} answered {status}: {str(payload)[:500]}",
                        error_type=kind, status=status)
    return {"status": response.status_code, "body": payload}
