"""Claim, run, record: one attempt of one step.

The activity runs outside any transaction. Its result is recorded only if the
attempt is still ours (same status and attempt number), so a late worker whose
lease expired, or a duplicate message, changes nothing.
"""
from __future__ import annotations

import contextvars
import functools
import json
import logging
import os
import socket
import threading
import traceback

import time

import jsonschema
from django.db import InterfaceError, OperationalError, close_old_connections, connections

from engine import callbacks, limits, logcontext, metrics, tracing, watchdog
from engine.activities import ActivityContext, activity_get, error_type_of
from engine.errors import TooLarge
from engine.httpcall import http_call
from engine.store import steps

log = logging.getLogger(__name__)
_HOST = socket.gethostname()
RECORD_PATIENCE = 60.0  # seconds to keep trying to record a result while the database is away


def worker_name() -> str:
    return f"{_HOST}:{os.getpid()}:{threading.current_thread().name}"


class OutputInvalid(Exception):
    error_type = "OutputSchemaError"


def _error(exc: BaseException) -> dict:
    return {"type": error_type_of(exc), "message": str(exc)[:2000],
            "traceback": "".join(traceback.format_exception(exc))[-8000:]}


def _json_roundtrip(value):
    """``value`` as JSON would give it back; an output over FLOWDECK_MAX_OUTPUT_BYTES is refused
    here, before any of it is written (OutputTooLarge, never retried)."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise OutputInvalid(f"the activity returned a value that is not JSON: {exc}")
    limits.check(len(text), limits.OUTPUT, "the step's output")
    return json.loads(text)


@functools.lru_cache(maxsize=None)
def _output_validator(name: str):
    """The activity's output-schema validator, built (and its schema checked) once, not per call."""
    schema = activity_get(name).output_schema
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _callback_token(claim: steps.Claim) -> str | None:
    return callbacks.token_for(claim.step_id, claim.attempt) if claim.callback else None


def _run(claim: steps.Claim, ctx: ActivityContext):
    node = claim.node
    if node.get("type") == "http":
        output = http_call(node=node, data=claim.input, idempotency_key=claim.idempotency_key,
                           context=claim, timeout=claim.timeout, callback_token=ctx.callback_token)
        limits.check(len(json.dumps(output)), limits.OUTPUT, "the step's output")
        return output
    activity = activity_get(node["activity"])
    if activity is None:
        raise LookupError(f"activity {node['activity']!r} is not registered in this worker")
    output = _json_roundtrip(activity.fn(ctx, claim.input))
    if activity.output_schema is not None:
        error = jsonschema.exceptions.best_match(_output_validator(activity.name).iter_errors(output))
        if error is not None:  # what jsonschema.validate would raise
            raise OutputInvalid(f"output does not match {activity.name}'s output schema: {error.message}")
    return output


def _recorded(fn, **kwargs) -> bool:
    """Record a result, riding out a short database outage (a restart, a
    failover): the side effect already happened, so losing its result would
    only cost a retry, but waiting a little usually saves it."""
    delay = 0.2
    deadline = time.monotonic() + RECORD_PATIENCE
    while True:
        try:
            return fn(**kwargs)
        except (OperationalError, InterfaceError):
            if time.monotonic() > deadline:
                raise  # the lease expires and the scheduler retries the step
            log.warning("database unavailable while recording step %s; retrying in %.1fs",
                        kwargs["claim"].step_id, delay)
            close_old_connections()
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _timed_out(claim: steps.Claim, exc: BaseException) -> dict:
    """The error of an attempt the watchdog interrupted (engine/watchdog.py), with where it was."""
    watchdog.settle()
    # The interrupt may have landed inside a database call of the activity: this thread's
    # connections are not to be trusted with the record.
    for conn in connections.all(initialized_only=True):
        conn.close()
    return {"type": watchdog.AttemptTimeout.error_type,
            "traceback": "".join(traceback.format_exception(exc))[-8000:],
            "message": f"the activity was still running after its timeout of {claim.timeout:g}s and was "
                       f"interrupted (worker {worker_name()})"}


# How long one message may keep running a run's next steps in a row before handing the
# next one to the queue: other runs get their turn, and a stopping worker is not held up.
INLINE_STEPS = 100
INLINE_SECONDS = 2.0


def step_execute(*, step_id: int, inline: bool = False) -> str:
    """Run one attempt of ``step_id``; returns what happened (for logs and tests).

    With ``inline``, a step that succeeds and schedules a next task step claims it in the
    same transaction and this thread runs it right away (up to INLINE_STEPS / INLINE_SECONDS): no
    message, no claim transaction, no queue wait between sequential steps."""
    worker = worker_name()
    claim = steps.step_claim(step_id=step_id, worker=worker)
    if isinstance(claim, str):
        log.info("step %s not claimed: %s", step_id, claim)
        return f"skipped: {claim}"
    deadline = time.monotonic() + INLINE_SECONDS
    for n in range(1, INLINE_STEPS + 1):
        with logcontext.bound(run_id=claim.run_id, node=claim.node_id, attempt=claim.attempt), \
                tracing.attempt_span(run_id=claim.run_id, node_id=claim.node_id, attempt=claim.attempt,
                                     idempotency_key=claim.idempotency_key, step_id=claim.step_id,
                                     kind=claim.kind) as outcome:
            started = time.perf_counter()
            result = _attempt(claim, worker, inline_until=deadline if inline and n < INLINE_STEPS else None)
            what = result if isinstance(result, str) else "succeeded"
            outcome(what, _last_error.get())
            metrics.step_attempt_observe(version_id=claim.version_id, node_id=claim.node_id,
                                         outcome=what.replace(" ", "_"), seconds=time.perf_counter() - started)
        if isinstance(result, str):
            return result
        claim = result
    return "succeeded"


_last_error: contextvars.ContextVar[dict | None] = contextvars.ContextVar("flowdeck_attempt_error", default=None)


def _failed(claim: steps.Claim, error: dict, **kwargs) -> None:
    _last_error.set(error)
    _recorded(steps.step_record_failure, claim=claim, error=error, **kwargs)


def _attempt(claim: steps.Claim, worker: str, *, inline_until: float | None) -> str | steps.Claim:
    """One attempt: run the activity, record what happened. Returns the outcome, or the Claim of the
    next step this thread runs right away (while before ``inline_until``)."""
    _last_error.set(None)
    ctx = ActivityContext(run_id=claim.run_id, node_id=claim.node_id, step_id=claim.step_id,
                          attempt=claim.attempt, idempotency_key=claim.idempotency_key,
                          business_key=claim.business_key, callback_token=_callback_token(claim),
                          heartbeat=functools.partial(steps.step_heartbeat, claim=claim))
    try:
        with watchdog.limit(claim.timeout):  # past it the thread is interrupted, and free again
            output = _run(claim, ctx)
    except watchdog.AttemptTimeout as exc:
        _failed(claim, _timed_out(claim, exc), event="step.timed_out")
        return "timed out"
    except Exception as exc:  # every failure is recorded; the policy decides what next
        _failed(claim, _error(exc))
        return "failed"
    try:
        recorded = _recorded(steps.step_record_success, claim=claim, output=output,
                             continue_as=worker if inline_until and time.monotonic() < inline_until else None)
    except TooLarge as exc:  # with it the run's data would be over its limit: nothing was written
        _failed(claim, _error(exc))
        return "failed"
    return recorded if isinstance(recorded, steps.Claim) else "succeeded"
