"""Code workflows in the definitions API: listed with their kind, code versions with their label
and source, and every designer write onto them refused with a 400 that says why."""
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from engine.models import WorkflowDefinition, WorkflowVersion
from tests.support.flows import chain, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db

SOURCE = '@workflow("place-order-code", version="{label}")\ndef place_order(ctx, order):\n    return ctx.call("shop.charge_payment", order)\n'
GRAPH = chain(task("charge", activity="flowdeck.noop"))


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(make_user("dana", "designer"))
    return client


def code_spec(label: str) -> dict:
    return {"kind": "code", "workflow": "place-order-code", "code_version": label, "module": "examples.shop.workflows",
            "source": SOURCE.format(label=label), "nodes": [], "edges": []}


@pytest.fixture
def code_definition():
    """What engine/store/versions.py makes when processes load two versions of the function."""
    definition = WorkflowDefinition.objects.create(key="place-order-code", name="place-order-code")
    for number, label in ((1, "2026-11-01"), (2, "2026-12-01")):
        WorkflowVersion.objects.create(definition=definition, number=number, spec=code_spec(label), checksum="c" * 64,
                                       status="published", published_at=timezone.now(),
                                       note=f"code version {label}")
    return definition


def graph_definition(api, key="orders"):
    assert api.post("/api/definitions/", {"key": key, "name": "Orders", "spec": GRAPH}, format="json").status_code == 201


def refused(response, *words):
    assert response.status_code == 400, (response.status_code, response.content)
    body = response.json()
    assert body["code"] == "definition.code_read_only"
    for word in words:
        assert word in body["detail"]
    return body


def test_definitions_say_their_kind(api, code_definition):
    graph_definition(api)
    listed = {d["key"]: d for d in api.get("/api/definitions/").json()}
    assert listed["place-order-code"]["kind"] == "code"
    assert listed["orders"]["kind"] == "graph"
    assert api.get("/api/definitions/place-order-code/").json()["kind"] == "code"
    assert api.get("/api/definitions/orders/").json()["kind"] == "graph"


def test_code_versions_carry_their_label_and_source(api, code_definition):
    graph_definition(api)
    versions = api.get("/api/definitions/place-order-code/versions/").json()
    assert [(v["number"], v["code_version"], v["status"]) for v in versions] == \
        [(1, "2026-11-01", "published"), (2, "2026-12-01", "published")]
    assert all(v["published_at"] for v in versions)
    v2 = api.get("/api/definitions/place-order-code/versions/2/").json()
    assert v2["code_version"] == "2026-12-01" and v2["source"] == SOURCE.format(label="2026-12-01")

    graph_v1 = api.get("/api/definitions/orders/versions/1/").json()
    assert graph_v1["code_version"] is None and graph_v1["source"] is None
    assert api.get("/api/definitions/orders/versions/").json()[0]["code_version"] is None


def test_saving_a_draft_onto_a_code_workflow_is_refused(api, code_definition):
    refused(api.post("/api/definitions/place-order-code/versions/", {"spec": GRAPH}, format="json"),
            "place-order-code is a code workflow", "saved as a draft")
    assert not code_definition.versions.exclude(spec__kind="code").exists()


def test_publishing_a_code_workflow_is_refused(api, code_definition):
    refused(api.post("/api/definitions/place-order-code/versions/2/publish/"), "published")
    refused(api.post("/api/definitions/place-order-code/versions/9/publish/"), "published")


def test_importing_onto_a_code_workflow_key_is_refused(api, code_definition):
    document = {"format": "flowdeck.definition/v1", "key": "place-order-code", "name": "Mine", "spec": GRAPH}
    for publish in (False, True):
        refused(api.post("/api/definitions/import/", {"document": document, "publish": publish}, format="json"),
                "imported")
    assert code_definition.versions.count() == 2
    assert WorkflowDefinition.objects.get(key="place-order-code").name == "place-order-code"


def test_a_code_spec_is_never_made_a_graph_definition_draft(api):
    """An export of a code workflow imported under another key, or pasted into a graph's draft."""
    document = {"key": "copy-of-code", "name": "Copy", "spec": code_spec("2026-12-01")}
    refused(api.post("/api/definitions/import/", {"document": document}, format="json"), "cannot be imported")
    assert not WorkflowDefinition.objects.filter(key="copy-of-code").exists()
    graph_definition(api)
    refused(api.post("/api/definitions/orders/versions/", {"spec": code_spec("x")}, format="json"),
            "cannot be saved as a draft")
    assert api.get("/api/definitions/orders/").json()["kind"] == "graph"


def test_a_draft_test_run_of_a_code_workflow_is_refused(api, code_definition):
    refused(api.post("/api/definitions/place-order-code/test-runs/", {"spec": GRAPH, "input": {}}, format="json"),
            "test-run")
    assert code_definition.versions.count() == 2


def test_graph_definitions_are_still_written_as_before(api, code_definition):
    graph_definition(api)
    draft = api.post("/api/definitions/orders/versions/", {"spec": GRAPH}, format="json")
    assert draft.status_code == 201
    assert api.post("/api/definitions/orders/versions/1/publish/").status_code == 200
