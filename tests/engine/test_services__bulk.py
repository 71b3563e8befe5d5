"""Bulk actions (engine/services/bulk.py) on picked runs and on a filter: signal and skip beside
retry, cancel and compensate; each run its own transaction, refused per run by the policy table
with its reason; the count before confirming from the same selection; audited per run."""
import uuid

import pytest

from engine.errors import InvalidInput
from engine.models import AuditEntry, RunEvent, WorkflowRun
from engine.selectors import RunFilters
from engine.services.bulk import bulk_apply, bulk_count, bulk_preview
from engine.services.runs import run_start
from tests.support.flows import chain, drain, node, publish, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ops():
    return make_user("otto", "operator")


@pytest.fixture
def gates(ledger):
    """Four orders waiting for approval, one already completed, two failed at b."""
    publish("gate", chain(task("charge"), node("approval", "signal", signal="approve"), task("ship")))
    publish("fails", chain(task("a"), task("b", activity="test.boom", retry={"max_attempts": 1}), task("c")))
    waiting = [run_start(definition_key="gate", business_key=f"g-{i}")[0] for i in range(4)]
    done = run_start(definition_key="gate", business_key="g-done")[0]
    failed = [run_start(definition_key="fails", business_key=f"f-{i}")[0] for i in range(2)]
    for run in waiting + [done] + failed:
        drain(run.id)
    from engine.services.runs import run_signal
    run_signal(run_id=done.id, name="approve", reason="earlier")
    drain(done.id)
    assert WorkflowRun.objects.get(pk=done.id).status == "completed"
    return {"waiting": [str(r.id) for r in waiting], "done": str(done.id), "failed": [str(r.id) for r in failed]}


def test_approve_the_picked_runs_each_decided_by_the_policy(gates, ops):
    picked = gates["waiting"][:3] + [gates["done"], gates["failed"][0]]
    preview = bulk_preview(action="signal", run_ids=picked, signal="approve")
    assert preview["count"] == 3 and preview["selected"] == 5 and preview["missing"] == []
    refused = {r["run_id"]: r["reason"] for r in preview["refused"]}
    assert refused[gates["done"]].startswith("the run is completed; send signal applies to a run that is")
    assert refused[gates["failed"][0]].startswith("the run is failed;")

    result = bulk_apply(action="signal", run_ids=picked, signal="approve", payload={"by": "otto"}, user=ops,
                        reason="approve these 3")
    assert result["applied"] == 3 and sorted(result["run_ids"]) == sorted(gates["waiting"][:3])
    assert {e["run_id"]: e["code"] for e in result["errors"]} == {gates["done"]: "engine.conflict",
                                                                  gates["failed"][0]: "engine.conflict"}
    assert all(e["detail"] == refused[e["run_id"]] for e in result["errors"])   # the same reason, per run
    for run_id in gates["waiting"][:3]:
        drain(run_id)
        run = WorkflowRun.objects.get(pk=run_id)
        assert run.status == "completed" and run.data["approval"] == {"by": "otto"}
    assert WorkflowRun.objects.get(pk=gates["waiting"][3]).status == "waiting"   # not picked: untouched
    received = RunEvent.objects.filter(type="signal.received", reason="[bulk signal] approve these 3")
    assert received.count() == 3 and {e.actor for e in received} == {"otto"}
    audit = AuditEntry.objects.filter(action="run.signal", reason="[bulk signal] approve these 3")
    assert sorted(audit.values_list("object_id", flat=True)) == sorted(gates["waiting"][:3])


def test_a_signal_nobody_waits_for_is_refused_per_run(gates, ops):
    preview = bulk_preview(action="signal", run_ids=gates["waiting"][:2], signal="reject")
    assert preview["count"] == 0 and all("not waiting for signal 'reject'" in r["reason"] for r in preview["refused"])
    result = bulk_apply(action="signal", run_ids=gates["waiting"][:2], signal="reject", user=ops, reason="no")
    assert result["applied"] == 0 and len(result["errors"]) == 2


def test_skip_a_named_step_on_a_filter(gates, ops):
    # The count shown first: runs failed at b whose step b can be skipped (the waiting gates have no b).
    assert bulk_count(action="skip", filters=RunFilters(), node_id="b") == 2
    assert bulk_count(action="skip", filters=RunFilters(q="f-1"), node_id="b") == 1
    assert bulk_count(action="skip", filters=RunFilters(), node_id="charge") == 0   # succeeded everywhere
    result = bulk_apply(action="skip", filters=RunFilters(definition="fails"), node_id="b", output={"manual": 1},
                        user=ops, reason="done by hand")
    assert result["matched"] == 2 and result["applied"] == 2 and not result["errors"]
    for run_id in gates["failed"]:
        drain(run_id)
        run = WorkflowRun.objects.get(pk=run_id)
        assert run.status == "completed" and run.data["b"] == {"manual": 1}
    assert AuditEntry.objects.filter(action="run.skip", reason="[bulk skip] done by hand").count() == 2


def test_skip_picked_runs_and_ones_that_are_gone(gates, ops):
    missing = str(uuid.uuid4())
    preview = bulk_preview(action="skip", run_ids=[gates["failed"][0], gates["waiting"][0], missing], node_id="b")
    assert preview["count"] == 1 and preview["missing"] == [missing]
    assert "has no step 'b'" in preview["refused"][0]["reason"]
    result = bulk_apply(action="skip", run_ids=[gates["failed"][0], missing, gates["waiting"][0]], node_id="b",
                        user=ops, reason="by hand")
    assert result["applied"] == 1
    assert {e["run_id"]: e["code"] for e in result["errors"]} == {missing: "engine.not_found",
                                                                  gates["waiting"][0]: "engine.not_found"}


def test_retry_on_picked_runs_and_the_old_filter_actions_still_work(gates, ops):
    assert bulk_preview(action="retry", filters=RunFilters(failed_at="b")) == {"count": 2}
    result = bulk_apply(action="cancel", run_ids=[gates["waiting"][3]], user=ops, reason="customer left")
    assert result["applied"] == 1 and WorkflowRun.objects.get(pk=gates["waiting"][3]).status == "cancelled"
    result = bulk_apply(action="retry", run_ids=gates["failed"], user=ops, reason="provider back")
    assert result["applied"] == 2


MALFORMED = [
    (dict(action="reboot", run_ids=["x"]), "unknown bulk action"),
    (dict(action="skip", filters=RunFilters()), "needs node_id"),
    (dict(action="signal", filters=RunFilters(), signal=" "), "needs signal"),
    (dict(action="retry", run_ids=[]), "non-empty list"),
    (dict(action="retry", run_ids=["not-a-run"]), "is not a run id"),
    (dict(action="retry", run_ids=[str(uuid.uuid4()) for _ in range(501)]), "at most 500"),
]


@pytest.mark.django_db   # refused before any read: no need for a committed database
def test_malformed_bulk_requests_are_invalid():
    for call, says in MALFORMED:
        with pytest.raises(InvalidInput, match=says):
            bulk_preview(**call)
        with pytest.raises(InvalidInput, match=says):
            bulk_apply(**call, reason="x")
    with pytest.raises(InvalidInput, match="reason is required"):
        bulk_apply(action="retry", run_ids=[str(uuid.uuid4())], reason="")
