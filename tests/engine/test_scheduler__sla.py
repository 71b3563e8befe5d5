"""SLA timers in process (docs/spec.md, "SLA timers"): the scheduler's sweep breaches an SLA past due
once, records it on the step or the run with one sla.breached event, starts the escalation beside the
main path (whose failure stops nothing), and leaves what was done in time alone; at risk is read."""
import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from engine import selectors
from engine.models import RunEvent, StepRun, WorkflowRun
from engine.scheduler import fire_slas, scheduler_tick
from engine.services.runs import run_cancel, run_signal, run_start
from tests.support.flows import assert_gapless, chain, drain, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)
ONCE = {"max_attempts": 1}


def _past(model, seconds: float = 1, **where):
    """As if time passed: the SLA's due time ``seconds`` ago (its start moved as much, so its length stays)."""
    start = "created_at" if model is WorkflowRun else "scheduled_at"
    row = model.objects.get(**where)
    shift = timezone.now() - dt.timedelta(seconds=seconds) - row.sla_due_at
    model.objects.filter(pk=row.pk).update(sla_due_at=F("sla_due_at") + shift, **{start: F(start) + shift})


def _breaches(run):
    return list(RunEvent.objects.filter(run=run, type="sla.breached").order_by("seq"))


def _approval_flow(key, *, escalation="test.record", sla=None, **signal_fields):
    spec = chain(node("approval", "signal", signal="approve", sla=sla or {"within": 3600, "escalate": "page"},
                      **signal_fields), task("after"))
    spec["nodes"].append(task("page", activity=escalation, input={"why": "'late'"}, retry=ONCE))
    publish(key, spec)


def test_a_step_breach_is_recorded_once_escalates_and_the_main_path_completes(ledger):
    _approval_flow("sla-step")
    run, _ = run_start(definition_key="sla-step")
    approval = StepRun.objects.get(run=run, node_id="approval")
    assert approval.sla_due_at is not None and approval.sla_breached_at is None
    assert abs((approval.sla_due_at - approval.scheduled_at).total_seconds() - 3600) < 0.01
    assert fire_slas() == 0                          # not due yet
    _past(StepRun, run=run, node_id="approval")
    assert scheduler_tick()["slas"] == 1
    for _ in range(3):                               # once per step, however many sweeps see it
        assert scheduler_tick()["slas"] == 0
    approval.refresh_from_db()
    assert approval.status == "waiting" and approval.sla_breached_at is not None   # still waiting: nothing interrupted
    run.refresh_from_db()
    assert run.status == "running" and run.sla_breached_at is None                 # the run has no SLA of its own
    [breach] = _breaches(run)
    assert breach.node_id == "approval"
    assert breach.payload == {"scope": "node", "due_at": approval.sla_due_at.isoformat(), "within": 3600,
                              "escalate": "page", "escalated": True, "step_id": approval.id}
    page = StepRun.objects.get(run=run, node_id="page")
    assert page.status == "scheduled"
    drain(run.id)
    page.refresh_from_db()
    assert page.status == "succeeded" and [c[0] for c in ledger.calls()] == ["page"]
    assert WorkflowRun.objects.get(pk=run.id).status == "waiting"   # the escalation activated nothing
    run_signal(run_id=run.id, name="approve")
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "completed" and [c[0] for c in ledger.calls()] == ["page", "after"]
    assert len(_breaches(run)) == 1
    types = [e.type for e in RunEvent.objects.filter(run=run).order_by("seq")]
    assert types.index("sla.breached") < types.index("step.scheduled", types.index("sla.breached"))
    assert_gapless(run.id)


def test_a_run_level_sla_is_breached_once_and_escalates(ledger):
    spec = {**chain(node("approval", "signal", signal="approve"), task("after")),
            "settings": {"sla": {"within": 7200, "escalate": "page"}}}
    spec["nodes"].append(task("page"))
    publish("sla-run", spec)
    run, _ = run_start(definition_key="sla-run")
    run.refresh_from_db()
    assert run.sla_due_at is not None and abs((run.sla_due_at - run.created_at).total_seconds() - 7200) < 1
    assert StepRun.objects.get(run=run, node_id="approval").sla_due_at is None   # the node has none
    _past(WorkflowRun, pk=run.pk)
    assert fire_slas() == 1 and fire_slas() == 0
    run.refresh_from_db()
    assert run.sla_breached_at is not None
    [breach] = _breaches(run)
    assert breach.node_id == "" and breach.payload["scope"] == "run" and breach.payload["within"] == 7200
    drain(run.id)
    assert StepRun.objects.get(run=run, node_id="page").status == "succeeded"
    run_signal(run_id=run.id, name="approve")
    drain(run.id)
    assert WorkflowRun.objects.get(pk=run.id).status == "completed"
    assert selectors.run_sla(run=selectors.run_get(run_id=run.id))["state"] == "breached"


def test_two_slas_naming_one_escalation_start_it_once(ledger):
    spec = {**chain(node("approval", "signal", signal="approve", sla={"within": 60, "escalate": "page"})),
            "settings": {"sla": {"within": 120, "escalate": "page"}}}
    spec["nodes"].append(task("page"))
    publish("sla-twice", spec)
    run, _ = run_start(definition_key="sla-twice")
    _past(StepRun, run=run, node_id="approval")
    _past(WorkflowRun, pk=run.pk)
    assert fire_slas() == 2
    assert [b.payload["escalated"] for b in _breaches(run)] == [True, False]
    assert StepRun.objects.filter(run=run, node_id="page").count() == 1


