"""Callback tokens: what a callback task (a task or http node with ``callback``) hands the
system that completes it later (``POST /api/callbacks/{token}/``).

A token names one attempt of one step and carries an HMAC of both under SECRET_KEY: it cannot
be guessed or forged, a redelivered attempt hands out the same token, and no table is needed
to know which attempt it belongs to. What it may still do (complete once, only while its
attempt is the step's current one) is read from the step row under the run's lock
(engine/store/callbacks.py). Changing SECRET_KEY voids every token handed out.
"""
from __future__ import annotations

import hmac
import re

from django.utils.crypto import salted_hmac

from engine.states import StepStatus

_SALT = "flowdeck.callback"
_FORM = re.compile(r"^([1-9][0-9]{0,18})\.([1-9][0-9]{0,9})\.([0-9a-f]{64})$")
HEADER = "X-Flowdeck-Callback-Token"


def _mac(step_id: int, attempt: int) -> str:
    return salted_hmac(_SALT, f"{step_id}:{attempt}", algorithm="sha256").hexdigest()


def token_for(step_id: int, attempt: int) -> str:
    return f"{step_id}.{attempt}.{_mac(step_id, attempt)}"


def token_parse(token: str) -> tuple[int, int] | None:
    """(step id, attempt) of a genuine token; None for anything else (compared in constant time)."""
    match = _FORM.match(token) if isinstance(token, str) and len(token) < 120 else None
    if match is None:
        return None
    step_id, attempt = int(match.group(1)), int(match.group(2))
    return (step_id, attempt) if hmac.compare_digest(match.group(3), _mac(step_id, attempt)) else None


OPEN, COMPLETED, FAILED, EXPIRED, SUPERSEDED, CANCELLED, CLOSED = (
    "open", "completed", "failed", "expired", "superseded", "cancelled", "closed")
STATES = (OPEN, COMPLETED, FAILED, EXPIRED, SUPERSEDED, CANCELLED, CLOSED)


def token_state(step, attempt: int) -> str:
    """What the token of ``attempt`` of ``step`` (a StepRun-like row) may still do: "open" (complete,
    fail or heartbeat it) or why it is spent. Pure: the step's status, attempt and attempt records."""
    if attempt > step.attempt:
        return SUPERSEDED   # a token of an attempt not begun: only a forged or stale one
    record = next((a for a in reversed(step.attempts or []) if a.get("attempt") == attempt), None)
    if record is not None:
        return {"succeeded": COMPLETED, "timed_out": EXPIRED, "failed": FAILED}.get(record.get("status"), SUPERSEDED)
    if attempt < step.attempt:
        return SUPERSEDED
    if step.status in (StepStatus.RUNNING, StepStatus.WAITING):
        return OPEN
    return CANCELLED if step.status == StepStatus.CANCELLED else CLOSED


def refusal_of(state: str, attempt: int, step) -> str:
    """Why a token in ``state`` is refused, for the system that sent it."""
    return {
        COMPLETED: f"this callback was already completed (attempt {attempt} of step {step.node_id}); a token works once",
        FAILED: f"attempt {attempt} of step {step.node_id} already failed; a token works once",
        EXPIRED: f"the token of attempt {attempt} of step {step.node_id} expired (CallbackTimeout)",
        SUPERSEDED: f"this token belongs to attempt {attempt}; step {step.node_id} is on attempt {step.attempt}, "
                    f"which has a token of its own",
        CANCELLED: f"step {step.node_id} was cancelled",
        CLOSED: f"step {step.node_id} is {step.status}; it no longer waits for a callback",
    }[state]
