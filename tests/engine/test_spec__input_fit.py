"""A task's input mapping against its activity's input schema, before any run (issue #18, item 3):
a required field not mapped, a field the schema forbids, a literal of the wrong type are E035,
at the field's path; field lookups are left to the run-time check."""
import pytest

from engine.spec.input_fit import input_problems
from engine.spec.validate import validate_spec

SCHEMA = {"type": "object", "required": ["order_id", "amount_cents"], "additionalProperties": False,
          "properties": {"order_id": {"type": "string"}, "amount_cents": {"type": "integer", "minimum": 1},
                         "items": {"type": "array"}, "meta": {"type": "object", "required": ["channel"],
                                                              "properties": {"channel": {"type": "string"}}}}}


@pytest.mark.parametrize("mapping, expected", [
    ({"order_id": "input.id", "amount_cents": "input.amount"}, []),
    ({"order_id": "'A-1'", "amount_cents": "`1250`", "items": "`[\"shoe\", \"sock\"]`"}, []),
    ({"order_id": "input.id"}, [("", "maps no 'amount_cents'")]),
    ({"order_id": "input.id", "amount_cents": "'1250'"}, [("/amount_cents", "gives 'amount_cents' a string")]),
    ({"order_id": "input.id", "amount_cents": "`0`"}, [("/amount_cents", "gives 'amount_cents' a number")]),
    ({"order_id": "input.id", "amount_cents": "`5`", "items": "'shoe, sock'"}, [("/items", "gives 'items' a string")]),
    ({"order_id": "input.id", "amount_cents": "`5`", "colour": "'red'"}, [("/colour", "maps 'colour'")]),
    ({"order_id": "input.id", "amount_cents": "`5`", "meta": {"via": "'web'"}}, [("/meta", "maps no 'channel'")]),
    ("input", []),                                   # the whole input: known at run time only
])
def test_input_problems(mapping, expected):
    found = list(input_problems(mapping, SCHEMA))
    assert [(path, message[:len(want)]) for (path, message), (_, want) in zip(found, expected)] == expected
    assert len(found) == len(expected)


def test_a_misfit_mapping_is_reported_on_the_task_and_the_right_one_is_valid():
    def spec(mapping):
        return {"schema_version": 1, "nodes": [
            {"id": "start", "type": "start"},
            {"id": "charge", "type": "task", "activity": "shop.charge", "input": mapping}, {"id": "end", "type": "end"}],
            "edges": [{"id": "a", "source": "start", "target": "charge"}, {"id": "b", "source": "charge", "target": "end"}]}

    def errors(mapping):
        return [(e["code"], e["node_id"], e["path"]) for e in
                validate_spec(spec(mapping), activity_exists={"shop.charge"}, input_schema={"shop.charge": SCHEMA}.get)]

    assert errors({"order_id": "input.id", "amount_cents": "input.cents"}) == []
    assert errors({"order_id": "input.id", "amount_cents": "'12'"}) == [("spec.E035", "charge",
                                                                       "/nodes/1/input/amount_cents")]
    assert errors({"amount_cents": "`12`"}) == [("spec.E035", "charge", "/nodes/1/input")]
