"""Every write endpoint, fed generated malformed bodies: always a 4xx with an
error list, never a 500, never a hang, and nothing changes.

Defects (tests/security/hostile.py, one to three per body): a field of the wrong
type, null where null is not allowed, too long, out of range, a missing required
field, a body that is not an object, null bytes (in keys, values, nested), lone
surrogates, NaN / -Infinity / 1e400 / a 5,000-digit integer, nesting past 100
levels (up to 50,000), invalid UTF-8, truncated or non-JSON text, the wrong
content type or charset, and a body over the 2 MiB limit. Unknown extra fields
with arbitrary JSON ride along as noise.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings

from engine.models import AuditEntry, HumanTask, RunEvent, WorkflowDefinition, WorkflowRun, WorkflowVersion
from tests.security import hostile
from tests.security.conftest import assert_refused, examples, profile, send
from tests.security.hostile import Field

F = Field
REASON = F("str", required=True, max_length=2000, valid="ops check")
ENDPOINTS = {   # (method, path, fields); {run} is the world's run
    "definition.create": ("post", "/api/definitions/", {
        "key": F("slug", required=True, max_length=100, valid="fresh-key"),
        "name": F("str", required=True, max_length=200, valid="<b>Fresh</b>"),
        "description": F("str", max_length=5000), "spec": F("object", valid=hostile.valid_spec())}),
    "definition.update": ("patch", "/api/definitions/flow/", {
        "name": F("str", max_length=200, valid="Renamed"), "description": F("str", max_length=5000)}),
    "draft.save": ("post", "/api/definitions/flow/versions/", {
        "spec": F("object", required=True, valid=hostile.valid_spec()), "revision": F("int", min_value=1),
        "note": F("str", max_length=500)}),
    "definition.validate": ("post", "/api/definitions/flow/validate/", {
        "spec": F("object", required=True, valid=hostile.valid_spec())}),
    "definition.import": ("post", "/api/definitions/import/", {
        "document": F("object", required=True, valid={"key": "imported", "name": "I", "spec": hostile.valid_spec()}),
        "publish": F("bool")}),
    "definition.test_run": ("post", "/api/definitions/flow/test-runs/", {
        "version": F("int", required=True, min_value=1, valid=1), "input": F("object"),
        "spec": F("object")}),
    "run.start": ("post", "/api/runs/", {
        "definition": F("slug", required=True, max_length=100, valid="flow"), "input": F("object"),
        "business_key": F("str", max_length=200, nullable=True), "version": F("int", min_value=1),
        "reason": F("str", max_length=2000)}),
    "run.cancel": ("post", "/api/runs/{run}/cancel/", {"reason": REASON}),
    "run.compensate": ("post", "/api/runs/{run}/compensate/", {"reason": REASON}),
    "run.retry": ("post", "/api/runs/{run}/retry/", {"reason": REASON}),
    "run.signal": ("post", "/api/runs/{run}/signal/", {
        "name": F("str", required=True, max_length=100, valid="go"), "payload": F("any"), "reason": REASON}),
    "run.data": ("post", "/api/runs/{run}/data/", {"data": F("object", required=True, valid={}), "reason": REASON}),
    "step.retry": ("post", "/api/runs/{run}/steps/a/retry/", {"reason": REASON}),
    "step.skip": ("post", "/api/runs/{run}/steps/a/skip/", {"output": F("any"), "reason": REASON}),
    "run.bulk": ("post", "/api/runs/bulk/", {
        "action": F("choice", required=True, valid="cancel", choices=("retry", "cancel", "compensate")),
        "filters": F("object"), "dry_run": F("bool", valid=False), "reason": F("str", max_length=2000, valid="x"),
        "limit": F("int", min_value=1, max_value=5000)}),
    "inbox.complete": ("post", "/api/inbox/{task}/complete/", {
        "data": F("object", required=True, valid={"ok": True}), "reason": F("str", max_length=2000)}),
    "inbox.reject": ("post", "/api/inbox/{task}/reject/", {"reason": REASON}),
}
PER_ENDPOINT = 25


def _state() -> tuple:
    return (WorkflowDefinition.objects.count(), WorkflowVersion.objects.count(), WorkflowRun.objects.count(),
            RunEvent.objects.count(), AuditEntry.objects.count(),
            list(WorkflowRun.objects.order_by("id").values_list("status", flat=True)),
            list(HumanTask.objects.order_by("id").values_list("status", flat=True)))


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_malformed_bodies_are_refused_and_change_nothing(client, world, endpoint):
    method, path, fields = ENDPOINTS[endpoint]
    path = path.format(**world)
    before = _state()
    seen = []

    @given(case=hostile.malformed_bodies(fields))
    def check(case):
        assert_refused(send(client, method, path, case.body, case.content_type), case)
        seen.append(case.defects)

    settings(profile(), max_examples=examples(PER_ENDPOINT))(check)()
    assert len(seen) >= examples(PER_ENDPOINT)
    assert _state() == before


@pytest.mark.parametrize("raw", [
    b'{"reason": "x"' + b', "a": [' * 200_000, b"[" * 1_000_000, b'{"a":' * 300_000,
    b'"' + b"\\" * 1_000_000, b'"\\"' * 600_000, b"[" + b"1," * 900_000 + b"1]",
], ids=["open-arrays", "million-brackets", "open-objects", "backslashes", "escaped-quotes", "wide-array"])
def test_pathological_bodies_are_refused_fast(client, world, raw):
    """Shapes aimed at the parser itself (quadratic scans, recursion): each refused well within the hang limit."""
    assert_refused(send(client, "post", f"/api/runs/{world['run']}/cancel/", raw), raw[:40])


def test_an_oversized_body_is_refused_before_it_is_read(client, world):
    response = client.generic("POST", "/api/definitions/flow/validate/", data=b"{}", content_type="application/json",
                              CONTENT_LENGTH=str(50 * 1024 * 1024))
    body = assert_refused(response)
    assert response.status_code == 413 and body["code"] == "body.too_large"


@pytest.mark.django_db(transaction=True)
async def test_oversized_and_deep_bodies_through_the_asgi_handler():
    """The same limits hold when the body arrives through Django's ASGI handler (daphne's path)."""
    from channels.db import database_sync_to_async
    from django.test import AsyncClient

    from tests.support.users import make_user
    from django.db import connections

    from tests.support.users import make_user
    client = AsyncClient()
    try:
        await client.aforce_login(await database_sync_to_async(make_user)("asgi_admin", "admin"))
        big = await client.post("/api/runs/", data=b"x" * (3 * 1024 * 1024), content_type="application/json")
        assert big.status_code == 413 and big.json()["errors"]
        deep = await client.post("/api/runs/", data=b'{"input": ' + b"[" * 5000 + b"]" * 5000 + b"}",
                                 content_type="application/json")
        assert deep.status_code == 400 and deep.json()["code"] == "body.too_deep"
        nul = await client.post("/api/runs/", data=b'{"definition": "x", "input": {"a": "\\u0000"}}',
                                content_type="application/json")
        assert nul.status_code == 400 and nul.json()["errors"][0]["path"] == "/input/a"
    finally:
        await database_sync_to_async(connections.close_all)()   # the handler's thread keeps one open


@pytest.mark.parametrize("query", [
    "limit=%C2%B2", "limit=-1", "limit=1e3", "limit=%00", "definition=%00", "q=%00", "q=%ED%A0%80",
    "status=running,%3Cscript%3E", "created_after=2026-13-45T99:99:99", "created_after=0000-00-00",
    "created_before=%F0%9F%98%80", "version=99999999999999999999999", "stuck=maybe", "cursor=%00",
    "cursor=bm90LWEtY3Vyc29y", "cursor=" + "A" * 5000, "failed_at=" + "x" * 10000,
])
def test_hostile_query_strings_on_the_run_list(client, world, query):
    response = client.get(f"/api/runs/?{query}")
    if response.status_code != 200:
        assert_refused(response, query)


@pytest.mark.parametrize("path", [
    "/api/runs/%00/", "/api/runs/{run}/steps/%00/retry/", "/api/runs/{run}/steps/a%00b/skip/",
    "/api/definitions/flow/versions/99999999999999999999999/", "/api/runs/{run}/events/?after_seq=%C2%B2",
    "/api/stats/?minutes=%C2%B2", "/api/audit/export/?after_id=%C2%B2", "/api/definitions/flow/export/?version=%C2%B2",
    "/api/runs/{run}/events/?limit=99999999999999999999999", "/api/runs/" + "a" * 5000 + "/",
])
def test_hostile_paths_and_parameters(client, world, path):
    response = send(client, "post" if path.endswith(("/retry/", "/skip/")) else "get", path.format(**world),
                    b'{"reason": "x"}')
    if response.status_code >= 400:
        assert_refused(response, path)
