"""alerts_evaluate against a local webhook receiver and the locmem mailbox: an incident group fires
once per channel, stays quiet within its interval, repeats after it and resolves once; stuck, SLA and
failure-rate rules; a failed delivery is logged and blocks no other channel; two evaluators at once
send once. Runs are made without workers: started, drained in this process, flagged by the sweeps."""
import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection
from django.db.models import F
from django.utils import timezone

from alerts import services
from alerts.models import AlertMessage, AlertState
from alerts.services import alerts_evaluate, rule_create
from engine.models import StepRun, WorkflowRun
from engine.scheduler import fire_slas, flag_stuck
from engine.services.actions import run_act
from engine.services.runs import run_signal, run_start
from tests.support.flows import chain, drain, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)
ONCE = {"max_attempts": 1}
BASE = "https://flowdeck.example.com"


def make_rule(receiver, kind, *, params=None, channels=None, interval=3600, definition_key=""):
    channels = channels or [{"type": "webhook", "url": receiver.url("/hook")},
                            {"type": "slack", "url": receiver.url("/slack")},
                            {"type": "email", "to": ["ops@example.com"]}]
    return rule_create(user=None, fields={"name": f"{kind} rule", "kind": kind, "params": params or {},
                                          "channels": channels, "repeat_interval_seconds": interval,
                                          "definition_key": definition_key})


def flaky_runs(key, *outcomes):
    """One run per outcome ("fail": failed, awaiting an operator; "ok": completed)."""
    publish(key, chain(task("charge", "test.flaky", input={"succeed_on": "input.n"}, retry=ONCE,
                            on_failure="incident")))
    runs = []
    for outcome in outcomes:
        run, _ = run_start(definition_key=key, input={"n": 2 if outcome == "fail" else 1})
        drain(run.id)
        runs.append(WorkflowRun.objects.get(pk=run.id))
    assert [r.status for r in runs] == ["failed" if o == "fail" else "completed" for o in outcomes]
    return runs


def counts(receiver):
    return len(receiver.bodies("/hook")), len(receiver.bodies("/slack")), len(mail.outbox)


def test_an_incident_group_fires_once_per_channel_is_quiet_repeats_and_resolves_once(receiver, ledger):
    rule = make_rule(receiver, "incident_group", interval=600)
    [run] = flaky_runs("pay", "fail")
    assert alerts_evaluate()["firing"] == 1
    assert counts(receiver) == (1, 1, 1)
    [hook], [slack], [email] = receiver.bodies("/hook"), receiver.bodies("/slack"), mail.outbox
    assert hook["rule"] == {"id": rule.id, "name": "incident_group rule"} and hook["kind"] == "incident_group"
    assert hook["status"] == "firing" and hook["message"] == "firing"
    assert hook["summary"] == "1 run(s) of pay at charge failed: Transient: attempt 1 fails"
    assert hook["group"].startswith("pay|charge|Transient|")
    assert hook["runs"] == [{"id": str(run.id), "console_url": f"{BASE}/console/runs/{run.id}"}]
    assert hook["console_url"] == (f"{BASE}/console/runs?definition=pay&status=failed&failed_at=charge"
                                   "&error_type=Transient")
    assert dt.datetime.fromisoformat(hook["fired_at"]) <= timezone.now()
    assert slack["text"].startswith("[FIRING] incident_group rule: 1 run(s) of pay")
    assert f"<{BASE}/console/runs/{run.id}|run {str(run.id)[:8]}>" in slack["blocks"][1]["elements"][0]["text"]
    assert email.to == ["ops@example.com"] and email.subject.startswith("Flowdeck [FIRING] incident_group rule: 1 run")
    assert f"Run: {BASE}/console/runs/{run.id}" in email.body
    logged = AlertMessage.objects.filter(rule=rule)
    assert sorted(logged.values_list("channel", "kind", "status", "response_code")) == [
        ("email", "firing", "sent", None), ("slack", "firing", "sent", 200), ("webhook", "firing", "sent", 200)]

    assert alerts_evaluate()["firing"] == 0          # within the interval: de-duplicated
    assert counts(receiver) == (1, 1, 1)
    later = timezone.now() + dt.timedelta(seconds=601)
    assert alerts_evaluate(now=later)["repeat"] == 1  # once the interval passed: one reminder
    assert alerts_evaluate(now=later)["repeat"] == 0
    assert counts(receiver) == (2, 2, 2) and receiver.bodies("/hook")[1]["message"] == "repeat"

    run_act(run_id=run.id, action="cancel", reason="handled")   # the group clears
    assert alerts_evaluate()["resolved"] == 1
    assert alerts_evaluate()["resolved"] == 0
    assert counts(receiver) == (3, 3, 3)
    resolved = receiver.bodies("/hook")[2]
    assert resolved["status"] == "resolved" and resolved["group"] == hook["group"]
    assert mail.outbox[2].subject.startswith("Flowdeck [RESOLVED]")
    state = AlertState.objects.get(rule=rule)
    assert state.status == "resolved" and state.notified == "resolved" and state.resolved_at is not None


