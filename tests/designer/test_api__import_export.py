"""Import never replaces an unpublished draft unasked; export names the version (and says draft)."""
import copy
import json

import pytest
from rest_framework.test import APIClient

from engine.models import WorkflowVersion
from tests.support.flows import chain, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db

V1 = chain(task("charge", activity="flowdeck.noop"))
DRAFT = chain(task("charge", activity="flowdeck.noop"), task("ship", activity="flowdeck.noop"))
IMPORTED = chain(task("refund", activity="flowdeck.noop"))


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(make_user("dana", "designer"))
    return client


def document(spec=IMPORTED, key="refund"):
    return {"format": "flowdeck.definition/v1", "key": key, "name": "Refund", "description": "", "version": 1,
            "spec": spec}


@pytest.fixture
def with_draft(api):
    """"refund": published v1, then unpublished draft v2 (DRAFT)."""
    assert api.post("/api/definitions/", {"key": "refund", "name": "Refund", "spec": V1}, format="json").status_code == 201
    assert api.post("/api/definitions/refund/versions/1/publish/").status_code == 200
    saved = api.post("/api/definitions/refund/versions/", {"spec": DRAFT}, format="json")
    assert saved.status_code == 201 and saved.json()["number"] == 2
    return saved.json()


def _draft():
    return WorkflowVersion.objects.get(definition__key="refund", status="draft", is_test=False)


def test_importing_onto_a_key_with_a_draft_is_refused_naming_the_draft(api, with_draft):
    response = api.post("/api/definitions/import/", {"document": document()}, format="json")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "import.draft_exists"
    assert "draft v2" in body["detail"] and "overwrite_draft" in body["detail"]
    assert body["draft"]["number"] == 2 and body["draft"]["revision"] == with_draft["revision"]
    assert body["draft"]["created_by"] == "dana"
    assert body["errors"][0]["code"] == "import.draft_exists"
    # Untouched: same spec, same revision, no new version.
    draft = _draft()
    assert draft.spec == DRAFT and draft.revision == with_draft["revision"]
    assert WorkflowVersion.objects.filter(definition__key="refund").count() == 2


def test_importing_with_publish_onto_a_draft_is_refused_too(api, with_draft):
    response = api.post("/api/definitions/import/", {"document": document(), "publish": True}, format="json")
    assert response.status_code == 409
    assert _draft().spec == DRAFT
    assert not WorkflowVersion.objects.filter(definition__key="refund", number=2, status="published").exists()


def test_overwrite_draft_replaces_it(api, with_draft):
    response = api.post("/api/definitions/import/", {"document": document(), "overwrite_draft": True}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["number"] == 2 and response.json()["status"] == "draft"
    assert _draft().spec == IMPORTED


def test_no_confirmation_without_a_draft_or_when_the_draft_is_the_same(api, with_draft):
    # The draft already holds the imported spec: nothing would be lost.
    same = api.post("/api/definitions/import/", {"document": document(spec=copy.deepcopy(DRAFT))}, format="json")
    assert same.status_code == 201, same.content
    # A new key, and a key whose latest version is published (no draft): imported at once.
    assert api.post("/api/definitions/import/", {"document": document(key="fresh")}, format="json").status_code == 201
    assert api.post("/api/definitions/refund/versions/2/publish/").status_code == 200
    after = api.post("/api/definitions/import/", {"document": document()}, format="json")
    assert after.status_code == 201 and after.json()["number"] == 3


@pytest.mark.parametrize("flag", ["yes please", None, [], {}, 2])
def test_a_bad_overwrite_flag_is_400(api, with_draft, flag):
    response = api.post("/api/definitions/import/", {"document": document(), "overwrite_draft": flag}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "overwrite_draft"
    assert _draft().spec == DRAFT


@pytest.mark.parametrize("body", ["not json", json.dumps([]), json.dumps({"document": "x", "overwrite_draft": True}),
                                  json.dumps({"document": {"key": "refund"}, "overwrite_draft": True})])
def test_bad_import_bodies_are_4xx_never_500(api, with_draft, body):
    response = api.post("/api/definitions/import/", body, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    assert _draft().spec == DRAFT


def test_export_names_the_version_and_says_draft(api, with_draft):
    published = api.get("/api/definitions/refund/export/?version=1")
    assert published.status_code == 200 and published.json()["spec"] == V1
    assert 'filename="refund-v1.flowdeck.json"' in published["Content-Disposition"]
    draft = api.get("/api/definitions/refund/export/")   # no version: the draft
    assert draft.json()["version"] == 2 and draft.json()["spec"] == DRAFT
    assert 'filename="refund-v2-draft.flowdeck.json"' in draft["Content-Disposition"]


@pytest.mark.parametrize("query", ["version=x", "version=-1", "version=%C2%B2", "version=1.5"])
def test_a_bad_export_version_is_400(api, with_draft, query):
    assert api.get(f"/api/definitions/refund/export/?{query}").status_code == 400


def test_exporting_a_missing_version_is_404(api, with_draft):
    assert api.get("/api/definitions/refund/export/?version=9").status_code == 404
