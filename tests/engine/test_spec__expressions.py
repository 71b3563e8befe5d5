"""Expressions, mappings, templates and conditions (jmespath only). Pure."""
from __future__ import annotations

import json
import os
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import InvalidInput
from engine.spec import (
    compile_expression,
    evaluate_condition,
    evaluate_expression,
    evaluate_mapping,
    parse_template,
    render_template,
    task_input,
)
from engine.nodes import iter_expressions
from engine.spec.schema import MAX_EXPRESSION_LENGTH

CONTEXT = {
    "input": {"amount": 1500, "currency": "EUR", "country": "DE", "vip": False, "tags": ["a", "b"],
              "name": "Ada Lovelace", "items": [{"sku": "x", "qty": 2}, {"sku": "y", "qty": 5}],
              "path": "a/b c", "nothing": None, "ratio": 0.5, "when": "2030-01-02T03:04:05Z"},
    "data": {"charge": {"id": "ch_1", "ok": True}},
    "run": {"id": "run-1", "business_key": "order-42"},
}


# --- Mappings ---------------------------------------------------------------------

@pytest.mark.parametrize("mapping, expected", [
    ("input.amount", 1500),
    ("input", CONTEXT["input"]),
    ("data.charge.id", "ch_1"),
    ("run.business_key", "order-42"),
    ("input.missing", None),
    ("'EUR'", "EUR"),
    ("`42`", 42),
    ('`{"a":1}`', {"a": 1}),
    ("`null`", None),
    ("input.items[?qty > `3`].sku", ["y"]),
    ("length(input.tags)", 2),
    ("input.nothing || 'fallback'", "fallback"),
    ({"total": "input.amount", "cur": "'EUR'", "nested": {"id": "data.charge.id", "lit": "`[1,2]`"}},
     {"total": 1500, "cur": "EUR", "nested": {"id": "ch_1", "lit": [1, 2]}}),
    ({}, {}),
])
def test_evaluate_mapping(mapping, expected):
    assert evaluate_mapping(mapping, CONTEXT) == expected


@pytest.mark.parametrize("mapping", [42, None, ["input"], {"a": 1}, {"a": {"b": True}}])
def test_mapping_leaves_must_be_expressions(mapping):
    with pytest.raises(InvalidInput):
        evaluate_mapping(mapping, CONTEXT)


def test_task_input_defaults_to_run_input():
    assert task_input({"type": "task", "activity": "x"}, CONTEXT) == CONTEXT["input"]
    assert task_input({"type": "task", "activity": "x", "input": {"a": "input.amount"}}, CONTEXT) == {"a": 1500}


def test_runtime_type_error_is_invalid_input():
    with pytest.raises(InvalidInput, match="failed"):
        evaluate_expression("length(input.amount)", CONTEXT)


# --- Compiling ---------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("   ", "empty"),
    ("input.[", "does not parse"),
    ("a b", "does not parse"),
    ("`not json", "does not parse"),
    ("nope(input)", "unknown function nope"),
    ("length(input, input)", "takes 1 argument"),
    ("merge()", "at least 1"),
    ("&input", "'&' references"),
    ("[&input]", "'&' references"),
    ("not_null(&input)", "'&' references"),
    ("x" * (MAX_EXPRESSION_LENGTH + 1), "characters long"),
])
def test_compile_rejects(text, message):
    with pytest.raises(InvalidInput, match=message):
        compile_expression(text)


def test_compile_rejects_non_strings():
    with pytest.raises(InvalidInput):
        compile_expression(42)


def test_compile_is_cached():
    assert compile_expression("input.amount") is compile_expression("input.amount")


def test_expref_allowed_where_functions_take_it():
    assert evaluate_expression("sort_by(input.items, &qty)[-1].sku", CONTEXT) == "y"
    assert evaluate_expression("map(&sku, input.items)", CONTEXT) == ["x", "y"]
    assert evaluate_expression("max_by(input.items, &qty).sku", CONTEXT) == "y"


# --- Attacks: nothing executes; either InvalidInput or a plain JSON value ----------

_JSON_TYPES = (type(None), bool, int, float, str, list, dict)