def test_a_stuck_rule_fires_for_runs_stuck_longer_than_its_threshold_and_resolves_on_progress(receiver):
    make_rule(receiver, "stuck", params={"older_than_seconds": 300}, channels=[{"type": "webhook",
                                                                                "url": receiver.url("/hook")}])
    publish("sig", chain(node("approval", "signal", signal="approve", stuck_after=60)))
    run, _ = run_start(definition_key="sig", business_key="order-1")
    WorkflowRun.objects.filter(pk=run.id).update(last_progress_at=F("last_progress_at") - dt.timedelta(seconds=90),
                                                 stuck_check_at=F("stuck_check_at") - dt.timedelta(seconds=90))
    assert flag_stuck() == 1
    assert alerts_evaluate()["firing"] == 0    # stuck, but not for 300 s yet
    assert alerts_evaluate(now=timezone.now() + dt.timedelta(seconds=301))["firing"] == 1
    [body] = receiver.bodies("/hook")
    assert body["group"] == str(run.id) and body["console_url"] == f"{BASE}/console/runs/{run.id}"
    assert body["summary"].startswith("run sig order-1 stuck for 5m")
    assert "approval: awaiting signal approve" in body["summary"]
    run_signal(run_id=run.id, name="approve")
    assert alerts_evaluate()["resolved"] == 1
    assert [b["status"] for b in receiver.bodies("/hook")] == ["firing", "resolved"]


def test_an_sla_rule_fires_for_an_open_breach_and_resolves_when_the_late_step_is_done(receiver, ledger):
    make_rule(receiver, "sla_breach", definition_key="approve",
              channels=[{"type": "webhook", "url": receiver.url("/hook")}])
    publish("approve", chain(node("approval", "signal", signal="approve", sla={"within": 300})))
    publish("other", chain(node("approval", "signal", signal="approve", sla={"within": 300})))
    run, _ = run_start(definition_key="approve")
    other, _ = run_start(definition_key="other")
    assert alerts_evaluate()["firing"] == 0
    StepRun.objects.filter(node_id="approval").update(sla_due_at=F("sla_due_at") - dt.timedelta(seconds=301),
                                                      scheduled_at=F("scheduled_at") - dt.timedelta(seconds=301))
    assert fire_slas() == 2
    assert alerts_evaluate()["firing"] == 1    # only the rule's definition
    [body] = receiver.bodies("/hook")
    assert body["group"] == str(run.id) and body["kind"] == "sla_breach"
    assert body["summary"] == f"run approve {str(run.id)[:8]}: SLA breached, not done in time: approval"
    run_signal(run_id=run.id, name="approve")
    assert alerts_evaluate()["resolved"] == 1


