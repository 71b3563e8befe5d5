"""The definitions API round trip, and bad input answered with 4xx and codes."""
import copy
import json

import pytest
from rest_framework.test import APIClient

from engine.models import WorkflowVersion
from tests.support.flows import chain, edge, node, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    user = make_user("dana", "designer")
    client = APIClient()
    client.force_authenticate(user)
    return client


GOOD = chain(task("charge", activity="flowdeck.noop", compensation={"activity": "flowdeck.noop"}),
             task("ship", activity="flowdeck.noop"))


def create(api, key="orders", spec=GOOD):
    response = api.post("/api/definitions/", {"key": key, "name": "Orders", "spec": spec}, format="json")
    assert response.status_code == 201, response.json()
    return response


def test_round_trip_create_draft_validate_publish_diff_export_import(api):
    create(api)
    listed = api.get("/api/definitions/").json()
    assert [d["key"] for d in listed] == ["orders"] and listed[0]["version_count"] == 1
    v1 = api.get("/api/definitions/orders/versions/1/").json()
    assert v1["status"] == "draft" and v1["spec"] == GOOD and v1["revision"] == 1

    assert api.post("/api/definitions/orders/validate/", {"spec": GOOD}, format="json").json() == \
        {"valid": True, "errors": []}
    published = api.post("/api/definitions/orders/versions/1/publish/").json()
    assert published["status"] == "published" and published["published_by"] == "dana"

    # Published is immutable: saving makes a new draft v2; v1 is unchanged.
    changed = copy.deepcopy(GOOD)
    changed["nodes"][1]["label"] = "Charge the card"
    changed["nodes"].insert(3, task("email", activity="flowdeck.noop"))
    changed["edges"] = [edge("start", "charge"), edge("charge", "ship"), edge("ship", "email"), edge("email", "end")]
    draft = api.post("/api/definitions/orders/versions/", {"spec": changed}, format="json")
    assert draft.status_code == 201 and draft.json()["number"] == 2 and draft.json()["status"] == "draft"
    assert api.get("/api/definitions/orders/versions/1/").json()["spec"] == GOOD

    diff = api.get("/api/definitions/orders/versions/1/diff/2/").json()
    assert diff["nodes"]["added"] == ["email"] and diff["nodes"]["changed"] == ["charge"]
    assert "e_ship_email" in diff["edges"]["added"] and "e_ship_end" in diff["edges"]["removed"]

    assert api.post("/api/definitions/orders/versions/2/publish/").status_code == 200
    versions = {v["number"]: v["status"] for v in api.get("/api/definitions/orders/versions/").json()}
    assert versions == {1: "archived", 2: "published"}
    assert api.post("/api/definitions/orders/versions/1/publish/").status_code == 409

    exported = api.get("/api/definitions/orders/export/")
    assert exported.status_code == 200 and "attachment" in exported["Content-Disposition"]
    document = exported.json()
    assert document["spec"] == changed and document["format"] == "flowdeck.definition/v1"
    document["key"] = "orders-copy"
    imported = api.post("/api/definitions/import/", {"document": document, "publish": True}, format="json")
    assert imported.status_code == 201 and imported.json()["status"] == "published"
    assert api.get("/api/definitions/orders-copy/versions/1/").json()["spec"] == changed


def test_published_versions_are_immutable_in_the_database(api):
    from django.db import DatabaseError, transaction
    create(api)
    api.post("/api/definitions/orders/versions/1/publish/")
    version = WorkflowVersion.objects.get(definition__key="orders", number=1)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        WorkflowVersion.objects.filter(pk=version.pk).update(spec={"tampered": True})
    with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
        WorkflowVersion.objects.filter(pk=version.pk).delete()


def test_a_stale_draft_save_is_refused(api):
    create(api)
    first = api.post("/api/definitions/orders/versions/", {"spec": GOOD, "revision": 1}, format="json")
    assert first.status_code == 201 and first.json()["revision"] == 2
    stale = api.post("/api/definitions/orders/versions/", {"spec": GOOD, "revision": 1}, format="json")
    assert stale.status_code == 409 and "saved by someone else" in stale.json()["detail"]


