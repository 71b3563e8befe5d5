"""Why is a run not moving? Plain-language reasons for the stuck flag."""
from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings

from engine import nodes
from engine.models import StepRun
from engine.states import StepStatus


def min_threshold() -> float:
    return float(getattr(settings, "FLOWDECK_STUCK_MIN", 5.0))


def floor(graph) -> float:
    """The shortest threshold any run of this version can have (whichever nodes are open):
    no run of it is stuck sooner after its last progress. Cached on the (per-version) graph."""
    if getattr(graph, "is_code", False):   # a code run's calls set no stuck_after: its default
        return max(min_threshold(), _default(graph))
    cached = getattr(graph, "_stuck_floor", None)
    if cached is None:
        cached = graph._stuck_floor = max(min_threshold(), min([_default(graph), *_node_values(graph, graph.node_ids)]))
    return cached


@functools.cache
def _progress_resolution() -> dt.timedelta:
    """How stale last_progress_at may be: a fraction of the shortest stuck threshold."""
    return dt.timedelta(seconds=min(1.0, min_threshold() / 10))


# Events that are not the run moving: flagging it stuck, and an SLA breached (its escalation's own
# step events are progress, as any step's).
NOT_PROGRESS = frozenset({"run.stuck", "sla.breached"})


def progress(run, now, event_types, graph_of) -> tuple[str, ...]:
    """A transaction on ``run`` wrote events of ``event_types``: note the progress (not for
    flagging it stuck) and clear the flag. ``graph_of()``: the run's graph, asked for only when
    needed. Returns the run fields it changed."""
    if all(t in NOT_PROGRESS for t in event_types):
        return ()
    changed: tuple[str, ...] = ()
    if (run.stuck_check_at is None or run.last_progress_at is None
            or now - run.last_progress_at >= _progress_resolution()):
        # stuck_check_at is indexed (run_stuck_check_idx): rewriting it on every transaction
        # would make every run update a non-HOT one that touches all of the run's indexes.
        run.last_progress_at = now
        run.stuck_check_at = now + dt.timedelta(seconds=floor(graph_of()))
        changed = ("last_progress_at", "stuck_check_at")
    if run.stuck:
        run.stuck, run.stuck_reason, run.stuck_since = False, "", None
        changed += ("stuck", "stuck_reason", "stuck_since")
    return changed


def _default(graph) -> float:
    return float((graph.settings or {}).get("stuck_after") or settings.FLOWDECK_STUCK_AFTER)


def _node_values(graph, node_ids) -> list[float]:
    return [float(graph.node(n)["stuck_after"]) for n in node_ids if graph.node(n).get("stuck_after")]


def threshold(graph, node_ids: list[str]) -> float:
    """Seconds without progress before the run counts as stuck: the smallest
    of its open nodes' ``stuck_after``, else the definition's, else the default."""
    values = _node_values(graph, node_ids)
    return max(min_threshold(), min(values) if values else _default(graph))


def ago(now, when) -> str:
    seconds = int((now - when).total_seconds())
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else (
        f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s")


def describe(step: StepRun, graph, now) -> str:
    node = graph.node(step.node_id) if step.kind == StepRun.NODE else {}
    if step.status == StepStatus.SCHEDULED:
        if step.next_attempt_at and step.next_attempt_at > now:
            return (f"{step.node_id}: waiting for retry at {step.next_attempt_at.isoformat()} "
                    f"after {step.attempt} attempt(s)")
        due = step.next_attempt_at or step.scheduled_at
        return f"{step.node_id}: message not taken by any worker for {ago(now, due)}"
    if step.status == StepStatus.RUNNING:
        if step.lease_expires_at and step.lease_expires_at < now:
            return f"{step.node_id}: lease expired on worker {step.worker} at {step.lease_expires_at.isoformat()}"
        return f"{step.node_id}: running on worker {step.worker} for {ago(now, step.started_at or now)}"
    if step.status == StepStatus.WAITING:
        told = nodes.of(node).describe_waiting(step, node, now, ago) if node else None
        if told:
            return told
        return f"{step.node_id}: {step.wait_reason or 'waiting'} for {ago(now, step.scheduled_at)}"
    return f"{step.node_id}: {step.status}"


def diagnose(run, graph, *, now) -> tuple[str | None, dt.datetime]:
    """Why the run is stuck (None: it is not, yet), and when to ask again if it is not."""
    open_steps = list(StepRun.objects.filter(run=run, status__in=list(StepStatus.OPEN)))
    due = run.last_progress_at + dt.timedelta(
        seconds=threshold(graph, [s.node_id for s in open_steps if s.kind == StepRun.NODE]))
    if now < due:
        return None, due
    if not open_steps:
        return f"no open step and no progress for {ago(now, run.last_progress_at)}", due
    return "; ".join(describe(s, graph, now) for s in open_steps), due
