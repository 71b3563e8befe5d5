"""schemathesis against /api/schema/: every operation, a bounded number of
generated requests each (schema-conforming and not), through the real WSGI
stack in this process, as an admin with a token. Zero server errors.

Path parameters point at real objects three times in four (the definition
"flow", its run, its steps, version 1), so the operations get past 404 and
reach the serializers and services; the fourth keeps schemathesis's own value.
"""
from __future__ import annotations

import zlib

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from tests.security.conftest import HANG_SECONDS, examples

PER_MODE = examples(13)   # per operation: schema-conforming cases, then as many that violate the schema


@pytest.fixture
def wsgi_app(db):
    # The WSGI handler closes "old" connections around each request, which would
    # end the test's transaction; Django's test client unhooks the same signals.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def auth(admin):
    return {"Authorization": f"Token {Token.objects.create(user=admin).key}"}


@pytest.fixture
def api_schema(wsgi_app, auth, world):
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, headers=auth)


def _operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation, from the same generator /api/schema/ serves
    (schemathesis's own pytest parametrizer does not run on this pytest)."""
    from drf_spectacular.generators import SchemaGenerator
    document = SchemaGenerator().get_schema(request=None, public=True)
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item]


OPERATIONS = _operations()
REAL = {"key": "flow", "number": 1, "a": 1, "b": 1, "node_id": "a"}


def _aim(case, world) -> None:
    """Point most cases at the world's objects (deterministically, from the case's own values)."""
    params = case.path_parameters or {}
    if not params or zlib.crc32(repr(sorted(params.items())).encode()) % 4 == 0:
        return
    for name in params:
        if name == "run_id":
            params[name] = world["run"]
        elif name == "task_id":
            params[name] = world["task"]
        elif name in REAL:
            params[name] = REAL[name]


@pytest.mark.parametrize("method,path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_operation_answers_a_server_error(api_schema, world, auth, method, path):
    operation = api_schema[path][method]
    calls = []
    for mode, count in ((GenerationMode.POSITIVE, PER_MODE), (GenerationMode.NEGATIVE, PER_MODE)):
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=count, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            _aim(case, world)
            response = case.call(headers=auth)
            assert response.elapsed < HANG_SECONDS, response.elapsed
            case.validate_response(response, checks=[not_a_server_error])
            calls.append(response.status_code)

        try:
            check()
        except Unsatisfiable:   # nothing in this operation can be made to violate the schema
            assert mode is GenerationMode.NEGATIVE, (method, path)
    assert calls
