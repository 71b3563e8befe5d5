"""Replaying a code workflow against its recorded steps: a pure decision, like engine.protocol.

The function runs from its start every time the run may move (a step of it finished, a timer
fired, a signal came). Each ``ctx`` call takes the next position; a position with a recorded
step returns that step's result (the activity never runs again); the first call without one is
new, and the replay stops (``Suspend``) at the first result it needs that is not recorded yet.
What comes out (``Decision``) the store performs in the same transaction (engine/store/code.py):
the values to record, the steps to schedule, or how the run ends. No database, broker or clock
here: time and randomness come in from the caller and are recorded as steps themselves.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random as _random
import re
import traceback
import uuid as uuidlib
from typing import Any, Callable

from engine import watchdog
from engine.states import StepStatus

NODE_ID_LENGTH = 64
DONE = frozenset({StepStatus.SUCCEEDED, StepStatus.SKIPPED})   # skipped: the operator's output is the result
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600, "d": 86400}


class Suspend(BaseException):
    """A result the function needs is not recorded yet: the replay stops here. A BaseException,
    so a workflow's ``except Exception`` does not swallow it (docs/workflows-as-code.md)."""


class Diverged(BaseException):
    """The function no longer matches the run's history (the code changed under it)."""

    def __init__(self, pos: int, message: str):
        super().__init__(message)
        self.pos, self.message = pos, message


class Compensate(Exception):
    """Raise from a workflow to undo what succeeded, in reverse order: the run ends compensated."""

    def __init__(self, reason: str = "the workflow asked to compensate"):
        super().__init__(reason)
        self.reason = reason


class Fail(Exception):
    """Raise from a workflow to fail the run as a graph's fail node does: what succeeded is
    compensated (the run ends compensated), or, with nothing to undo, the run ends aborted."""

    def __init__(self, message: str, *, code: str = "WorkflowFailed"):
        super().__init__(message)
        self.message, self.code = message, code


@dataclasses.dataclass(frozen=True)
class Recorded:
    """One recorded step of a code run, as the replay sees it."""
    pos: int
    call: str
    status: str
    output: Any
    node_id: str = ""


@dataclasses.dataclass
class Decision:
    values: list[tuple[dict, Any]] = dataclasses.field(default_factory=list)   # (node, value): record, done
    schedule: list[dict] = dataclasses.field(default_factory=list)             # new steps to activate
    outcome: str | None = None     # None (waits), "complete", "compensate", "failed" (Fail), "fail", "diverged"
    output: Any = None             # complete: the run's output
    error: dict | None = None      # compensate, fail, diverged
    pos: int = 0                   # fail, diverged: the position the function had reached


def seconds_of(value, what: str) -> float:
    """A duration: seconds as a number, or a string like "500ms", "30s", "5m", "24h", "2d"."""
    if isinstance(value, bool):
        raise TypeError(f"{what}: a number of seconds or a string like '5m', not {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and _DURATION.match(value):
        number, unit = _DURATION.match(value).groups()
        seconds = float(number) * _UNITS[unit]
    elif isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
    else:
        raise TypeError(f"{what}: a number of seconds or a string like '5m', not {value!r}")
    if seconds < 0:
        raise ValueError(f"{what}: {value!r} is negative")
    return seconds


def _json(value, what: str):
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} is not JSON: {exc}") from None


class Handle:
    """A call's result to come: ``result()`` (or ``ctx.parallel``) waits for it."""
    __slots__ = ("ctx", "pos", "node_id", "recorded", "transform")

    def __init__(self, ctx, pos: int, node_id: str, recorded: Recorded | None, transform=None):
        self.ctx, self.pos, self.node_id, self.recorded, self.transform = ctx, pos, node_id, recorded, transform

    @property
    def done(self) -> bool:
        return self.recorded is not None and self.recorded.status in DONE

    def result(self):
        if not self.done:
            raise Suspend()
        self.ctx._epoch += 1
        output = self.recorded.output
        return self.transform(output) if self.transform else output


