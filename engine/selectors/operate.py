"""What an operator sees to act on a run: the actions the policy allows now (and why not),
and why each open step is where it is, as data the console renders live."""
from __future__ import annotations

from django.utils import timezone

from engine import limits, nodes, policy, protocol
from engine.graphs import graph_for_run
from engine.models import StepRun
from engine.selectors.processes import worker_liveness
from engine.spec import retry_policy
from engine.states import RunStatus, StepStatus
from engine.store import signals
from engine import stuck

AFTER_LAST = {"compensate": "compensate", "incident": "incident", "abort": "fail"}


def _steps(run) -> list[StepRun]:
    return sorted(run.steps.all(), key=lambda s: s.id)


def _liveness(steps) -> dict:
    workers = [s.worker for s in steps if s.status == StepStatus.RUNNING and s.worker]
    return worker_liveness(worker_names=workers) if workers else {}


def run_available_actions(*, run, steps=None, liveness=None, now=None) -> list[dict]:
    """Every operator action for ``run`` right now, allowed or with why not (engine/policy.py)."""
    steps = _steps(run) if steps is None else steps
    liveness = _liveness(steps) if liveness is None else liveness
    return policy.available(policy.facts_of(run.status, steps, graph_for_run(run),
                                            now=now or timezone.now(), liveness=liveness,
                                            kept=signals.signals_kept(run.id),
                                            keep_limit=limits.limit(limits.KEPT_SIGNALS)))


def _hms(when) -> str:
    return when.strftime("%H:%M:%S UTC")


def _ago(now, when) -> str:
    return stuck.ago(now, when)


def _after_last(graph, node: dict, states) -> tuple[str, list[str]]:
    undo = protocol.compensation_order(graph, states)
    outcome = protocol.failure_outcome(node, exhausted=True, compensation_pending=bool(undo))
    return AFTER_LAST[outcome], (undo if outcome == "compensate" else [])


def _after_text(after: str, undo: list[str]) -> str:
    if after == "compensate":
        return f"compensate (undo {', '.join(undo)})" if undo else "compensate"
    return "wait for an operator" if after == "incident" else "end the run (aborted, nothing undone)"


def _detail(step: StepRun, graph, states, now, liveness) -> dict:
    node = graph.node(step.node_id)
    spec = node.get("compensation", {}) if step.kind == StepRun.COMPENSATION else node
    max_attempts = retry_policy(spec)["max_attempts"] if node["type"] in nodes.ACTIVITY_TYPES else None
    error_type = (step.error or {}).get("type")
    out = {"node_id": step.node_id, "kind": step.kind, "status": step.status, "since": step.scheduled_at,
           "at": None, "attempt": step.attempt, "max_attempts": max_attempts, "error_type": error_type,
           "after_last": None, "compensations": [], "worker": step.worker or None, "worker_alive": None,
           "worker_last_seen": None}
    label = step.node_id + (" (compensation)" if step.kind == StepRun.COMPENSATION else "")
    if step.kind == StepRun.NODE and max_attempts is not None:
        out["after_last"], out["compensations"] = _after_last(graph, node, states)
    if step.status == StepStatus.SCHEDULED and step.next_attempt_at and step.next_attempt_at > now:
        out["at"], out["since"] = step.next_attempt_at, step.finished_at or step.scheduled_at
        text = (f"{label}: attempt {step.attempt} of {max_attempts} failed ({error_type or 'error'}); "
                f"next at {_hms(step.next_attempt_at)}")
        if out["after_last"]:
            text += f"; after the last: {_after_text(out['after_last'], out['compensations'])}"
        out["text"] = text
    elif step.status == StepStatus.RUNNING:
        info = liveness.get(step.worker) or {}
        out.update(at=step.lease_expires_at, since=step.started_at, worker_last_seen=info.get("last_seen"),
                   worker_alive={"alive": True, "dead": False, "stopped": False}.get(info.get("state")))
        process = info.get("process") or step.worker
        if out["worker_alive"] is False:
            seen = f"last seen {_ago(now, info['last_seen'])} ago" if info.get("last_seen") else "never seen"
            out["text"] = f"{label}: worker {process} {seen}; retry it now"
        elif step.lease_expires_at and step.lease_expires_at < now:
            out["text"] = (f"{label}: lease expired on worker {step.worker} {_ago(now, step.lease_expires_at)} ago; "
                           f"the scheduler records it as timed out, or force-retry it now")
        else:
            of = f" of {max_attempts}" if max_attempts else ""
            out["text"] = (f"{label}: attempt {step.attempt}{of} running on worker {step.worker} "
                           f"for {_ago(now, step.started_at or now)}")
    else:
        if step.status == StepStatus.WAITING:
            out["at"] = step.next_attempt_at
        out["text"] = stuck.describe(step, graph, now)
    return out


def run_why_details(*, run, steps=None, liveness=None, now=None) -> list[dict]:
    """One entry per open step (and per failed step of a run that needs an operator): what it
    waits for, since when, until when, on which worker, and what follows its last attempt."""
    steps = _steps(run) if steps is None else steps
    liveness = _liveness(steps) if liveness is None else liveness
    now = now or timezone.now()
    if run.status in RunStatus.TERMINAL:
        return []
    graph = graph_for_run(run)
    states = [protocol.StepState(s.node_id, s.kind, s.status, s.completion_order) for s in steps]
    shown = [s for s in steps if s.status in StepStatus.OPEN
             or (run.status in RunStatus.NEEDS_OPERATOR and s.status == StepStatus.FAILED)]
    out = []
    for step in shown:
        entry = _detail(step, graph, states, now, liveness)
        if step.status == StepStatus.FAILED:
            error = step.error or {}
            entry.update(since=step.finished_at, text=f"{entry['node_id']}: failed for good: "
                         f"{error.get('type', 'error')}: {(error.get('message') or '')[:300]}")
        out.append(entry)
    return out


def run_operator_view(*, run) -> dict:
    """``available_actions`` and ``why_details`` of ``run``, from one read of its steps and workers."""
    steps = _steps(run)
    liveness, now = _liveness(steps), timezone.now()
    return {"available_actions": run_available_actions(run=run, steps=steps, liveness=liveness, now=now),
            "why_details": run_why_details(run=run, steps=steps, liveness=liveness, now=now)}
