"""Conditions: the choice node's rules (``{"field": expr, "op": ..., "value": ...}``,
combined with all / any / not), evaluated on JSON values with JSON's types."""
from __future__ import annotations

from typing import Any, Iterator

from engine.errors import ExpressionLimit, InvalidInput
from engine.spec.bounded import Budget
from engine.spec.expressions import evaluate_expression, shorten
from engine.spec.schema import MAX_CONDITION_DEPTH


def _kind(value: Any) -> str:
    # JSON's types; bool is not a number here (Python says True == 1).
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "other"


def json_equal(a: Any, b: Any) -> bool:
    """Equality with JSON's types: 1 == 1.0, but true != 1 and "1" != 1."""
    kind = _kind(a)
    if kind != _kind(b):
        return False
    if kind == "array":
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if kind == "object":
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return a == b


def _ordered(a: Any, b: Any) -> bool:
    kind = _kind(a)
    return kind == _kind(b) and kind in ("number", "string")


def _member(value: Any, items: Any) -> bool:
    return isinstance(items, list) and any(json_equal(value, item) for item in items)


_OPS = {
    "eq": json_equal,
    "ne": lambda a, b: not json_equal(a, b),
    "gt": lambda a, b: _ordered(a, b) and a > b,
    "gte": lambda a, b: _ordered(a, b) and a >= b,
    "lt": lambda a, b: _ordered(a, b) and a < b,
    "lte": lambda a, b: _ordered(a, b) and a <= b,
    "in": _member,
    "not_in": lambda a, b: isinstance(b, list) and not _member(a, b),
    "contains": lambda a, b: (isinstance(a, str) and isinstance(b, str) and b in a)
    or (isinstance(a, list) and _member(b, a)),
    "starts_with": lambda a, b: isinstance(a, str) and isinstance(b, str) and a.startswith(b),
    "ends_with": lambda a, b: isinstance(a, str) and isinstance(b, str) and a.endswith(b),
    "exists": lambda a, _: a is not None,
    "not_exists": lambda a, _: a is None,
    "is_true": lambda a, _: a is True,
    "is_false": lambda a, _: a is False,
}


def evaluate_condition(cond: dict, context: Any, *, budget: Budget | None = None) -> bool:
    """Does ``cond`` hold? Mismatched types compare false instead of raising;
    InvalidInput only for a malformed condition or an expression that fails
    (ExpressionLimit past a limit: its fields share ``budget``)."""
    return _condition(cond, context, 1, Budget() if budget is None else budget)


def _condition(cond: Any, context: Any, depth: int, budget: Budget) -> bool:
    if depth > MAX_CONDITION_DEPTH:
        raise InvalidInput(f"condition nested deeper than {MAX_CONDITION_DEPTH}")
    if not isinstance(cond, dict):
        raise InvalidInput("a condition must be an object")
    if "all" in cond:
        return all(_condition(c, context, depth + 1, budget) for c in _items(cond["all"]))
    if "any" in cond:
        return any(_condition(c, context, depth + 1, budget) for c in _items(cond["any"]))
    if "not" in cond:
        return not _condition(cond["not"], context, depth + 1, budget)
    op = cond.get("op")
    op = _OPS.get(op) if isinstance(op, str) else None
    if op is None or "field" not in cond:
        raise InvalidInput(f"a condition needs all, any, not or field and a known op (op {cond.get('op')!r})")
    field = evaluate_expression(cond["field"], context, budget=budget)
    if isinstance(field, (list, dict)) and cond["op"] in ("eq", "ne", "contains"):
        try:   # compared element by element with the literal value
            budget.spend(budget.elements(field))
        except ExpressionLimit as exc:
            raise ExpressionLimit(f"condition on {shorten(cond['field'])!r} stopped: {exc}", limit=exc.limit) from None
    return bool(op(field, cond.get("value")))


def _items(value: Any) -> list:
    if not isinstance(value, list):
        raise InvalidInput("all/any takes a list of conditions")
    return value



def condition_expressions(cond: Any, path: str) -> Iterator[tuple[str, str]]:
    stack = [(cond, path, 1)]
    while stack:
        value, at, depth = stack.pop()
        if not isinstance(value, dict) or depth > MAX_CONDITION_DEPTH:
            continue
        for key in ("all", "any"):
            if isinstance(value.get(key), list):
                stack.extend((c, f"{at}/{key}/{i}", depth + 1) for i, c in reversed(list(enumerate(value[key]))))
        if "not" in value:
            stack.append((value["not"], f"{at}/not", depth + 1))
        if isinstance(value.get("field"), str):
            yield f"{at}/field", value["field"]
