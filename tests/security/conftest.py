"""Fixtures for the hostile-input tests: a small world to aim at, an admin client,
and the Hypothesis profile (derandomized, so `make test` is repeatable).

FLOWDECK_FUZZ=explore runs the same properties with fresh randomness and ten
times the examples, for a longer hunt by hand.
"""
from __future__ import annotations

import os
import time

import pytest
from django.test import Client
from hypothesis import HealthCheck, settings

from tests.support.flows import chain, node, publish, task
from tests.support.users import make_user

HANG_SECONDS = 10.0   # no single request may take longer: a hang is a failure, not a slow pass

settings.register_profile("flowdeck-ci", derandomize=True, database=None, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.large_base_example])
settings.register_profile("flowdeck-explore", parent=settings.get_profile("flowdeck-ci"), derandomize=False)
EXPLORE = os.environ.get("FLOWDECK_FUZZ") == "explore"


def examples(count: int) -> int:
    """The number of generated cases a property runs (docs/reliability.md lists them)."""
    return count * 10 if EXPLORE else count


def profile() -> settings:
    return settings.get_profile("flowdeck-explore" if EXPLORE else "flowdeck-ci")


@pytest.fixture
def world(db):
    """Definition "flow" (published v1: start -> a -> gate(signal) -> end) and one running run; and
    an open human task (definition "asks": start -> ask(human, role operator) -> end)."""
    from engine.models import HumanTask
    from engine.services.runs import run_start
    publish("flow", chain(task("a", activity="flowdeck.noop"), node("gate", "signal", signal="go")))
    run, _ = run_start(definition_key="flow")
    publish("asks", chain(node("ask", "human", title="Check {{ input.x }}", assignee={"role": "operator"},
                               form={"type": "object", "properties": {"ok": {"type": "boolean"}}})))
    asking, _ = run_start(definition_key="asks")
    return {"key": "flow", "run": str(run.id), "task": str(HumanTask.objects.get(run=asking).id)}


@pytest.fixture
def admin(db):
    return make_user("sec_admin", "admin")


@pytest.fixture
def client(admin):
    client = Client()
    client.force_login(admin)
    return client


def send(client: Client, method: str, path: str, body: bytes = b"", content_type: str = "application/json"):
    """One request with a raw body; fails when it takes longer than HANG_SECONDS."""
    started = time.monotonic()
    response = client.generic(method.upper(), path, data=body, content_type=content_type)
    elapsed = time.monotonic() - started
    assert elapsed < HANG_SECONDS, f"{method} {path} took {elapsed:.1f}s"
    return response


def assert_refused(response, why: object = "") -> dict:
    """A 4xx whose JSON body carries a non-empty error list; returns the body."""
    assert 400 <= response.status_code < 500, (response.status_code, why, response.content[:500])
    body = response.json()
    errors = body.get("errors")
    assert isinstance(errors, list) and errors, (why, body)
    assert all(isinstance(e, dict) and isinstance(e.get("message"), str) and e.get("code") for e in errors), body
    assert isinstance(body.get("code"), str) and isinstance(body.get("detail"), str), body
    return body
