"""Spec builders and helpers shared by engine tests."""
from __future__ import annotations

from engine.models import RunEvent, StepRun, WorkflowRun
from engine.services.definitions import definition_create, version_publish
from tests.support.stack import wait_for

FAST_RETRY = {"max_attempts": 3, "initial_interval": 0.2, "backoff_coefficient": 2, "max_interval": 1, "jitter": 0}


def node(id, type, **fields):
    return {"id": id, "type": type, "label": id, **fields}


def task(id, activity="test.record", **fields):
    return node(id, "task", activity=activity, **fields)


def edge(source, target, branch=None):
    e = {"id": f"e_{source}_{target}", "source": source, "target": target}
    if branch:
        e["branch"] = branch
    return e


def chain(*nodes, extra_edges=()):
    """A sequential spec: start -> nodes... -> end."""
    all_nodes = [node("start", "start"), *nodes, node("end", "end")]
    edges = [edge(a["id"], b["id"]) for a, b in zip(all_nodes, all_nodes[1:])]
    return {"schema_version": 1, "nodes": all_nodes, "edges": edges + list(extra_edges)}


def publish(key: str, spec: dict):
    definition = definition_create(key=key, name=key, spec=spec)
    return version_publish(definition=definition, number=1)


def wait_status(run_id, *statuses, timeout: float = 30, stack=None) -> WorkflowRun:
    def check():
        run = WorkflowRun.objects.get(pk=run_id)
        return run if run.status in statuses else None
    try:
        return wait_for(check, timeout=timeout, message=f"run status in {statuses}")
    except AssertionError:
        run = WorkflowRun.objects.get(pk=run_id)
        detail = [(s.node_id, s.kind, s.status, s.attempt, s.error) for s in StepRun.objects.filter(run=run)]
        raise AssertionError(f"run is {run.status}, wanted {statuses}; steps={detail}; events={event_types(run_id)}"
                             + ("\n" + stack.logs() if stack else ""))


def event_types(run_id) -> list[str]:
    return list(RunEvent.objects.filter(run_id=run_id).order_by("seq").values_list("type", flat=True))


def assert_gapless(run_id) -> None:
    seqs = list(RunEvent.objects.filter(run_id=run_id).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)), seqs


def drain(run_id, *, max_steps: int = 200) -> int:
    """Execute the run's due scheduled steps in this process, until none is
    left: the real executor without a worker, for deterministic tests."""
    import datetime as dt

    from django.db.models import Q
    from django.utils import timezone

    from engine.executor import step_execute
    from engine.states import StepStatus
    done = 0
    for _ in range(max_steps):
        soon = timezone.now() + dt.timedelta(milliseconds=200)
        step = (StepRun.objects.filter(run_id=run_id, status=StepStatus.SCHEDULED)
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=soon)).order_by("id").first())
        if step is None:
            return done
        step_execute(step_id=step.id)
        done += 1
    return done


def make_due(run_id) -> None:
    """Pull every retry and timer of the run forward to now."""
    from django.utils import timezone
    StepRun.objects.filter(run_id=run_id, next_attempt_at__isnull=False).update(next_attempt_at=timezone.now())
