"""The ``http`` node: a real HTTP call with a timeout, the idempotency key as a
header, an allow-list of hosts, and 4xx/5xx classified for retry."""
from __future__ import annotations

import ipaddress

import httpx
from django.conf import settings

from engine import nodes, tracing
from engine.callbacks import HEADER as CALLBACK_HEADER
from engine.spec import Budget, evaluate_mapping, render_template

RETRYABLE_STATUSES = frozenset({408, 425, 429})


class HttpError(Exception):
    def __init__(self, message: str, *, error_type: str, status: int | None = None):
        super().__init__(message)
        self.error_type, self.status = error_type, status


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``host`` as an address when it is a canonical IP literal (IPv4-mapped IPv6 as its IPv4)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


def _entry_matches(entry: str, host: str, address) -> bool:
    if entry == "*" or host == entry:
        return True
    if address is None:   # a name: exact, or ".suffix" for its subdomains
        return entry.startswith(".") and host.endswith(entry)
    try:   # an address: an IP or CIDR entry (a suffix never matches an IP literal)
        network = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False
    return address.version == network.version and address in network


def host_allowed(url: str | httpx.URL, allowed: list[str]) -> bool:
    """May an http node call ``url``? Only http(s), and only a host on the allow-list.

    The URL is parsed by httpx, the client that makes the call, so the check and
    the connection can never disagree about the host (``http://a\\@b/``).
    Numeric hosts other than canonical dotted IPv4 / IPv6 (``2130706433``,
    ``0x7f000001``, ``127.1``) match no IP entry: resolvers read them as
    addresses, the allow-list does not guess. Names are matched as written and
    not resolved: allow only names whose DNS you trust. Ports are not checked.
    tests/security/test_http_allowlist.py holds the table of verdicts.
    """
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
        host = (parsed.host or "").lower()
    except (httpx.InvalidURL, TypeError, ValueError):
        return False
    if parsed.scheme not in ("http", "https") or not host:
        return False
    address = _ip(host)
    return any(_entry_matches(str(entry).strip().lower(), host, address) for entry in allowed)


def http_call(*, node: dict, data, idempotency_key: str, context, timeout: float, callback_token: str | None = None):
    ctx = {"input": data, "run": {"id": context.run_id, "business_key": context.business_key}}
    budget = Budget()   # url, headers and body together; past it ExpressionLimit, never retried
    url = render_template(node["url"], ctx, quote=True, budget=budget)
    try:
        target = httpx.URL(url)   # checked and called as this one parsed object
    except httpx.InvalidURL as exc:
        raise HttpError(f"invalid url {url[:200]!r}: {exc}", error_type="HostNotAllowed")
    if not host_allowed(target, settings.FLOWDECK_HTTP_ALLOWED_HOSTS):
        raise HttpError(f"host of {url[:200]!r} is not in FLOWDECK_HTTP_ALLOWED_HOSTS", error_type="HostNotAllowed")
    headers = {name: render_template(value, ctx, budget=budget) for name, value in (node.get("headers") or {}).items()}
    headers["Idempotency-Key"] = idempotency_key
    tracing.inject(headers)   # the attempt's span, as a W3C traceparent (when tracing is on)
    if callback_token:   # a callback task: the server completes the step later with it
        headers[CALLBACK_HEADER] = callback_token
    body = evaluate_mapping(node["body"], ctx, budget=budget) if node.get("body") is not None else None
    expected = nodes.setting(node, "expected_statuses")
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.request(node.get("method", "GET"), target, headers=headers, json=body)
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
