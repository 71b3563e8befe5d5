"""Retry policies: defaults and the delay between attempts. Pure functions."""
from __future__ import annotations

import math
import random
from typing import Callable

from engine.spec.schema import RETRY_DEFAULTS


def retry_policy(node: dict) -> dict:
    """The node's ``retry`` with every default filled in. Works for task and
    http nodes and for a ``compensation`` object (all carry ``retry``)."""
    policy = {**RETRY_DEFAULTS, **(node.get("retry") or {})}
    policy["non_retryable_errors"] = list(policy["non_retryable_errors"])  # never share the default list
    return policy


def retry_delay(policy: dict, attempt: int, *, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before attempt ``attempt + 1``, after attempt ``attempt``
    (1-based) failed.

    ``initial_interval * backoff_coefficient ** (attempt - 1)``, capped at
    ``max_interval``, then jittered by up to +/- ``jitter`` of itself (``rand``
    returns [0, 1)) and capped again: max_interval is a real maximum.
    """
    if attempt < 1:
        raise ValueError(f"attempt is 1-based, got {attempt}")
    policy = {**RETRY_DEFAULTS, **policy}
    initial, cap = float(policy["initial_interval"]), float(policy["max_interval"])
    base = _backoff(initial, float(policy["backoff_coefficient"]), attempt - 1, cap)
    jittered = base * (1 + float(policy["jitter"]) * (2 * rand() - 1))
    return max(0.0, min(jittered, cap))


def _backoff(initial: float, coefficient: float, exponent: int, cap: float) -> float:
    """``initial * coefficient ** exponent``, or ``cap`` once that reaches it: the power is
    taken only below the cap, so no attempt count or coefficient can overflow it."""
    if initial >= cap or coefficient <= 1:
        return min(initial, cap)
    if exponent * math.log(coefficient) >= math.log(cap) - math.log(initial):   # logs: 5e-324 divides badly
        return cap
    return initial * coefficient ** exponent
