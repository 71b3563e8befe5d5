"""Malformed specs, generated: the validator never raises and always finds a problem;
every API path that validates answers 4xx with an error list, never 500, never hangs.

The defects (tests/security/hostile.py): wrong types, missing and unknown fields,
unknown node types, duplicate ids, cycles, dangling edges, 10,000 nodes, 2,001
edges, nesting past 64 and past 100 levels, huge strings and labels, expressions
that do not parse, null bytes, lone surrogates, NaN / 1e400 / 5,000-digit numbers,
64-bit overflow, broken http nodes, retry policies and conditions. Each property
runs every defect as the primary one, with up to two more and unicode/HTML noise.
"""
from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings

from engine.errors import InvalidInput
from engine.spec import compile_expression
from engine.spec.validate import ERROR_CODES, validate_spec
from tests.security import hostile
from tests.security.conftest import HANG_SECONDS, assert_refused, examples, profile, send

# Generated cases per primary defect (cheap, expensive); docs/reliability.md has the totals.
PER_DEFECT = {"validator": (15, 5), "validate": (8, 2), "test_run": (3, 1), "import_publish": (3, 1),
              "draft": (3, 1)}


def per_defect(name: str, test: str) -> int:
    cheap, expensive = PER_DEFECT[test]
    return examples(expensive if name in hostile.EXPENSIVE else cheap)


def total(test: str, names=tuple(hostile.SPEC_DEFECTS)) -> int:
    return sum(per_defect(name, test) for name in names)


VALUE_DEFECTS = [name for name in hostile.SPEC_DEFECTS if name not in hostile.RAW_ONLY]


def _run(check, count: int) -> None:
    """Run a @given function under the suite's profile with ``count`` examples."""
    settings(profile(), max_examples=count)(check)()


def test_the_base_spec_is_valid_and_every_bad_expression_is_refused():
    # The generators rely on both: a defect is what makes a spec invalid, nothing else.
    assert validate_spec(hostile.valid_spec()) == []
    for text in hostile.BAD_EXPRESSIONS:
        with pytest.raises(InvalidInput):
            compile_expression(text)


def test_validator_finds_a_problem_in_every_malformed_spec_and_never_raises():
    seen = []
    for name in VALUE_DEFECTS:
        @given(case=hostile.malformed_spec_values(name))
        def check(case):
            spec, defects = case
            started = time.monotonic()
            errors = validate_spec(spec)
            assert time.monotonic() - started < HANG_SECONDS, defects
            assert errors, defects
            assert all(e["code"] in ERROR_CODES for e in errors), (defects, errors[:5])
            assert not any("could not be fully checked" in e["message"] for e in errors), (defects, errors[:5])
            seen.append(defects)

        _run(check, per_defect(name, "validator"))
    assert len(seen) >= total("validator", VALUE_DEFECTS)


def assert_not_valid(response, why: object = "") -> dict:
    """The validate endpoint's answer to a checked spec: 200, not valid, every problem listed."""
    assert response.status_code == 200, (response.status_code, why, response.content[:500])
    body = response.json()
    assert body["valid"] is False and isinstance(body["errors"], list) and body["errors"], (why, body)
    assert all(isinstance(e, dict) and isinstance(e.get("message"), str) and e.get("code") for e in body["errors"])
    return body


def _api_property(client, test: str, method: str, path: str, wrap, verdict=None) -> list:
    """``verdict(response, case)`` judges each answer; by default it must be refused (4xx with errors)."""
    seen = []
    for name in hostile.SPEC_DEFECTS:
        @given(case=hostile.malformed_spec_bodies(name, wrap=wrap))
        def check(case):
            response = send(client, method, path, case.body, case.content_type)
            (verdict or assert_refused)(response, case)
            seen.append(case.defects)

        _run(check, per_defect(name, test))
    assert len(seen) >= total(test)
    return seen


def test_validate_endpoint_finds_every_malformed_spec_not_valid(client, world):
    """A spec object is checked and answered 200 {"valid": false, "errors": [...]}; a body the parser
    refuses (bytes no JSON value can hold) or a spec that is not an object is still a 4xx."""
    def verdict(response, case):
        if response.status_code == 200:
            assert_not_valid(response, case)
        else:
            assert_refused(response, case)

    _api_property(client, "validate", "post", "/api/definitions/flow/validate/", lambda spec: {"spec": spec},
                  verdict)


def test_test_runs_refuse_every_malformed_spec(client, world):
    from engine.models import WorkflowRun
    before = WorkflowRun.objects.count()
    _api_property(client, "test_run", "post", "/api/definitions/flow/test-runs/",
                  lambda spec: {"spec": spec, "input": {"amount": 5}})
    assert WorkflowRun.objects.count() == before


def test_import_with_publish_refuses_every_malformed_spec(client, world):
    from engine.models import WorkflowDefinition
    _api_property(client, "import_publish", "post", "/api/definitions/import/",
                  lambda spec: {"document": {"key": "imported", "name": "<b>Imported</b>", "spec": spec},
                                "publish": True})
    assert not WorkflowDefinition.objects.filter(key="imported").exists()


def test_draft_save_never_fails_on_a_malformed_spec(client, world):
    """Drafts may be invalid (publishing validates), so a draft save may succeed;
    what it may not do is 5xx, store what PostgreSQL cannot hold, or answer 4xx without errors."""
    seen = []
    for name in hostile.SPEC_DEFECTS:
        @given(case=hostile.malformed_spec_bodies(name))
        def check(case):
            response = send(client, "post", "/api/definitions/flow/versions/", case.body, case.content_type)
            if response.status_code == 201:
                stored = client.get("/api/definitions/flow/versions/2/").json()["spec"]
                assert stored == json.loads(case.body)["spec"], case
            else:
                assert_refused(response, case)
            seen.append(response.status_code)

        _run(check, per_defect(name, "draft"))
    assert len(seen) >= total("draft")
    assert 201 in seen and any(400 <= s < 500 for s in seen)   # both paths were exercised
