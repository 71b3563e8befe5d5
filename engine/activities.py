"""The activity registry: named Python callables that task nodes run.

Activities may run more than once (a retry, a redelivery, a worker killed after
the side effect but before the result was recorded). Each receives an
``ActivityContext`` whose ``idempotency_key`` is stable across attempts of the
same step: pass it to downstream systems so the side effect happens once.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

from engine.errors import DuplicateActivity


@dataclasses.dataclass(frozen=True)
class Activity:
    name: str
    fn: Callable[..., Any]
    input_schema: dict | None
    output_schema: dict | None
    description: str


@dataclasses.dataclass
class ActivityContext:
    run_id: str
    node_id: str
    step_id: int
    attempt: int
    idempotency_key: str
    business_key: str | None = None
    # A callback task's (a node with ``callback``): hand it to the system that completes the
    # step later with POST /api/callbacks/{token}/. Same for a redelivery of the same attempt.
    callback_token: str | None = None
    # Set by the executor: extends the attempt's lease. A no-op outside a worker.
    heartbeat: Callable[[], None] = lambda: None


class ActivityError(Exception):
    """Raise from an activity to name the error type that retry policies match
    (``non_retryable_errors``); other exceptions are named by their class."""

    def __init__(self, message: str, *, error_type: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.error_type = error_type or type(self).__name__
        self.details = details or {}


def error_type_of(exc: BaseException) -> str:
    return getattr(exc, "error_type", None) or type(exc).__name__


_registry: dict[str, Activity] = {}


def activity(name: str, *, input_schema: dict | None = None, output_schema: dict | None = None,
             description: str = "") -> Callable[[Callable], Callable]:
    """Register ``fn(ctx, input) -> output`` under ``name``; duplicate names raise at import."""
    def register(fn: Callable) -> Callable:
        if name in _registry and _registry[name].fn is not fn:
            raise DuplicateActivity(f"activity {name!r} is already registered")
        _registry[name] = Activity(name, fn, input_schema, output_schema,
                                   description or (fn.__doc__ or "").strip().split("\n")[0])
        return fn
    return register


def activity_get(name: str) -> Activity | None:
    return _registry.get(name)


def activity_list() -> list[Activity]:
    return sorted(_registry.values(), key=lambda a: a.name)
