"""Fault injection, configured per endpoint at run time through ``/faults``.

A configuration is plain data; ``"*"`` applies to every endpoint and an
endpoint's own entry overrides it field by field:

| field | effect |
|---|---|
| ``failure_rate`` | fraction of requests answered 503 before any side effect |
| ``latency_ms`` | added before the request is handled |
| ``hang_rate``, ``hang_seconds`` | fraction of requests that get no answer for ``hang_seconds`` (default 30), then a 503; no side effect |
| ``crash_rate`` | fraction of requests whose side effect commits, then the server process dies before answering |
| ``declined_amounts`` | (charge) amounts in cents that are declined: 402 ``CardDeclined`` |
| ``out_of_stock_skus`` | (reserve) SKUs that are out of stock: 409 ``OutOfStock`` |
| ``flaky_orders`` | ``{order_id: n}``: the first n requests about that order answer 503 |
"""
from __future__ import annotations

import dataclasses
import random
import threading

ENDPOINTS = ("charge", "refund", "reserve", "release", "ship", "cancel_shipment", "email", "fraud")
RATES = ("failure_rate", "hang_rate", "crash_rate")


class FaultConfigError(ValueError):
    """A fault configuration that cannot be applied."""


def _rate(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise FaultConfigError(f"{field} must be a number between 0 and 1")
    return float(value)


def config_clean(endpoint: str, config) -> dict:
    """Validate one endpoint's configuration; returns it normalised."""
    if endpoint != "*" and endpoint not in ENDPOINTS:
        raise FaultConfigError(f"unknown endpoint {endpoint!r}; expected one of *, {', '.join(ENDPOINTS)}")
    if not isinstance(config, dict):
        raise FaultConfigError(f"{endpoint}: the configuration must be an object")
    known = {*RATES, "latency_ms", "hang_seconds", "declined_amounts", "out_of_stock_skus", "flaky_orders"}
    unknown = sorted(set(config) - known)
    if unknown:
        raise FaultConfigError(f"{endpoint}: unknown field(s) {', '.join(unknown)}")
    out: dict = {}
    for field in RATES:
        if field in config:
            out[field] = _rate(config[field], field)
    for field in ("latency_ms", "hang_seconds"):
        if field in config:
            value = config[field]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 3600_000:
                raise FaultConfigError(f"{endpoint}: {field} must be a non-negative number")
            out[field] = value
    if "declined_amounts" in config:
        amounts = config["declined_amounts"]
        if not isinstance(amounts, list) or not all(isinstance(a, int) and not isinstance(a, bool) for a in amounts):
            raise FaultConfigError(f"{endpoint}: declined_amounts must be a list of integers (cents)")
        out["declined_amounts"] = amounts
    if "out_of_stock_skus" in config:
        skus = config["out_of_stock_skus"]
        if not isinstance(skus, list) or not all(isinstance(s, str) for s in skus):
            raise FaultConfigError(f"{endpoint}: out_of_stock_skus must be a list of strings")
        out["out_of_stock_skus"] = skus
    if "flaky_orders" in config:
        flaky = config["flaky_orders"]
        if not isinstance(flaky, dict) or not all(isinstance(n, int) and n >= 0 for n in flaky.values()):
            raise FaultConfigError(f"{endpoint}: flaky_orders must map order ids to counts")
        out["flaky_orders"] = flaky
    return out


def configs_clean(configs) -> dict[str, dict]:
    if not isinstance(configs, dict):
        raise FaultConfigError("the fault configuration must be an object keyed by endpoint")
    return {endpoint: config_clean(endpoint, config) for endpoint, config in configs.items()}


def effective(configs: dict[str, dict], endpoint: str) -> dict:
    return {**configs.get("*", {}), **configs.get(endpoint, {})}


@dataclasses.dataclass(frozen=True)
class Plan:
    """What to do to one request, decided before it is handled."""
    latency: float = 0.0      # seconds
    fail: bool = False        # 503 before the side effect
    hang: float = 0.0         # seconds without an answer, then 503
    crash: bool = False       # die after the commit


def plan_for(config: dict, *, rand=random.random) -> Plan:
    hang = config.get("hang_seconds", 30) if rand() < config.get("hang_rate", 0) else 0.0
    return Plan(latency=config.get("latency_ms", 0) / 1000.0, fail=rand() < config.get("failure_rate", 0),
                hang=float(hang), crash=rand() < config.get("crash_rate", 0))


class Faults:
    """The live configuration of one server process, plus the flaky-order counters."""

    def __init__(self, configs: dict[str, dict] | None = None):
        self._lock = threading.Lock()
        self._configs = configs or {}
        self._seen: dict[tuple[str, str], int] = {}

    def replace(self, configs: dict[str, dict]) -> None:
        with self._lock:
            self._configs, self._seen = configs, {}

    def all(self) -> dict[str, dict]:
        return self._configs

    def for_endpoint(self, endpoint: str) -> dict:
        return effective(self._configs, endpoint)

    def flaky(self, endpoint: str, order_id: str | None) -> bool:
        """True while the order has flaky failures left on this endpoint."""
        budget = self.for_endpoint(endpoint).get("flaky_orders", {}).get(order_id or "", 0)
        if not budget:
            return False
        with self._lock:
            seen = self._seen.get((endpoint, order_id), 0)
            self._seen[(endpoint, order_id)] = seen + 1
        return seen < budget