def _plain_json(value):
    stack = [value]
    while stack:
        value = stack.pop()
        if not isinstance(value, _JSON_TYPES) or isinstance(value, tuple):
            return False
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                return False
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return True


ATTACKS = [
    "__import__('os').system('id')",
    "__import__(`\"os\"`).system(`\"touch /tmp/pwned\"`)",
    "input.__class__",
    "input.__class__.__mro__",
    "input.__dict__",
    "input.__init__.__globals__",
    "eval('1+1')",
    "exec('import os')",
    "open('/etc/passwd')",
    "{{7*7}}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "input; import os",
    "input | `{\"__class__\": 1}`",
    "'\\x00'",
    "to_string(input)",
    "input.\"__class__\"",
    "@.__globals__",
    "(" * 400 + "input" + ")" * 400,
    "!" * 990 + "input",
    "input" + "[]" * 495,
    "input" + "|input" * 165,
    "input" + "||input" * 140,
    "[" * 300 + "input" + "]" * 300,
    "input" + ".a" * 497,
    "`" + "[" * 400 + "]" * 400 + "`",
    "`" + "[" * 65 + "]" * 65 + "`",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_attack_strings_never_execute(text, tmp_path):
    try:
        value = evaluate_expression(text, CONTEXT)
    except InvalidInput:
        return
    assert _plain_json(value), value
    assert not os.path.exists("/tmp/pwned")


def test_attribute_access_yields_none():
    assert evaluate_expression("input.__class__", CONTEXT) is None
    assert evaluate_expression("run.__init__.__globals__", CONTEXT) is None


def test_deep_expressions_are_rejected_even_on_a_deep_stack():
    # Accepted expressions stay far from the recursion limit, wherever they are called from.
    def at_depth(n, fn):
        return fn() if n == 0 else at_depth(n - 1, fn)

    limit = sys.getrecursionlimit()
    for text in ["(" * 33 + "a" + ")" * 33, "!" * 100 + "a", "a" + "[]" * 100, "a" + "|a" * 100]:
        with pytest.raises(InvalidInput, match="nested|deep"):
            at_depth(limit - 200, lambda: compile_expression(text))


@pytest.mark.parametrize("template, expected", [
    ("{{7*7}}", None),
    ("{{ input.__class__ }}", ""),
    ("{{ `\"{{7*7}}\"` }}", None),   # "}}" inside a placeholder is not supported
])
def test_template_attacks(template, expected):
    if expected is None:
        with pytest.raises(InvalidInput):
            render_template(template, CONTEXT)
    else:
        assert render_template(template, CONTEXT) == expected


# --- Templates ---------------------------------------------------------------------

@pytest.mark.parametrize("template, quote, expected", [
    ("https://api/x/{{ input.name }}", False, "https://api/x/Ada Lovelace"),
    ("https://api/x/{{ input.name }}", True, "https://api/x/Ada%20Lovelace"),
    ("https://api/{{input.path}}?k={{ run.id }}", True, "https://api/a%2Fb%20c?k=run-1"),
    ("{{ input.amount }}", False, "1500"),
    ("{{ input.ratio }}", False, "0.5"),
    ("{{ data.charge.ok }}", False, "true"),
    ("{{ input.vip }}", False, "false"),
    ("{{ input.missing }}", False, ""),
    ("{{ input.tags }}", False, '["a","b"]'),
    ("{{ input.items[0] }}", True, "%7B%22sku%22%3A%22x%22%2C%22qty%22%3A2%7D"),
    ("no placeholders", False, "no placeholders"),
    ("", False, ""),
    ("a { b } c", False, "a { b } c"),
    ("{{'x'}}{{'y'}}", False, "xy"),
    ("Bearer {{ run.business_key }}", False, "Bearer order-42"),
])
def test_render_template(template, quote, expected):
    assert render_template(template, CONTEXT, quote=quote) == expected


@pytest.mark.parametrize("template", [
    "{{ input.name", "x }} y", "{{ }}", "{{ a {{ b }}", "{{ input.[ }}", "{{ nope(a) }}", "}}{{ a }}",
])
def test_bad_templates(template):
    with pytest.raises(InvalidInput):
        parse_template(template)


# --- Conditions --------------------------------------------------------------------

def leaf(field, op, value=None):
    cond = {"field": field, "op": op}
    if value is not None:
        cond["value"] = value
    return cond


CONDITIONS = [
    # eq / ne, with JSON types: true != 1, "1" != 1, 1 == 1.0
    (leaf("input.amount", "eq", 1500), True),
    (leaf("input.amount", "eq", 1500.0), True),
    (leaf("input.amount", "eq", "1500"), False),
    (leaf("input.vip", "eq", 0), False),
    (leaf("data.charge.ok", "eq", 1), False),
    (leaf("data.charge.ok", "eq", True), True),
    (leaf("input.tags", "eq", ["a", "b"]), True),
    (leaf("data.charge", "eq", {"ok": True, "id": "ch_1"}), True),
    (leaf("input.missing", "eq", None) | {"value": None}, True),
    (leaf("input.amount", "ne", 1), True),
    (leaf("input.amount", "ne", 1500), False),
    (leaf("input.amount", "ne", "1500"), True),
    # ordering: numbers with numbers, strings with strings, else false
    (leaf("input.amount", "gt", 1000), True),
    (leaf("input.amount", "gt", 1500), False),
    (leaf("input.amount", "gte", 1500), True),
    (leaf("input.amount", "lt", 2000), True),
    (leaf("input.amount", "lte", 1499.5), False),
    (leaf("input.when", "gt", "2029-12-31T00:00:00Z"), True),
    (leaf("input.currency", "lt", "USD"), True),
    (leaf("input.amount", "gt", "1000"), False),
    (leaf("input.currency", "gt", 5), False),
    (leaf("input.missing", "lt", 5), False),
    (leaf("data.charge.ok", "gt", 0), False),
    (leaf("input.tags", "gt", []), False),
    # membership
    (leaf("input.country", "in", ["DE", "FR"]), True),
    (leaf("input.country", "in", ["US"]), False),
    (leaf("input.amount", "in", ["1500"]), False),
    (leaf("input.country", "in", "DE"), False),
    (leaf("input.country", "not_in", ["US"]), True),
    (leaf("input.country", "not_in", ["DE"]), False),
    (leaf("input.country", "not_in", "US"), False),
    (leaf("input.tags", "contains", "a"), True),
    (leaf("input.tags", "contains", "z"), False),
    (leaf("input.name", "contains", "Love"), True),
    (leaf("input.name", "contains", 5), False),
    (leaf("input.amount", "contains", 1), False),
    (leaf("input.name", "starts_with", "Ada"), True),
    (leaf("input.name", "starts_with", "Love"), False),
    (leaf("input.name", "ends_with", "lace"), True),
    (leaf("input.amount", "starts_with", "1"), False),
    (leaf("input.name", "ends_with", ["lace"]), False),
    # presence and booleans
    (leaf("input.amount", "exists"), True),
    (leaf("input.missing", "exists"), False),
    (leaf("input.nothing", "exists"), False),
    (leaf("input.missing", "not_exists"), True),
    (leaf("input.amount", "not_exists"), False),
    (leaf("data.charge.ok", "is_true"), True),
    (leaf("input.name", "is_true"), False),
    (leaf("input.amount", "is_true"), False),
    (leaf("input.vip", "is_false"), True),
    (leaf("input.missing", "is_false"), False),
    (leaf("input.amount", "is_false") | {"value": "ignored"}, False),
    # combinators
    ({"all": [leaf("input.amount", "gt", 1), leaf("input.country", "eq", "DE")]}, True),
    ({"all": [leaf("input.amount", "gt", 1), leaf("input.country", "eq", "FR")]}, False),
    ({"any": [leaf("input.amount", "lt", 1), leaf("input.country", "eq", "DE")]}, True),
    ({"any": [leaf("input.amount", "lt", 1), leaf("input.country", "eq", "FR")]}, False),
    ({"not": leaf("input.vip", "is_true")}, True),
    ({"not": {"not": leaf("input.vip", "is_true")}}, False),
    ({"all": []}, True),
    ({"any": []}, False),
]


@pytest.mark.parametrize("cond, expected", CONDITIONS, ids=[json.dumps(c[0])[:60] for c in CONDITIONS])
def test_condition(cond, expected):
    assert evaluate_condition(cond, CONTEXT) is expected


def test_every_op_is_covered():
    from engine.spec.schema import CONDITION_OPS
    used = set()
    stack = [c for c, _ in CONDITIONS]
    while stack:
        cond = stack.pop()
        used.add(cond.get("op"))
        stack.extend(cond.get("all", []) + cond.get("any", []) + ([cond["not"]] if "not" in cond else []))
    assert set(CONDITION_OPS) <= used


@pytest.mark.parametrize("cond", [
    "x", None, {}, {"field": "input.a"}, {"field": "input.a", "op": "like"}, {"op": "eq"},
    {"field": "input.a", "op": ["eq"]}, {"all": "x"}, {"field": "input.[", "op": "exists"},
])
def test_malformed_condition_raises_invalid_input(cond):
    with pytest.raises(InvalidInput):
        evaluate_condition(cond, CONTEXT)


def test_condition_depth_limit():
    cond = leaf("input.amount", "exists")
    for _ in range(9):
        cond = {"not": cond}
    assert evaluate_condition(cond, CONTEXT) is False   # 10 levels: fine
    with pytest.raises(InvalidInput, match="deeper"):
        evaluate_condition({"not": cond}, CONTEXT)


# What a run's data can hold: JSON, so finite numbers and 64-bit integers (the others are refused:
# tests/engine/test_spec__bounded.py).
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2 ** 63), 2 ** 63 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=400, deadline=None)
@given(field=_json_values, op=st.sampled_from(sorted(
    ["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "contains", "starts_with", "ends_with", "exists",
     "not_exists", "is_true", "is_false"])), value=_json_values)
