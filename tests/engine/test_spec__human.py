"""Validating human nodes: title and description are templates, the assignee is one role of
engine/roles.py (not viewer: a viewer acts on no task) or one user, the form is a JSON Schema of
an object (checked as one, only local $refs), due is bounded."""
import pytest

from engine import nodes
from engine.nodes.human import form_errors, form_problem
from engine.spec.validate import validate_spec


def spec(**fields):
    human = {"id": "ask", "type": "human", "title": "Approve {{ input.order }}", "assignee": {"role": "operator"},
             **fields}
    return {"schema_version": 1, "nodes": [{"id": "start", "type": "start"}, human, {"id": "end", "type": "end"}],
            "edges": [{"id": "e1", "source": "start", "target": "ask"}, {"id": "e2", "source": "ask", "target": "end"}]}


def codes(**fields):
    return [(e["code"], e["path"]) for e in validate_spec(spec(**fields))]


def test_a_valid_human_node_and_its_defaults():
    assert codes() == []
    assert codes(description="Order {{ input.order }}: {{ input.total }} EUR", assignee={"user": "alice"},
                 form={"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"},
                       "items": {"type": "array", "items": {"$ref": "#/$defs/item"}}},
                       "$defs": {"item": {"type": "string"}}}, due=86400, on_failure="incident",
                 sla={"within": 3600}) == []
    human = nodes.REGISTRY["human"]
    assert human.setting({"type": "human"}, "form") == {"type": "object"} and human.has_tasks
    assert human.setting({"type": "human"}, "on_failure") == "compensate"
    assert ("/title", "input.order") in list(nodes.iter_expressions(spec()["nodes"][1]))


@pytest.mark.parametrize("fields, expected", [
    ({"assignee": {}}, [("spec.E039", "/nodes/1/assignee")]),
    ({"assignee": {"role": "operator", "user": "bob"}}, [("spec.E039", "/nodes/1/assignee")]),
    ({"assignee": {"role": "boss"}}, [("spec.E039", "/nodes/1/assignee/role")]),
    ({"assignee": {"role": "viewer"}}, [("spec.E039", "/nodes/1/assignee/role")]),
    ({"assignee": {"team": "x"}}, [("spec.E001", "/nodes/1/assignee"), ("spec.E039", "/nodes/1/assignee")]),
    ({"assignee": "operator"}, [("spec.E001", "/nodes/1/assignee")]),
    ({"form": {"type": "array"}}, [("spec.E038", "/nodes/1/form")]),
    ({"form": {"properties": {}}}, [("spec.E038", "/nodes/1/form")]),
    ({"form": {"type": "object", "required": "ok"}}, [("spec.E038", "/nodes/1/form")]),
    ({"form": {"type": "object", "properties": {"a": {"$ref": "https://example.com/s.json"}}}},
     [("spec.E038", "/nodes/1/form")]),
    ({"form": []}, [("spec.E001", "/nodes/1/form")]),
    ({"title": ""}, [("spec.E001", "/nodes/1/title")]),
    ({"title": "Hi {{ input.x "}, [("spec.E026", "/nodes/1/title")]),
    ({"description": "{{ input..x }}"}, [("spec.E015", "/nodes/1/description")]),
    ({"due": 0}, [("spec.E001", "/nodes/1/due")]),
    ({"due": 366 * 86400}, [("spec.E029", "/nodes/1/due")]),
])
def test_invalid_human_nodes(fields, expected):
    assert codes(**fields) == expected


def test_the_e038_message_is_jsonschemas():
    [error] = validate_spec(spec(form={"type": "object", "properties": {"n": {"type": "nummer"}}}))
    assert error["code"] == "spec.E038" and error["message"].startswith("the form is not a valid JSON Schema: ")
    assert "nummer" in error["message"] or "not valid under any" in error["message"]
    assert form_problem({"type": "object"}) is None


def test_form_errors_name_each_field():
    form = {"type": "object", "required": ["amount", "kind"], "properties": {
        "amount": {"type": "integer", "minimum": 1}, "kind": {"enum": ["a", "b"]},
        "tags": {"type": "array", "items": {"type": "string"}}}}
    assert form_errors(form, {"amount": 2, "kind": "a", "tags": ["x"]}) == []
    fields = [e["field"] for e in form_errors(form, {"amount": 0, "tags": [1]})]
    assert fields == ["/amount", "/kind", "/tags/0"]
