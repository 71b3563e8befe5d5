"""Bounded evaluation (engine/spec/bounded.py) and the static cost bound (engine/spec/cost.py).

Work is counted, never timed: every visit of the interpreter is counted here on its
own (``_visits``), and each property asserts that evaluation stayed within the step
budget and either returned finite JSON within the size limits or raised
ExpressionLimit / InvalidInput. Pure: no Django, no database.
"""
from __future__ import annotations

import contextlib
import json
import math

import jmespath
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import ExpressionLimit, InvalidInput
from engine.spec import (Budget, compile_expression, evaluate_condition, evaluate_expression, evaluate_mapping,
                         expansion, render_template)
from engine.spec.validate import validate_spec
from engine.spec import bounded
from engine.spec.retry import retry_delay
from engine.spec.schema import (MAX_ATTEMPTS, MAX_BACKOFF_COEFFICIENT, MAX_EXPRESSION_EXPANSION,
                                MAX_EXPRESSION_LENGTH, MAX_EXPRESSION_STEPS, MAX_EXPRESSION_VALUE_BYTES,
                                MAX_EXPRESSION_VALUE_DEPTH, MAX_RETRY_INTERVAL)

PROPERTY = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SMALL = {"input": {"a": 1, "s": "x" * 20, "items": [{"x": i, "tag": f"t{i}"} for i in range(20)]},
         "data": {}, "run": {"id": "r", "business_key": None}}


@contextlib.contextmanager
def _visits():
    """Counts the interpreter's visits, independently of the budget's own count."""
    counter = {"n": 0}
    original = bounded.BoundedInterpreter.visit

    def visit(self, node, *args, **kwargs):
        counter["n"] += 1
        return original(self, node, *args, **kwargs)
    bounded.BoundedInterpreter.visit = visit
    try:
        yield counter
    finally:
        bounded.BoundedInterpreter.visit = original


