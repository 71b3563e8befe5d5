"""The Schedules API: create, read, update and delete for designers; pause, resume and trigger for
operators; reads for anyone who may view (each schedule says which actions the asker may take);
400 naming the bad field, 403 for a role that may not, 404, 409; every write audited."""
import pytest
from rest_framework.test import APIClient

from engine.models import AuditEntry, Schedule, ScheduleFire, WorkflowRun
from tests.support.flows import chain, publish, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db
NIGHTLY = {"slug": "nightly", "name": "Nightly report", "definition_key": "report", "input": {"region": "eu"},
           "cron": "0 2 * * *", "timezone": "Europe/Berlin", "overlap_policy": "buffer_one"}


def client_of(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def who():
    publish("report", chain(task("a")))
    users = {"dora": ["designer"], "olga": ["operator"], "vic": ["viewer"], "ada": ["admin"]}
    return {name: client_of(make_user(name, *roles)) for name, roles in users.items()}


def test_a_designer_creates_reads_updates_and_deletes_a_schedule(who):
    created = who["dora"].post("/api/schedules/", NIGHTLY, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["slug"] == "nightly" and body["timing"] == "cron 0 2 * * * (Europe/Berlin)"
    assert body["interval_seconds"] is None and body["paused"] is False and body["next_fire_at"]
    assert body["catchup_window_seconds"] == 300 and body["created_by"] == "dora" and body["last_outcome"] is None
    assert body["actions"] == {"update": None, "delete": None, "pause": "your role cannot pause schedules: that needs "
                               "an admin or an operator", "resume": "your role cannot resume schedules: that needs an "
                               "admin or an operator", "trigger": "your role cannot trigger schedules: that needs an "
                               "admin or an operator"}
    listed = who["vic"].get("/api/schedules/").json()
    assert [s["slug"] for s in listed["results"]] == ["nightly"]
    assert listed["actions"]["create"].startswith("your role cannot create schedules")
    assert who["dora"].get("/api/schedules/").json()["actions"] == {"create": None}

    changed = who["dora"].patch("/api/schedules/nightly/", {"interval_seconds": 900, "reason": "more often"},
                                format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["cron"] is None and changed.json()["timing"] == "every 15 min"
    assert who["dora"].get("/api/schedules/nightly/").json()["interval_seconds"] == 900

    assert who["dora"].delete("/api/schedules/nightly/", {"reason": "not needed"}, format="json").status_code == 204
    assert who["dora"].get("/api/schedules/nightly/").status_code == 404
    audit = list(AuditEntry.objects.filter(object_type="schedule").order_by("id")
                 .values_list("action", "username", "reason", "changes"))
    assert [a[:3] for a in audit] == [("schedule.create", "dora", ""), ("schedule.update", "dora", "more often"),
                                      ("schedule.delete", "dora", "not needed")]
    assert audit[1][3] == {"cron": ["0 2 * * *", ""], "interval_seconds": [None, 900]}


@pytest.mark.parametrize("change,field", [
    ({"cron": "0 25 * * *"}, "cron"),
    ({"cron": "every day"}, "cron"),
    ({"timezone": "Europe/Atlantis"}, "timezone"),
    ({"definition_key": "no-such-flow"}, "definition_key"),
    ({"input": [1, 2, 3]}, "input"),
    ({"input": "text"}, "input"),
    ({"interval_seconds": 60}, "interval_seconds"),           # and the cron: not both
    ({"cron": None}, "cron"),                                  # neither
    ({"interval_seconds": 0, "cron": None}, "interval_seconds"),
    ({"catchup_window_seconds": 5}, "catchup_window_seconds"),
    ({"overlap_policy": "maybe"}, "overlap_policy"),
    ({"slug": "Has Spaces"}, "slug"),
    ({"interval_seconds": "often", "cron": None}, "interval_seconds"),
])
def test_a_bad_field_is_a_400_that_names_it(who, change, field):
    response = who["dora"].post("/api/schedules/", {**NIGHTLY, **change}, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert [e["field"] for e in body["errors"]] == [field], body
    assert body["detail"] and not Schedule.objects.exists()


def test_409_for_a_taken_slug_or_a_state_that_does_not_allow_it_and_404_for_none(who):
    assert who["dora"].post("/api/schedules/", NIGHTLY, format="json").status_code == 201
    again = who["dora"].post("/api/schedules/", NIGHTLY, format="json")
    assert again.status_code == 409 and "exists already" in again.json()["detail"]
    assert who["olga"].post("/api/schedules/nightly/resume/", {}, format="json").status_code == 409
    assert who["olga"].post("/api/schedules/nightly/pause/", {}, format="json").status_code == 200
    paused = who["olga"].post("/api/schedules/nightly/pause/", {}, format="json")
    assert paused.status_code == 409 and paused.json()["detail"] == "cannot pause schedule nightly: it is paused already"
    for url in ("/api/schedules/nope/", "/api/schedules/nope/fires/"):
        assert who["vic"].get(url).status_code == 404
    assert who["olga"].post("/api/schedules/nope/trigger/", {}, format="json").status_code == 404
    assert who["dora"].patch("/api/schedules/nightly/", {"slug": "renamed"}, format="json").status_code == 400
    assert who["vic"].get("/api/schedules/nightly/fires/?limit=0").status_code == 400
    assert who["vic"].get("/api/schedules/nightly/fires/?limit=lots").status_code == 400


def test_roles_reads_for_all_design_for_changes_operate_for_pause_resume_and_trigger(who):
    assert who["olga"].post("/api/schedules/", NIGHTLY, format="json").status_code == 403
    assert who["vic"].post("/api/schedules/", NIGHTLY, format="json").status_code == 403
    assert who["ada"].post("/api/schedules/", NIGHTLY, format="json").status_code == 201
    for client in (who["vic"], who["olga"]):
        assert client.patch("/api/schedules/nightly/", {"name": "x"}, format="json").status_code == 403
        assert client.delete("/api/schedules/nightly/").status_code == 403
    for client in (who["vic"], who["dora"]):
        for action in ("pause", "resume", "trigger"):
            assert client.post(f"/api/schedules/nightly/{action}/", {}, format="json").status_code == 403, action
    assert who["vic"].get("/api/schedules/nightly/").json()["actions"]["trigger"].startswith("your role cannot")
    olga = who["olga"].get("/api/schedules/nightly/").json()["actions"]
    assert olga == {"update": "your role cannot update schedules: that needs an admin or a designer",
                    "delete": "your role cannot delete schedules: that needs an admin or a designer",
                    "pause": None, "resume": "it is not paused", "trigger": None}
    assert not ScheduleFire.objects.exists() and Schedule.objects.get().name == "Nightly report"


def test_an_operator_triggers_once_per_request_and_sees_the_fire_its_run_and_the_next_times(who):
    who["dora"].post("/api/schedules/", NIGHTLY, format="json")
    first = who["olga"].post("/api/schedules/nightly/trigger/", {"request_id": "r-1", "reason": "rerun"}, format="json")
    assert first.status_code == 201, first.json()
    fire = first.json()["fire"]
    assert fire["outcome"] == "started" and fire["kind"] == "trigger" and fire["user"] == "olga" and fire["run_id"]
    assert fire["business_key"].startswith("schedule:nightly:")
    assert first.json()["schedule"]["last_outcome"] == "started"
    assert first.json()["schedule"]["last_run_id"] == fire["run_id"]
    again = who["olga"].post("/api/schedules/nightly/trigger/", {"request_id": "r-1"}, format="json")
    assert again.status_code == 200 and again.json()["fire"]["id"] == fire["id"]
    buffered = who["olga"].post("/api/schedules/nightly/trigger/", {"request_id": "r-2"}, format="json").json()
    assert buffered["fire"]["outcome"] == "buffered" and buffered["fire"]["run_id"] is None
    assert WorkflowRun.objects.count() == 1
    run = WorkflowRun.objects.get()
    assert run.created_by.username == "olga" and run.input == {"region": "eu"}

    fires = who["vic"].get("/api/schedules/nightly/fires/").json()
    assert [(f["outcome"], f["request_id"]) for f in fires["results"]] == [("buffered", "r-2"), ("started", "r-1")]
    assert fires["results"][1]["run_status"] == "running"
    assert len(fires["upcoming"]) == 5 and all(t.endswith(("T00:00:00Z", "T01:00:00Z")) for t in fires["upcoming"])
    triggers = AuditEntry.objects.filter(action="schedule.trigger").order_by("id")
    assert [(a.username, a.reason, a.changes["outcome"]) for a in triggers] == [("olga", "rerun", "started"),
                                                                                  ("olga", "", "buffered")]
    assert triggers[0].changes["run_id"] == fire["run_id"]


def test_pause_and_resume_are_audited_with_their_reasons(who):
    who["dora"].post("/api/schedules/", NIGHTLY, format="json")
    paused = who["olga"].post("/api/schedules/nightly/pause/", {"reason": "db upgrade"}, format="json").json()
    assert paused["paused"] and paused["paused_reason"] == "db upgrade" and paused["next_fire_at"] is None
    assert paused["actions"]["pause"] == "it is paused already" and paused["actions"]["resume"] is None
    assert who["vic"].get("/api/schedules/nightly/fires/").json()["upcoming"] == []
    resumed = who["olga"].post("/api/schedules/nightly/resume/", {"reason": "done"}, format="json").json()
    assert not resumed["paused"] and resumed["next_fire_at"]
    assert list(AuditEntry.objects.filter(action__in=["schedule.pause", "schedule.resume"]).order_by("id")
                .values_list("action", "username", "reason")) == [("schedule.pause", "olga", "db upgrade"),
                                                                  ("schedule.resume", "olga", "done")]