class Context:
    """What a workflow function gets as ``ctx``: every call is a step with a stable position."""
    Compensate = Compensate
    Fail = Fail

    def __init__(self, history: dict[int, Recorded], *, now: dt.datetime, run_id: str = "",
                 business_key: str | None = None, workflow: str = "", version: str = ""):
        self._history, self._now = history, now
        self._pos = 0
        self._epoch = 0
        self.run_id, self.business_key, self.workflow, self.version = run_id, business_key, workflow, version
        self.decision = Decision()

    # -- positions -------------------------------------------------------------------
    def _take(self, call: str) -> tuple[int, str, Recorded | None]:
        self._pos += 1
        pos = self._pos
        recorded = self._history.get(pos)
        if recorded is not None and recorded.call != call:
            raise Diverged(pos, f"at step {pos} the code calls {call}; the history has {recorded.call}")
        return pos, f"{pos}:{call}"[:NODE_ID_LENGTH], recorded

    def _node(self, node_id: str, pos: int, call: str, type: str, **fields) -> dict:
        label = fields.pop("label", None) or call.rsplit(".", 1)[-1]
        return {"id": node_id, "type": type, "label": str(label)[:200], **fields,
                "code": {"pos": pos, "call": call, "epoch": self._epoch}}

    def _call(self, call: str, type: str, transform=None, **fields) -> Handle:
        pos, node_id, recorded = self._take(call)
        if recorded is None:
            self.decision.schedule.append(self._node(node_id, pos, call, type, **fields))
        return Handle(self, pos, node_id, recorded, transform)

    def _value(self, call: str, make: Callable[[], Any], transform=None, **fields):
        pos, node_id, recorded = self._take(call)
        if recorded is None:
            value = make()
            self.decision.values.append((self._node(node_id, pos, call, "value", **fields), value))
        else:
            value = recorded.output
        return transform(value) if transform else value

    # -- activities ------------------------------------------------------------------
    def call(self, activity: str, input=None, *, compensate: str | None = None, compensate_input=None,
             compensate_retry: dict | None = None, retry: dict | None = None, timeout=None, heartbeat_timeout=None, on_failure: str | None = None,
             label: str | None = None) -> Handle:
        """Start activity ``activity`` with ``input``; returns a Handle (``ctx.parallel`` joins several)."""
        if not isinstance(activity, str) or not activity:
            raise TypeError(f"ctx.call: the activity is a registered activity's name, not {activity!r}")
        value = _json(input, f"the input of {activity}")
        fields: dict[str, Any] = {"activity": activity, "value": value, "label": label}
        if compensate is not None:
            # Without compensate_input, the compensation gets the step's input and output merged
            # (compensation_input): undoing a charge needs the charge id it returned.
            fields["compensation"] = {"activity": compensate}
            if compensate_input is not None:
                fields["compensation"]["value"] = _json(compensate_input, f"the compensation input of {activity}")
            if compensate_retry is not None:
                fields["compensation"]["retry"] = _json(compensate_retry, f"the compensation retry of {activity}")
        if retry is not None:
            fields["retry"] = _json(retry, f"the retry policy of {activity}")
        if timeout is not None:
            fields["timeout"] = seconds_of(timeout, f"the timeout of {activity}")
        if heartbeat_timeout is not None:
            fields["heartbeat_timeout"] = seconds_of(heartbeat_timeout, f"the heartbeat timeout of {activity}")
        if on_failure is not None:
            fields["on_failure"] = on_failure
        return self._call(activity, "task", **fields)

    def step(self, activity: str, input=None, **options):
        """Run activity ``activity`` with ``input`` and return its output (once recorded)."""
        return self.call(activity, input, **options).result()

    def parallel(self, *handles: Handle) -> list:
        """The results of several calls started together, once all of them are recorded."""
        if len(handles) == 1 and isinstance(handles[0], (list, tuple)):
            handles = tuple(handles[0])
        if not all(isinstance(h, Handle) for h in handles):
            raise TypeError("ctx.parallel takes the handles of ctx.call, ctx.child or ctx.wait_signal_async")
        if not all(h.done for h in handles):
            raise Suspend()
        return [h.result() for h in handles]

    # -- time, signals, children ---------------------------------------------------------
    def sleep(self, duration) -> None:
        """A durable timer: the run waits (a row, no thread) for ``duration``."""
        self._call("sleep", "wait", seconds=seconds_of(duration, "ctx.sleep")).result()

    def wait_signal_async(self, name: str, timeout=None) -> Handle:
        if not isinstance(name, str) or not name:
            raise TypeError(f"ctx.wait_signal: a signal name, not {name!r}")
        fields = {"signal": name}
        if timeout is not None:
            fields["timeout"] = seconds_of(timeout, "ctx.wait_signal timeout")
        return self._call(f"signal:{name}", "signal", label=f"signal {name}",
                          transform=lambda out: None if isinstance(out, dict) and out.get("timed_out") else out,
                          **fields)

    def wait_signal(self, name: str, timeout=None):
        """Wait for signal ``name``: its payload, or None when ``timeout`` passed first."""
        return self.wait_signal_async(name, timeout).result()

    def child_async(self, workflow, input=None, *, version: int | None = None) -> Handle:
        key = getattr(workflow, "workflow_name", workflow)
        if not isinstance(key, str) or not key:
            raise TypeError(f"ctx.child: a workflow (or definition key), not {workflow!r}")
        return self._call(f"child:{key}", "subworkflow", label=f"child {key}", definition=key,
                          value=_json({} if input is None else input, f"the input of child {key}"),
                          **({"version": version} if version is not None else {}))

    def child(self, workflow, input=None, *, version: int | None = None):
        """Run ``workflow`` (a code workflow or a graph definition's key) as a child run; its output."""
        return self.child_async(workflow, input, version=version).result()

    # -- recorded values -------------------------------------------------------------------
    def now(self) -> dt.datetime:
        """The time, recorded: a replay sees the same."""
        return self._value("now", lambda: self._now.isoformat(), dt.datetime.fromisoformat)

    def uuid(self) -> uuidlib.UUID:
        return self._value("uuid", lambda: str(uuidlib.uuid4()), uuidlib.UUID)

    def random(self) -> float:
        """A random number in [0, 1), recorded."""
        return self._value("random", _random.random)

    def patched(self, patch_id: str) -> bool:
        """True where the run is past this point on code that has the patch (and for new runs);
        False while replaying a history recorded before the patch existed."""
        call = f"patch:{patch_id}"
        recorded = self._history.get(self._pos + 1)
        if recorded is not None and recorded.call != call:
            return False   # this history was made by the code before the patch: take the old path
        return self._value(call, lambda: True, label=f"patch {patch_id}")


