"""Callback tasks completed from outside: ``POST /api/callbacks/{token}/`` and its heartbeat.

The token is the caller's only credential (engine/callbacks.py): anything that is not a genuine
token is "no such callback", never a hint of what exists."""
from __future__ import annotations

import json

from engine import callbacks, limits
from engine.errors import Conflict, InvalidInput, NotFound
from engine.spec.schema import full_match
from engine.store.callbacks import Outcome, callback_settle

ERROR_TYPE_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$"
MAX_MESSAGE = 2000


def _target(token: str) -> tuple[int, int]:
    parsed = callbacks.token_parse(token)
    if parsed is None:
        raise NotFound("no such callback")
    return parsed


def _done(outcome: Outcome) -> Outcome:
    if outcome.ok:
        return outcome
    if outcome.state == "unknown":
        raise NotFound(outcome.message)
    raise Conflict(outcome.message)


def callback_complete(*, token: str, output=None) -> Outcome:
    """The external work is done: the step succeeds with ``output`` and the run goes on."""
    step_id, attempt = _target(token)
    try:
        text = json.dumps(output, allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidInput("output must be JSON")
    if "\\u0000" in text:
        raise InvalidInput("output must not contain null characters (\\u0000)")
    limits.check(len(text), limits.OUTPUT, "the callback's output")
    return _done(callback_settle(step_id=step_id, attempt=attempt, output=output))


def callback_fail(*, token: str, error_type: str, message: str = "") -> Outcome:
    """The external work failed with ``error_type`` (matched by the node's retry policy, as an
    activity's error would be: ``non_retryable_errors`` fail it at once)."""
    step_id, attempt = _target(token)
    if not full_match(ERROR_TYPE_PATTERN, error_type):
        raise InvalidInput("error.type must be a name: letters, digits and _ . : - (at most 100), starting "
                           "with a letter or _")
    if not isinstance(message, str) or len(message) > MAX_MESSAGE or "\x00" in message:
        raise InvalidInput(f"error.message must be text of at most {MAX_MESSAGE} characters")
    error = {"type": error_type, "message": message or f"failed by its callback ({error_type})"}
    return _done(callback_settle(step_id=step_id, attempt=attempt, error=error))


def callback_heartbeat(*, token: str) -> Outcome:
    """The external work is still going: the attempt's heartbeat timeout starts again."""
    step_id, attempt = _target(token)
    return _done(callback_settle(step_id=step_id, attempt=attempt, heartbeat=True))
