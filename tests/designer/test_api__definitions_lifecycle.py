"""The definitions API for a definition's life: publish notes, test-run labels, field-level diffs,
archive / unarchive / delete (audited, 4xx with reasons), and the validator's human words."""
import pytest
from rest_framework.test import APIClient

from engine.models import AuditEntry
from engine.selectors.definitions import TEST_NUMBER_BASE, TEST_SLOTS
from tests.support.flows import chain, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db

SPEC = chain(task("charge", activity="flowdeck.noop"))


def client(role="designer"):
    c = APIClient()
    c.force_authenticate(make_user(f"u_{role}", role))
    return c


@pytest.fixture
def api():
    return client()


def test_publish_note_test_run_labels_and_the_next_draft(api):
    api.post("/api/definitions/", {"key": "refund", "name": "Refund", "spec": SPEC}, format="json")
    published = api.post("/api/definitions/refund/versions/1/publish/", {"note": "first cut"}, format="json")
    assert published.status_code == 200 and published.json()["note"] == "first cut"
    assert published.json()["label"] == "v1" and published.json()["test_of"] is None
    started = [api.post("/api/definitions/refund/test-runs/",
                        {"spec": chain(task("charge", activity="flowdeck.noop", label=f"try {i}")), "input": {}},
                        format="json").json()["run"] for i in range(3)]
    assert [r["version"] for r in started] == [TEST_NUMBER_BASE + 2 * TEST_SLOTS + k for k in (1, 2, 3)]
    assert {r["version_label"] for r in started} == {"test of draft v2"}
    draft = api.post("/api/definitions/refund/versions/", {"spec": SPEC}, format="json").json()
    assert draft["number"] == 2 and draft["label"] == "v2"
    history = api.get("/api/definitions/refund/history/").json()
    assert next(h for h in history if h["action"] == "definition.publish")["changes"]["note"] == "first cut"
    too_long = api.post("/api/definitions/refund/versions/2/publish/", {"note": "x" * 501}, format="json")
    assert too_long.status_code == 400 and "note" in str(too_long.json())


def test_the_diff_shows_field_changes_inside_a_node(api):
    api.post("/api/definitions/", {"key": "d", "name": "D", "spec": SPEC}, format="json")
    api.post("/api/definitions/d/versions/1/publish/")
    api.post("/api/definitions/d/versions/",
             {"spec": chain(task("charge", activity="flowdeck.sleep", timeout=30))}, format="json")
    diff = api.get("/api/definitions/d/versions/1/diff/2/").json()
    assert diff["node_changes"] == {"charge": [
        {"field": "activity", "before": "flowdeck.noop", "after": "flowdeck.sleep"},
        {"field": "timeout", "before": None, "after": 30}]}


def test_archive_hides_refuses_starts_and_unarchive_undoes_it(api):
    api.post("/api/definitions/", {"key": "old", "name": "Old", "spec": SPEC}, format="json")
    api.post("/api/definitions/old/versions/1/publish/")
    assert client("viewer").post("/api/definitions/old/archive/").status_code == 403
    archived = api.post("/api/definitions/old/archive/", {"reason": "superseded"}, format="json")
    assert archived.status_code == 200 and archived.json()["archived_at"]
    assert api.post("/api/definitions/old/archive/").status_code == 409
    assert [d["key"] for d in api.get("/api/definitions/?archived=false").json()] == []
    assert [d["key"] for d in api.get("/api/definitions/").json()] == ["old"]
    assert api.get("/api/definitions/?archived=maybe").status_code == 400
    refused = api.post("/api/definitions/old/test-runs/", {"version": 1, "input": {}}, format="json")
    assert refused.status_code == 409 and "archived" in refused.json()["detail"]
    back = api.post("/api/definitions/old/unarchive/")
    assert back.status_code == 200 and back.json()["archived_at"] is None
    assert api.post("/api/definitions/old/test-runs/", {"version": 1, "input": {}}, format="json").status_code == 201
    assert AuditEntry.objects.filter(object_id="old", action="definition.archive", reason="superseded").exists()


def test_delete_a_definition_that_never_ran_and_refuse_one_that_did(api):
    api.post("/api/definitions/", {"key": "oops", "name": "Oops", "spec": SPEC}, format="json")
    api.post("/api/definitions/oops/versions/1/publish/")
    assert client("viewer").delete("/api/definitions/oops/").status_code == 403
    assert api.delete("/api/definitions/oops/", {"reason": "made by mistake"}, format="json").status_code == 204
    assert api.get("/api/definitions/oops/").status_code == 404
    assert api.delete("/api/definitions/oops/").status_code == 404
    assert AuditEntry.objects.filter(object_id="oops", action="definition.delete").exists()

    from engine.services.runs import run_start
    api.post("/api/definitions/", {"key": "ran", "name": "Ran", "spec": SPEC}, format="json")
    api.post("/api/definitions/ran/versions/1/publish/")
    api.post("/api/definitions/ran/test-runs/", {"spec": SPEC, "input": {}}, format="json")
    run_start(definition_key="ran")
    listed = api.get("/api/definitions/").json()
    assert [(d["key"], d["run_count"], d["real_run_count"]) for d in listed] == [("ran", 2, 1)]
    refused = api.delete("/api/definitions/ran/")
    assert refused.status_code == 409 and "archive it instead" in refused.json()["detail"]


def test_an_empty_activity_is_said_in_words(api):
    api.post("/api/definitions/", {"key": "v", "name": "V", "spec": SPEC}, format="json")
    result = api.post("/api/definitions/v/validate/", {"spec": chain(task("charge", activity=""))},
                      format="json").json()
    [problem] = [e for e in result["errors"] if e["path"] == "/nodes/1/activity"]
    assert problem["code"] == "spec.E001" and problem["node_id"] == "charge"
    assert problem["message"] == "Activity is empty: pick an activity"
    missing = {k: v for k, v in task("charge").items() if k != "activity"}
    result = api.post("/api/definitions/v/validate/", {"spec": chain(missing)}, format="json").json()
    assert any(e["message"] == "The task node has no activity: pick an activity" for e in result["errors"])