def test_any_types_compare_without_raising(field, op, value):
    result = evaluate_condition({"field": "input.f", "op": op, "value": value}, {"input": {"f": field}})
    assert isinstance(result, bool)


# --- iter_expressions ---------------------------------------------------------------

def test_iter_expressions_covers_every_expression_field():
    nodes = [
        {"type": "task", "input": {"a": "input.a", "b": {"c": "input.c"}},
         "compensation": {"activity": "x", "input": "data.t"}},
        {"type": "http", "url": "https://x/{{ input.id }}/{{ run.id }}", "headers": {"A/B": "{{ input.h }}"},
         "body": "input.body", "compensation": {"activity": "x", "input": {"k": "input.k"}}},
        {"type": "end", "output": {"o": "data.t"}},
        {"type": "subworkflow", "input": "input"},
        {"type": "wait", "until": "input.at"},
        {"type": "choice", "rules": [
            {"id": "r", "condition": {"all": [{"field": "input.a", "op": "exists"},
                                              {"not": {"field": "input.b", "op": "exists"}}]}}]},
    ]
    found = [pair for node in nodes for pair in iter_expressions(node)]
    assert found == [
        ("/input/a", "input.a"), ("/input/b/c", "input.c"), ("/compensation/input", "data.t"),
        ("/url", "input.id"), ("/url", "run.id"), ("/headers/A~1B", "input.h"), ("/body", "input.body"),
        ("/compensation/input/k", "input.k"),
        ("/output/o", "data.t"),
        ("/input", "input"),
        ("/until", "input.at"),
        ("/rules/0/condition/all/0/field", "input.a"), ("/rules/0/condition/all/1/not/field", "input.b"),
    ]


@pytest.mark.parametrize("node", [
    None, [], {"type": "task", "input": 5}, {"type": "http", "url": "{{ broken", "headers": "x"},
    {"type": "choice", "rules": "x"}, {"type": "choice", "rules": [{"condition": {"all": 5}}]}, {"type": ["x"]},
])
def test_iter_expressions_tolerates_malformed_nodes(node):
    assert list(iter_expressions(node)) == [] or all(isinstance(t, str) for _, t in iter_expressions(node))