def _depth(value) -> int:
    deepest, stack = 0, [(value, 0)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return deepest


def assert_bounded(run):
    """``run(budget)`` evaluates something: within the step budget, it returns finite JSON within
    the limits (json.dumps walks the expansion, so a value that passed cannot be huge), or raises
    ExpressionLimit / InvalidInput. Returns the value, or the exception."""
    budget = Budget()
    with _visits() as visits:
        try:
            value = run(budget)
        except ExpressionLimit as exc:
            assert exc.limit in ("steps", "bytes", "depth", "time", "number", "expansion"), exc
            assert visits["n"] <= MAX_EXPRESSION_STEPS + 1, visits
            return exc
        except InvalidInput as exc:
            return exc
    assert visits["n"] <= budget.used <= MAX_EXPRESSION_STEPS, (visits, budget.used)
    text = json.dumps(value, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    assert len(text) <= MAX_EXPRESSION_VALUE_BYTES, len(text)
    assert _depth(value) <= MAX_EXPRESSION_VALUE_DEPTH
    return value


def evaluate_unchecked(text: str, context, budget: Budget):
    """The run-time limits alone: jmespath's parse, none of compile_expression's refusals."""
    try:
        return bounded.evaluate(jmespath.compile(text).parsed, context, budget)
    except jmespath.exceptions.JMESPathError as exc:   # a function given the wrong type
        raise InvalidInput(str(exc)) from None


def pipes(k: int, part: str = "[@,@]") -> str:
    return "|".join([part] * k) if k else "@"


# --- The [@,@] family: refused statically past 2^13, bounded at run time whatever k --------

@pytest.mark.parametrize("k", range(64))
def test_doubling_pipes_are_refused_past_the_bound_and_bounded_at_run_time(k):
    text = pipes(k)
    assert expansion(jmespath.compile(text).parsed) == 2 ** k
    if 2 ** k > MAX_EXPRESSION_EXPANSION:
        with pytest.raises(ExpressionLimit, match="times the size of its input") as refused:
            compile_expression(text)
        assert refused.value.limit == "expansion"
    else:
        assert_bounded(lambda budget: evaluate_expression(text, SMALL, budget=budget))
    # What the validator would have let through, at run time: stopped by size, before anything walks it.
    for wrapped in (text, f"to_string({text})", f"length(to_string({text}))", f"contains({text}, `1`)",
                    f"sort(to_array(to_string({text})))", f"[{text}] == [{text}]", f"join(',', [to_string({text})])"):
        outcome = assert_bounded(lambda budget: evaluate_unchecked(wrapped, SMALL, budget))
        if k >= 20:
            assert isinstance(outcome, ExpressionLimit) and outcome.limit in ("bytes", "steps"), (wrapped, outcome)


def test_k63_stops_after_a_few_hundred_steps():
    budget = Budget()
    with pytest.raises(ExpressionLimit, match="bytes") as stopped:
        evaluate_unchecked(pipes(63), SMALL, budget)
    assert stopped.value.limit == "bytes" and budget.used < 2000, budget.used


def test_walking_a_shared_expansion_is_charged_per_expanded_element():
    # 2^12 copies of a 101-element input: 1.6 MB, under the size limit, but to_string would walk
    # 400,000 elements. Building it costs a few steps; writing it out is charged before it happens.
    built, written = Budget(), Budget()
    evaluate_unchecked(pipes(12), {"input": list(range(100))}, built)
    assert built.used < 300
    with pytest.raises(ExpressionLimit, match="steps"):
        evaluate_unchecked(f"to_string({pipes(12)})", {"input": list(range(100))}, written)


def test_deep_equality_of_two_expansions_is_charged():
    budget = Budget(steps=50_000)
    with pytest.raises(ExpressionLimit, match="steps"):
        evaluate_unchecked(f"({pipes(10)}) == ({pipes(10)})", {"input": list(range(100))}, budget)


# --- Each limit, by name -------------------------------------------------------------------

def test_each_limit_says_which_it_is():
    big = {"input": {"items": list(range(100_000))}}
    cases = [
        ("input.items[?@ > `5`]", big, "steps", "MAX_EXPRESSION_STEPS"),
        ("[input, input, input, input, input, input, input, input, input, input]",
         {"input": "x" * 500_000}, "bytes", "MAX_EXPRESSION_VALUE_BYTES"),
        (pipes(50, "[[[@]]]"), {"input": 1}, "depth", "MAX_EXPRESSION_VALUE_DEPTH"),
        ("sum(input)", {"input": [1e308, 1e308]}, "number", "out of range"),
    ]
    for text, context, limit, named in cases:
        with pytest.raises(ExpressionLimit, match=named) as stopped:
            evaluate_expression(text, context)
        assert stopped.value.limit == limit and stopped.value.error_type == "ExpressionLimit"
        assert isinstance(stopped.value, InvalidInput)   # every caller's `except InvalidInput` sees it


def test_the_cpu_deadline_is_checked_during_evaluation():
    budget = Budget(cpu_seconds=0)
    with pytest.raises(ExpressionLimit, match="CPU") as stopped:
        evaluate_expression("input[?@ > `5`]", {"input": list(range(2000))}, budget=budget)
    assert stopped.value.limit == "time" and budget.used < 1000


def test_a_mapping_shares_one_budget_and_one_size_limit():
    leaf = "input.items[?@ > `5`]"
    context = {"input": {"items": list(range(20_000))}}
    assert len(evaluate_expression(leaf, context)) == 19_994   # one leaf fits
    with pytest.raises(ExpressionLimit, match="steps"):
        evaluate_mapping({f"k{i}": leaf for i in range(10)}, context)
    # Each leaf under the size limit, the mapping over it (the same value 20 times, expanded).
    blob = {"input": "x" * 300_000}
    assert len(evaluate_expression("input", blob)) == 300_000
    with pytest.raises(ExpressionLimit, match="bytes"):
        evaluate_mapping({f"k{i}": "input" for i in range(20)}, blob)


def test_a_choice_shares_one_budget_across_its_rules():
    from engine.nodes.choice import choice_branch
    rule = {"field": "length(input[?@ > `5`])", "op": "eq", "value": -1}
    node = {"rules": [{"id": f"r{i}", "condition": rule} for i in range(20)]}
    assert choice_branch({"rules": node["rules"][:1]}, {"input": list(range(30_000))}) == "default"
    with pytest.raises(ExpressionLimit, match="steps"):
        choice_branch(node, {"input": list(range(30_000))})


def test_templates_are_bounded_as_a_whole():
    context = {"input": {"s": "x" * 1_000_000}}
    assert len(render_template("{{ input.s }}", context)) == 1_000_000
    with pytest.raises(ExpressionLimit, match="bytes"):
        render_template("{{ input.s }}/{{ input.s }}/{{ input.s }}/{{ input.s }}/{{ input.s }}", context)


def test_conditions_comparing_a_big_field_are_charged():
    context = {"input": [list(range(100))] * 3000}   # 300,000 elements, shared
    with pytest.raises(ExpressionLimit, match="steps"):
        evaluate_condition({"field": "input", "op": "contains", "value": [1]}, context)


def test_context_values_that_are_not_json_numbers_are_refused():
    for value in (math.inf, -math.inf, math.nan, 2 ** 63, -(2 ** 63) - 1):
        with pytest.raises(ExpressionLimit, match="out of range"):
            evaluate_expression("input.x", {"input": {"x": value}})
    assert evaluate_expression("input.x", {"input": {"x": 2 ** 63 - 1}}) == 2 ** 63 - 1


@pytest.mark.parametrize("text", ["`1e400`", "`-1e400`", "`NaN`", "`Infinity`", "`[1, {\"a\": -Infinity}]`",
                                  "`9223372036854775808`", "`-9223372036854775809`"])
def test_number_literals_out_of_range_are_refused_when_compiling(text):
    with pytest.raises(ExpressionLimit, match="out of range") as refused:
        compile_expression(text)
    assert refused.value.limit == "number"
    errors = validate_spec(_spec_with_input(text), activity_exists={"x"})
    assert [e["code"] for e in errors] == ["spec.E029"], errors


@pytest.mark.parametrize("text, expected", [
    ("to_number('1.0e999')", "number"), ("to_number('-1e999')", "number"), ("to_number('nan')", "number"),
    ("to_number('inf')", "number"), ("to_number('9223372036854775808')", "number"),
    ("sum([`1e308`, `1e308`])", "number"), ("avg([`1e308`, `1e308`])", "number"), ("ceil(`1e300`)", "number"),
    ("abs(`-9223372036854775808`)", "number"), ("to_number('9223372036854775807')", 2 ** 63 - 1),
    ("to_number('1e308')", 1e308), ("sum([`1e307`, `1e307`])", 2e307),
])
def test_functions_producing_numbers_out_of_range_are_refused(text, expected):
    if isinstance(expected, str):
        with pytest.raises(ExpressionLimit) as stopped:
            evaluate_expression(text, SMALL)
        assert stopped.value.limit == expected
    else:
        assert evaluate_expression(text, SMALL) == expected


def test_to_number_of_huge_strings_is_linear_and_refused():
    for digits in (101, 4301, 100_000):
        budget = Budget()
        with pytest.raises(ExpressionLimit, match="out of range"):
            evaluate_expression("to_number(input)", {"input": "9" * digits}, budget=budget)
        assert budget.used < 10
    assert evaluate_expression("to_number(input)", {"input": "a" * 100_000}) is None


def test_join_refuses_before_building_a_huge_string():
    context = {"input": {"sep": "x" * 10_000, "parts": ["a"] * 1000}}
    budget = Budget()
    with pytest.raises(ExpressionLimit, match="bytes"):
        evaluate_expression("join(input.sep, input.parts)", context, budget=budget)
    assert budget.used < 2000


def test_ordinary_expressions_cost_little():
    context = {"input": {"amount": 10, "items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 3}]}}
    for text in ["input.amount", "input.items[?qty > `1`].sku", "sort_by(input.items, &qty)[-1].sku",
                 "{total: input.amount, skus: input.items[*].sku}", "join(',', input.items[*].sku)"]:
        budget = Budget()
        evaluate_expression(text, context, budget=budget)
        assert budget.used < 100, (text, budget.used)


# --- Generated expressions and numbers: bounded, or refused with the right code -------------

_PART = st.sampled_from(["[@,@]", "[@,@,@]", "{a: @, b: @}", "[@, [@]]", "[[@,@],[@,@]]", "@", "[@]",
                         "[*]", "[]", "input", "input.items", "input.items[*].[@,@,@,@]", "values(@)", "to_array(@)",
                         "merge({a: @}, {b: @})", "map(&[@,@], to_array(@))", "sort_by(to_array(@), &to_string(@))",
                         "[?@ != `null`]"])
_WRAP = st.sampled_from(["X", "to_string(X)", "length(to_string(X))", "contains(to_array(X), `1`)", "(X) == (X)",
                         "not_null(X, `1`)", "type(X)", "{x: X}", "[X][0]", "sort(map(&to_string(@), to_array(X)))"])


@st.composite
def expressions(draw):
    return draw(_WRAP).replace("X", "|".join(draw(st.lists(_PART, min_size=1, max_size=63))))


@st.composite
def contexts(draw):
    items = draw(st.integers(0, 2000))
    return {"input": {"a": 1, "items": [{"x": i} for i in range(items)], "s": "y" * draw(st.integers(0, 5000))},
            "data": {}, "run": {"id": "r", "business_key": None}}


def _spec_with_input(text: str) -> dict:
    return {"schema_version": 1, "nodes": [{"id": "start", "type": "start"},
                                           {"id": "t", "type": "task", "activity": "x", "input": {"v": text}},
                                           {"id": "end", "type": "end"}],
            "edges": [{"id": "e1", "source": "start", "target": "t"}, {"id": "e2", "source": "t", "target": "end"}]}


@PROPERTY
@given(text=expressions(), context=contexts())
def test_generated_expressions_are_refused_or_bounded(text, context):
    errors = validate_spec(_spec_with_input(text), activity_exists={"x"})
    codes = {e["code"] for e in errors}
    if len(text) > MAX_EXPRESSION_LENGTH:
        assert codes == {"spec.E020"}, errors
        return
    try:
        parsed = jmespath.compile(text)
    except jmespath.exceptions.JMESPathError:
        assert codes == {"spec.E015"}, errors
        return
    if "spec.E015" in codes:   # nested too deep for the parser: refused before its cost is estimated
        assert codes == {"spec.E015"}, errors
    else:
        provably = expansion(parsed.parsed) > MAX_EXPRESSION_EXPANSION
        assert codes == ({"spec.E028"} if provably else set()), (errors, expansion(parsed.parsed))
    if not errors:   # accepted: bounded at run time on any data
        assert_bounded(lambda budget: evaluate_expression(text, context, budget=budget))
    # Refused or not, the run-time limits alone bound it too.
    assert_bounded(lambda budget: evaluate_unchecked(text, context, budget))


_NUMBERS = st.one_of(st.floats(), st.integers(-(2 ** 80), 2 ** 80), st.sampled_from(
    [1e308, -1e308, 1.7976931348623157e308, 5e-324, 2 ** 63 - 1, 2 ** 63, -(2 ** 63), -(2 ** 63) - 1]))


def _literal(number) -> str:
    return f"`{json.dumps(number)}`"   # json spells inf/nan as Infinity/NaN, which jmespath reads back


@PROPERTY
@given(a=_NUMBERS, b=_NUMBERS, function=st.sampled_from(["sum([{a}, {b}])", "avg([{a}, {b}])", "abs({a})",
                                                         "ceil({a})", "floor({a})", "max([{a}, {b}])",
                                                         "to_number(to_string({a}))", "[{a}, {b}]", "{a}"]))
def test_generated_numbers_are_finite_64_bit_or_refused(a, b, function):
    text = function.format(a=_literal(a), b=_literal(b))
    literals_ok = all(bounded.number_ok(n) for n in ((a, b) if "{b}" in function else (a,)))
    errors = validate_spec(_spec_with_input(text), activity_exists={"x"})
    if not literals_ok:
        assert {e["code"] for e in errors} == {"spec.E029"}, errors
        with pytest.raises(ExpressionLimit):
            evaluate_expression(text, SMALL)
        return
    assert errors == [], errors
    outcome = assert_bounded(lambda budget: evaluate_expression(text, SMALL, budget=budget))
    if isinstance(outcome, ExpressionLimit):
        assert outcome.limit == "number"


@PROPERTY
@given(digits=st.integers(1, 200_000), prefix=st.sampled_from(["", "-", "0.", "1e", " "]))
def test_to_number_of_generated_long_strings(digits, prefix):
    outcome = assert_bounded(lambda budget: evaluate_expression("to_number(input)", {"input": prefix + "9" * digits},
                                                                budget=budget))
    if not isinstance(outcome, Exception) and outcome is not None:
        assert bounded.number_ok(outcome)


@PROPERTY
@given(depth=st.integers(1, 40), width=st.integers(1, 6))
def test_nested_multiselects_are_refused_or_bounded(depth, width):
    text = "@"
    for _ in range(depth):
        text = "[" + ",".join([text] * width) + "]" if len(text) * width < MAX_EXPRESSION_LENGTH else text
    try:
        compile_expression(text)
    except ExpressionLimit as exc:
        assert exc.limit == "expansion" and expansion(jmespath.compile(text).parsed) > MAX_EXPRESSION_EXPANSION
    except InvalidInput:
        pass   # nested deeper than the parser allows
    else:
        assert_bounded(lambda budget: evaluate_expression(text, SMALL, budget=budget))


@pytest.mark.parametrize("part", ["@", "input", "[0]", "a", "@.a", "[@][0]"])
@pytest.mark.parametrize("n", [10, 60, 200, 499])
def test_long_pipes_of_cheap_parts_are_refused_as_deep_or_cheap(part, n):
    text = "|".join([part] * min(n, (MAX_EXPRESSION_LENGTH + 1) // (len(part) + 1)))
    try:
        compile_expression(text)
    except InvalidInput as exc:
        assert not isinstance(exc, ExpressionLimit) and ("nested" in str(exc) or "deep" in str(exc))
        return
    budget = Budget()
    evaluate_expression(text, SMALL, budget=budget)
    assert budget.used < 2000


# --- The static estimate ----------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("input.a", 1), ("[@,@]", 2), ("[@,@]|[@,@]", 4), ("{a: @, b: @, c: @}", 3), ("input.items[*].[@,@]", 2),
    ("[@,@][*].[@,@]", 4), ("length(to_string([@,@]|[@,@]|[@,@]))", 8), ("map(&[@,@], [@,@])", 4),
    ("sort_by([@,@], &length([@,@,@]))", 6), ("`[1,2,3]`", 1), ("[@,@] || [@,@,@]", 3),
])
def test_expansion_estimates(text, expected):
    assert expansion(jmespath.compile(text).parsed) == expected


# --- Retry arithmetic at its maxima ------------------------------------------------------------

@PROPERTY
@given(attempt=st.integers(1, 10 ** 9), initial=st.floats(5e-324, MAX_RETRY_INTERVAL),
       cap=st.floats(5e-324, MAX_RETRY_INTERVAL), coefficient=st.floats(1, MAX_BACKOFF_COEFFICIENT),
       jitter=st.floats(0, 1), rand=st.floats(0, 1, exclude_max=True))
def test_retry_delay_never_overflows_and_never_passes_max_interval(attempt, initial, cap, coefficient, jitter, rand):
    policy = {"initial_interval": initial, "max_interval": max(initial, cap), "backoff_coefficient": coefficient,
              "jitter": jitter}
    delay = retry_delay(policy, attempt, rand=lambda: rand)
    assert 0 <= delay <= policy["max_interval"] and math.isfinite(delay)


def test_retry_delay_at_the_maxima():
    policy = {"initial_interval": MAX_RETRY_INTERVAL, "max_interval": MAX_RETRY_INTERVAL,
              "backoff_coefficient": MAX_BACKOFF_COEFFICIENT, "jitter": 1}
    for attempt in (1, 2, MAX_ATTEMPTS - 1, MAX_ATTEMPTS):
        assert 0 <= retry_delay(policy, attempt, rand=lambda: 0.999) <= MAX_RETRY_INTERVAL
    assert retry_delay({"initial_interval": 1, "backoff_coefficient": 2, "max_interval": 60, "jitter": 0}, 5000,
                       rand=lambda: 0.5) == 60


# --- What Python refuses that jmespath lets through: InvalidInput, never another exception -----

@pytest.mark.parametrize("text, context, expected", [
    ("`1` < 'a'", {}, None),                                   # Python: TypeError
    ("input[?@ < 'b']", {"input": [1, "a", "c"]}, ["a"]),      # mixed data in a filter
    ("`true` < `1`", {}, None),
])
def test_ordering_mixed_types_is_null(text, context, expected):
    assert evaluate_expression(text, context) == expected


@pytest.mark.parametrize("text, context, limit", [
    ("min_by(input, &a)", {"input": [{"a": 1}, {"a": "x"}]}, None),    # Python: TypeError
    ("max_by(input, &a)", {"input": [{"a": 1}, {"a": "x"}]}, None),
    ("sum(input)", {"input": [10 ** 400, 1.5]}, "number"),              # Python: OverflowError
])
def test_python_errors_on_the_data_are_invalid_input(text, context, limit):
    with pytest.raises(InvalidInput) as failed:
        evaluate_expression(text, context)
    assert getattr(failed.value, "limit", None) == limit


def test_a_zero_slice_step_is_refused_when_compiling():
    with pytest.raises(InvalidInput, match="step cannot be 0"):
        compile_expression("input[::0]")   # Python: ValueError at evaluation
    assert {e["code"] for e in validate_spec(_spec_with_input("input[::0]"), activity_exists={"x"})} == {"spec.E015"}


# Any expression over any JSON: a value or InvalidInput, never another exception (an escaped
# TypeError or ValueError would leave a step scheduled forever, re-sent on every claim).
_FUNCTION_ARITY = {"abs": 1, "avg": 1, "ceil": 1, "contains": 2, "ends_with": 2, "floor": 1, "join": 2,
                   "keys": 1, "length": 1, "max": 1, "merge": 2, "min": 1, "not_null": 2, "reverse": 1,
                   "sort": 1, "starts_with": 2, "sum": 1, "to_array": 1, "to_number": 1, "to_string": 1,
                   "type": 1, "values": 1}
_LEAF_EXPRESSIONS = st.sampled_from(["@", "input", "input.a", "input.b", "input[0]", "input[-1]", "input[::2]",
                                     "input[::-1]", "input[*]", "input[]", "input.*", "`1`", "`\"s\"`", "'x'",
                                     "`[1, \"a\", null, true]`", "`{\"a\": 1}`", "`null`", "`1e308`", "`-3`"])


def _combine(children):
    binary = st.tuples(children, children)
    return st.one_of(
        st.builds(lambda a, b: f"{a}.{b}" if b.isidentifier() else f"{a} | {b}", children, children),
        st.builds(lambda ab: f"[{ab[0]}, {ab[1]}]", binary),
        st.builds(lambda ab: f"{{k: {ab[0]}, j: {ab[1]}}}", binary),
        st.builds(lambda ab, op: f"({ab[0]}) {op} ({ab[1]})", binary, st.sampled_from(["<", "<=", ">", ">=", "==",
                                                                                         "!=", "||", "&&"])),
        st.builds(lambda a: f"!({a})", children),
        st.builds(lambda ab: f"({ab[0]})[?{ab[1]}]", binary),
        st.builds(lambda a, b: f"({a})[*].{b}" if b.isidentifier() else f"({a})[*]", children, children),
        st.builds(lambda name, ab: f"{name}({', '.join(ab[:_FUNCTION_ARITY[name]])})",
                  st.sampled_from(sorted(_FUNCTION_ARITY)), binary),
        st.builds(lambda name, ab: f"{name}({ab[0]}, &{ab[1]})", st.sampled_from(["sort_by", "min_by", "max_by"]),
                  binary),
        st.builds(lambda ab: f"map(&{ab[0]}, {ab[1]})", binary),
    )


_ANY_EXPRESSION = st.recursive(_LEAF_EXPRESSIONS, _combine, max_leaves=8)
_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2 ** 63), 2 ** 63 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
    max_leaves=12)


@settings(PROPERTY, max_examples=400)
@given(text=_ANY_EXPRESSION, data=_ANY_JSON)
def test_any_expression_over_any_json_is_a_value_or_invalid_input(text, data):
    try:
        compile_expression(text)
    except InvalidInput:
        return
    assert_bounded(lambda budget: evaluate_expression(text, {"input": data}, budget=budget))