def compensation_input(node: dict, output):
    """What a code step's compensation gets: its ``compensate_input``, else the step's input with
    its output over it (both objects), else {"input": ..., "output": ...}."""
    compensation = node.get("compensation") or {}
    if "value" in compensation:
        return compensation["value"]
    value = node.get("value")
    if isinstance(value, dict) and isinstance(output, dict):
        return {**value, **output}
    return {"input": value, "output": output}


def replay(fn: Callable, input, history: dict[int, Recorded], *, now: dt.datetime, run_id: str = "",
           business_key: str | None = None, workflow: str = "", version: str = "",
           time_limit: float = 10.0) -> Decision:
    """Run ``fn(ctx, input)`` against ``history`` (recorded steps by position): what to do next.
    In a worker, a function still running after ``time_limit`` seconds is interrupted (it runs
    inside the transaction that holds the run): the run then waits for an operator."""
    ctx = Context(history, now=now, run_id=run_id, business_key=business_key, workflow=workflow, version=version)
    decision = ctx.decision
    try:
        with watchdog.limit(time_limit):
            output = fn(ctx, input)
    except watchdog.AttemptTimeout:
        return _stopped(decision, "fail", {"type": "WorkflowTimeout", "message": f"the workflow function ran "
                                           f"past {time_limit:g}s in one replay (FLOWDECK_REPLAY_TIMEOUT) and was "
                                           f"interrupted at step {ctx._pos + 1}"}, ctx._pos + 1)
    except Suspend:
        return decision
    except Diverged as exc:
        return _stopped(decision, "diverged", {"type": "NonDeterminism", "message": exc.message}, exc.pos)
    except Compensate as exc:
        decision.schedule = []
        decision.outcome, decision.error = "compensate", {"type": "Compensate", "message": exc.reason}
        return decision
    except Fail as exc:
        decision.schedule = []
        decision.outcome, decision.error = "failed", {"type": exc.code, "message": exc.message}
        return decision
    except Exception as exc:  # the workflow's own code failed: the run waits for an operator
        return _stopped(decision, "fail", {"type": "WorkflowError", "message": f"{type(exc).__name__}: {exc}"[:2000],
                                           "traceback": "".join(traceback.format_exception(exc))[-8000:]},
                        ctx._pos + 1)
    later = sorted(pos for pos in history if pos > ctx._pos)
    if later:
        first = history[later[0]]
        return _stopped(decision, "diverged", {"type": "NonDeterminism", "message":
                        f"the code returned after step {ctx._pos}; the history has {first.call} at step {first.pos}"},
                        first.pos)
    try:
        decision.output = _json(output, "the workflow's return value")
    except TypeError as exc:
        return _stopped(decision, "fail", {"type": "WorkflowError", "message": str(exc)}, ctx._pos + 1)
    decision.schedule, decision.outcome = [], "complete"
    return decision


def _stopped(decision: Decision, outcome: str, error: dict, pos: int) -> Decision:
    decision.schedule, decision.values = [], []
    decision.outcome, decision.error, decision.pos = outcome, error, pos
    return decision