def test_activities_are_listed_with_their_schemas(api):
    names = {a["name"]: a for a in api.get("/api/activities/").json()}
    assert names["flowdeck.noop"]["output_schema"] == {"type": "object"}
    assert "flowdeck.sleep" in names


def test_anonymous_requests_are_refused():
    assert APIClient().get("/api/definitions/").status_code in (401, 403)


def _spec(**changes):
    spec = copy.deepcopy(GOOD)
    spec.update(changes)
    return spec


def _nodes(*extra, drop=()):
    return [n for n in copy.deepcopy(GOOD["nodes"]) if n["id"] not in drop] + list(extra)


def _with_node(index, **fields):
    spec = copy.deepcopy(GOOD)
    spec["nodes"][index].update(fields)
    return spec


def _edges(*edges):
    return _spec(edges=list(edges))


PAR = {"schema_version": 1, "nodes": [node("start", "start"), node("fork", "parallel"), task("l", activity="flowdeck.noop"),
                                      task("r", activity="flowdeck.noop"), node("join", "join", fork="fork"),
                                      node("end", "end")],
       "edges": [edge("start", "fork"), edge("fork", "l"), edge("fork", "r"), edge("l", "join"), edge("r", "join"),
                 edge("join", "end")]}

INVALID = [
    ("not an object", ["nodes"], "spec.E001"),
    ("nodes not a list", _spec(nodes={"a": 1}), "spec.E001"),
    ("schema version 2", _spec(schema_version=2), "spec.E002"),
    ("duplicate node id", _spec(nodes=_nodes(task("ship", activity="flowdeck.noop"))), "spec.E003"),
    ("duplicate edge id", _spec(edges=GOOD["edges"] + [GOOD["edges"][0]]), "spec.E004"),
    ("edge to unknown node", _spec(edges=GOOD["edges"] + [edge("ship", "ghost")]), "spec.E005"),
    ("no start", _spec(nodes=_nodes(drop=("start",)), edges=GOOD["edges"][1:]), "spec.E006"),
    ("two starts", _spec(nodes=_nodes(node("start2", "start")), edges=GOOD["edges"] + [edge("start2", "end")]),
     "spec.E007"),
    ("unreachable node", _spec(nodes=_nodes(task("orphan", activity="flowdeck.noop")),
                               edges=GOOD["edges"] + [edge("orphan", "end")]), "spec.E008"),
    ("dead end", _spec(nodes=_nodes(task("dangling", activity="flowdeck.noop")),
                       edges=GOOD["edges"] + [edge("charge", "dangling")]), "spec.E009"),
    ("cycle", _spec(edges=GOOD["edges"] + [edge("ship", "charge")]), "spec.E010"),
    ("edge into start", _spec(edges=GOOD["edges"] + [edge("charge", "start")]), "spec.E011"),
    ("edge out of end", _spec(edges=GOOD["edges"] + [edge("end", "ship")]), "spec.E012"),
    ("unknown activity", _with_node(1, activity="shop.nope"), "spec.E013"),
    ("unknown compensation", _with_node(1, compensation={"activity": "shop.nope"}), "spec.E014"),
    ("bad mapping", _with_node(1, input={"x": "input.["}), "spec.E015"),
    ("choice without default", _spec(
        nodes=_nodes(node("c", "choice", rules=[{"id": "r", "condition": {"field": "input.a", "op": "exists"}}])),
        edges=[edge("start", "c"), edge("c", "charge", "r"), edge("charge", "ship"), edge("ship", "end")]),
     "spec.E016"),
    ("choice rule without edge", _spec(
        nodes=_nodes(node("c", "choice", rules=[{"id": "r", "condition": {"field": "input.a", "op": "exists"}}])),
        edges=[edge("start", "c"), edge("c", "charge", "default"), edge("charge", "ship"), edge("ship", "end")]),
     "spec.E017"),
    ("parallel with one branch", {**PAR, "nodes": [n for n in PAR["nodes"] if n["id"] != "r"],
                                  "edges": [e for e in PAR["edges"] if "r" not in (e["source"], e["target"])]},
     "spec.E018"),
    ("join naming a non-fork", {**PAR, "nodes": [n if n["id"] != "join" else {**n, "fork": "l"} for n in PAR["nodes"]]},
     "spec.E019"),
    ("too many nodes", _spec(nodes=[task(f"n{i}", activity="flowdeck.noop") for i in range(501)]), "spec.E020"),
    ("task with two next edges", _spec(edges=GOOD["edges"] + [edge("charge", "end")]), "spec.E021"),
    ("retry max below initial", _with_node(1, retry={"initial_interval": 10, "max_interval": 1}), "spec.E022"),
    ("wait with both", _spec(nodes=_nodes(node("w", "wait", seconds=1, until="input.at")),
                             edges=[edge("start", "w"), edge("w", "charge"), edge("charge", "ship"),
                                    edge("ship", "end")]), "spec.E023"),
    ("subworkflow to unknown definition", _spec(
        nodes=_nodes(node("sub", "subworkflow", definition="no-such-flow")),
        edges=[edge("start", "sub"), edge("sub", "charge"), edge("charge", "ship"), edge("ship", "end")]),
     "spec.E024"),
    ("timeout edge without timeout", _spec(
        nodes=_nodes(node("s", "signal", signal="go")),
        edges=[edge("start", "s"), edge("s", "charge"), edge("s", "ship", "timeout"), edge("charge", "ship"),
               edge("ship", "end")]), "spec.E025"),
    ("http with unclosed template", _spec(
        nodes=_nodes(node("h", "http", method="POST", url="http://127.0.0.1/{{ input.id")),
        edges=[edge("start", "h"), edge("h", "charge"), edge("charge", "ship"), edge("ship", "end")]), "spec.E026"),
    ("node id with a dash", _with_node(1, id="charge-card"), "spec.E001"),
    ("unknown node type", _with_node(1, type="teleport"), "spec.E001"),
    ("negative timeout", _with_node(1, timeout=-1), "spec.E001"),
    ("label too long", _with_node(1, label="x" * 201), "spec.E020"),
]