def test_a_failing_escalation_does_not_fail_the_run(ledger):
    _approval_flow("sla-boom", escalation="test.boom")
    run, _ = run_start(definition_key="sla-boom")
    _past(StepRun, run=run, node_id="approval")
    scheduler_tick()
    drain(run.id)
    page = StepRun.objects.get(run=run, node_id="page")
    assert page.status == "failed" and page.error["type"] == "Boom"
    assert RunEvent.objects.filter(run=run, type="step.failed", node_id="page").exists()
    run.refresh_from_db()
    assert run.status == "waiting" and run.error is None       # not failed, compensated nor stopped
    assert not RunEvent.objects.filter(run=run, type__in=["run.failed", "compensation.started", "run.aborted"]).exists()
    run_signal(run_id=run.id, name="approve")
    drain(run.id)
    assert WorkflowRun.objects.get(pk=run.id).status == "completed"


def test_an_escalation_still_open_is_cancelled_with_the_run(ledger):
    _approval_flow("sla-cancel")
    run, _ = run_start(definition_key="sla-cancel")
    _past(StepRun, run=run, node_id="approval")
    fire_slas()
    assert StepRun.objects.get(run=run, node_id="page").status == "scheduled"
    run_cancel(run_id=run.id, reason="no longer wanted")
    assert StepRun.objects.get(run=run, node_id="page").status == "cancelled"
    assert ledger.calls() == []


def test_no_breach_when_the_step_finished_in_time(ledger):
    spec = chain(task("a", sla={"within": 60, "escalate": "page"}))
    spec["nodes"].append(task("page"))
    publish("sla-done", spec)
    run, _ = run_start(definition_key="sla-done")
    drain(run.id)
    assert WorkflowRun.objects.get(pk=run.id).status == "completed"
    _past(StepRun, run=run, node_id="a")               # due now, but done in time
    assert fire_slas() == 0
    step = StepRun.objects.get(run=run, node_id="a")
    assert step.sla_breached_at is None and not _breaches(run)
    assert not StepRun.objects.filter(run=run, node_id="page").exists()
    assert selectors.run_sla(run=selectors.run_get(run_id=run.id))["state"] == "ok"


def test_no_breach_for_a_run_that_ended_in_time(ledger):
    publish("sla-run-done", {**chain(task("a")), "settings": {"sla": {"within": 60}}})
    run, _ = run_start(definition_key="sla-run-done")
    drain(run.id)
    _past(WorkflowRun, pk=run.pk)
    assert fire_slas() == 0 and WorkflowRun.objects.get(pk=run.id).sla_breached_at is None


def test_a_failed_run_is_breached_without_escalating(ledger):
    spec = {**chain(task("charge", activity="test.boom", retry=ONCE, on_failure="incident")),
            "settings": {"sla": {"within": 60, "escalate": "page"}}}
    spec["nodes"].append(task("page"))
    publish("sla-failed", spec)
    run, _ = run_start(definition_key="sla-failed")
    drain(run.id)
    assert WorkflowRun.objects.get(pk=run.id).status == "failed"
    _past(WorkflowRun, pk=run.pk)
    assert fire_slas() == 1
    [breach] = _breaches(run)
    assert breach.payload["escalated"] is False and not StepRun.objects.filter(run=run, node_id="page").exists()


def test_at_risk_is_computed_when_read_and_the_list_filters_by_it(ledger):
    publish("sla-risk", chain(node("approval", "signal", signal="approve", sla={"within": 100})))
    risky, _ = run_start(definition_key="sla-risk")
    calm, _ = run_start(definition_key="sla-risk")
    # 85 of its 100 s gone: less than 20% left, not breached.
    StepRun.objects.filter(run=risky, node_id="approval").update(
        scheduled_at=F("scheduled_at") - dt.timedelta(seconds=85), sla_due_at=F("sla_due_at") - dt.timedelta(seconds=85))
    sla = selectors.run_sla(run=selectors.run_get(run_id=risky.id))
    assert sla["state"] == "at_risk" and sla["run_state"] is None and sla["due_at"] is None
    assert [(s["node_id"], s["state"], s["within"]) for s in sla["steps"]] == [("approval", "at_risk", 100)]
    assert selectors.run_sla(run=selectors.run_get(run_id=calm.id))["state"] == "ok"
    assert any(line.startswith("SLA at risk: approval due at ") for line in
               selectors.run_why(run=selectors.run_get(run_id=risky.id)))
    ids = lambda wanted: [r.id for r in selectors.run_list(filters=selectors.RunFilters(sla=wanted))[0]]  # noqa: E731
    assert ids("at_risk") == [risky.id] and ids("breached") == []
    assert selectors.run_sla_states(runs=[risky, calm]) == {risky.id: "at_risk", calm.id: "ok"}
    assert scheduler_tick()["slas"] == 0                 # at risk is never written
    assert not _breaches(risky)
    _past(StepRun, run=risky, node_id="approval")
    scheduler_tick()
    assert ids("breached") == [risky.id] and ids("at_risk") == []
    assert WorkflowRun.objects.get(pk=risky.id).stuck is False


def test_a_breach_is_not_progress_for_the_stuck_flag(ledger):
    publish("sla-stuck", chain(node("approval", "signal", signal="approve", sla={"within": 600}, stuck_after=60)))
    run, _ = run_start(definition_key="sla-stuck")
    shift = dt.timedelta(seconds=120)
    WorkflowRun.objects.filter(pk=run.id).update(last_progress_at=F("last_progress_at") - shift,
                                                 stuck_check_at=F("stuck_check_at") - shift)
    scheduler_tick()
    assert WorkflowRun.objects.get(pk=run.id).stuck
    _past(StepRun, run=run, node_id="approval")
    scheduler_tick()
    run.refresh_from_db()
    assert run.stuck and len(_breaches(run)) == 1      # still stuck: nothing moved