def test_a_failure_rate_rule_fires_over_its_threshold_per_definition(receiver, ledger):
    over = make_rule(receiver, "failure_rate", params={"threshold": 0.5, "min_runs": 4, "window_seconds": 600},
                     channels=[{"type": "webhook", "url": receiver.url("/hook")}])
    make_rule(receiver, "failure_rate", params={"threshold": 0.8, "min_runs": 4},    # 75% is under it
              channels=[{"type": "webhook", "url": receiver.url("/under")}])
    make_rule(receiver, "failure_rate", params={"threshold": 0.5, "min_runs": 5},    # too few runs to judge
              channels=[{"type": "webhook", "url": receiver.url("/few")}])
    flaky_runs("rate", "fail", "fail", "ok", "fail")
    flaky_runs("fine", "ok", "ok", "ok", "fail")
    assert alerts_evaluate()["firing"] == 1
    [body] = receiver.bodies("/hook")
    assert body["rule"]["id"] == over.id and body["group"] == "rate"
    assert body["summary"] == "rate: 3 of 4 runs failed in the last 10m (75%, over 50%)"
    assert len(body["runs"]) == 3
    assert receiver.bodies("/under") == [] and receiver.bodies("/few") == []
    past_window = timezone.now() + dt.timedelta(seconds=601)
    assert alerts_evaluate(now=past_window)["resolved"] == 1   # the window no longer holds them


def test_a_failed_delivery_is_logged_and_blocks_no_other_channel(receiver, ledger):
    rule = make_rule(receiver, "incident_group", channels=[
        {"type": "webhook", "url": receiver.url("/fail")}, {"type": "webhook", "url": "http://127.0.0.1:9/"},
        {"type": "slack", "url": receiver.url("/slack")}, {"type": "email", "to": ["ops@example.com"]}])
    flaky_runs("pay", "fail")
    assert alerts_evaluate() == {"rules": 1, "firing": 1, "repeat": 0, "resolved": 0, "errors": 0}
    assert len(receiver.bodies("/fail")) == 1 and len(receiver.bodies("/slack")) == 1 and len(mail.outbox) == 1
    logged = {m.target: m for m in AlertMessage.objects.filter(rule=rule)}
    failed = logged[receiver.url("/fail")]
    assert failed.status == "failed" and failed.response_code == 500 and "answered 500: receiver down" in failed.error
    refused = logged["http://127.0.0.1:9/"]
    assert refused.status == "failed" and refused.response_code is None and "ConnectError" in refused.error
    assert logged[receiver.url("/slack")].status == "sent" and logged["ops@example.com"].status == "sent"
    assert alerts_evaluate()["firing"] == 0   # not re-sent: the failure is in the log; the next repeat goes to all


def test_two_evaluators_at_once_send_once(receiver, ledger, monkeypatch):
    make_rule(receiver, "incident_group")
    flaky_runs("pay", "fail")
    real = services.groups_firing
    start = threading.Barrier(2)

    def slow(**kwargs):   # hold the rule's lock a while, so the other evaluator meets it
        found = real(**kwargs)
        threading.Event().wait(0.3)
        return found
    monkeypatch.setattr(services, "groups_firing", slow)
    results = []

    def evaluate():
        try:
            start.wait()
            results.append(alerts_evaluate())
        finally:
            connection.close()
    threads = [threading.Thread(target=evaluate) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(r["firing"] for r in results) == [0, 1]
    assert counts(receiver) == (1, 1, 1)
    assert AlertMessage.objects.count() == 3 and AlertState.objects.count() == 1


def test_a_disabled_rule_is_not_evaluated_and_a_message_left_unsent_is_sent_later(receiver, ledger):
    rule = make_rule(receiver, "incident_group", channels=[{"type": "webhook", "url": receiver.url("/hook")}])
    rule.enabled = False
    rule.save()
    flaky_runs("pay", "fail")
    assert alerts_evaluate()["rules"] == 0 and receiver.bodies("/hook") == []
    left = AlertMessage.objects.create(rule=rule, rule_name=rule.name, kind="firing", channel="webhook",
                                       target=receiver.url("/hook"), body={"left": True})
    AlertMessage.objects.filter(pk=left.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    alerts_evaluate()
    assert receiver.bodies("/hook") == [{"left": True}]
    assert AlertMessage.objects.get(pk=left.pk).status == "sent"