@pytest.mark.parametrize("name,spec,code", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_spec_is_answered_200_not_valid_with_its_code(api, name, spec, code):
    """Checking a spec succeeds whatever the spec: the answer says it is not valid, and why."""
    create(api)
    response = api.post("/api/definitions/orders/validate/", {"spec": spec}, format="json")
    if not isinstance(spec, dict):   # not a spec object: a malformed request
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "spec", response.content
        return
    assert response.status_code == 200, response.content
    assert response.json()["valid"] is False
    codes = {e["code"] for e in response.json()["errors"]}
    assert code in codes, response.json()["errors"]
    # Publishing the same spec as a draft is refused with the same code.
    if isinstance(spec, dict):
        api.post("/api/definitions/orders/versions/", {"spec": spec}, format="json")
        publish = api.post("/api/definitions/orders/versions/1/publish/")
        assert publish.status_code == 400 and code in {e["code"] for e in publish.json()["errors"]}


def test_errors_point_at_their_node(api):
    create(api)
    errors = api.post("/api/definitions/orders/validate/", {"spec": _with_node(1, activity="shop.nope")},
                      format="json").json()["errors"]
    assert [(e["code"], e["node_id"]) for e in errors] == [("spec.E013", "charge")]


@pytest.mark.parametrize("body", [
    "not json", "{", json.dumps({"key": "Bad Key!", "name": "x"}), json.dumps({"key": "k"}),
    json.dumps({"key": "k", "name": "x", "spec": "string"}), json.dumps({"key": "k" * 200, "name": "x"}),
])
def test_bad_create_bodies_are_4xx(api, body):
    response = api.post("/api/definitions/", body, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content


def test_duplicate_key_is_a_conflict(api):
    create(api)
    assert api.post("/api/definitions/", {"key": "orders", "name": "again"}, format="json").status_code == 409


def test_unknown_things_are_404(api):
    assert api.get("/api/definitions/nope/").status_code == 404
    create(api)
    assert api.get("/api/definitions/orders/versions/9/").status_code == 404
    assert api.post("/api/definitions/orders/versions/9/publish/").status_code == 404
    assert api.get("/api/definitions/orders/versions/1/diff/9/").status_code == 404


def test_openapi_schema_is_served(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    assert "/api/definitions/{key}/versions/{number}/publish/" in paths
