"""Expressions: jmespath only, never eval/exec.

jmespath walks plain JSON (dicts, lists, scalars); it cannot reach Python
attributes, files or the network. The checks here close what remains: unknown
functions and wrong arities are rejected when compiling (jmespath itself only
notices at evaluation), expression references (``&expr``) may only be passed to
the functions that take them (elsewhere they would leak a Python object into a
step's input), nesting is bounded so the recursive parser and evaluator stay far
from Python's recursion limit, number literals must be finite 64-bit values, and
an expression that can provably build too much (``[@,@]|[@,@]|...``) is refused
(engine/spec/cost.py). Evaluation is bounded as it runs (engine/spec/bounded.py):
every evaluation below takes an optional ``budget`` that several evaluations
can share, and fails with ExpressionLimit past any limit.

Context for every expression::

    {"input": <run input>, "data": {<node_id>: <that step's output>, ...},
     "run": {"id": ..., "business_key": ...}}
"""
from __future__ import annotations

import functools
import json
import urllib.parse
from typing import Any, Iterator

import jmespath
from jmespath import exceptions as jmespath_errors
from jmespath.functions import Functions
from jmespath.lexer import Lexer

from engine.errors import ExpressionLimit, InvalidInput
from engine.spec.bounded import Budget, evaluate, number_error, number_ok
from engine.spec.cost import check_expansion
from engine.spec.schema import (
    MAX_CONDITION_DEPTH,
    MAX_EXPRESSION_AST_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_EXPRESSION_NESTING,
    MAX_JSON_DEPTH,
)

_FUNCTIONS = Functions.FUNCTION_TABLE
# Functions whose argument at this index is an expression reference.
_EXPREF_ARGS = {("map", 0), ("sort_by", 1), ("min_by", 1), ("max_by", 1)}
_OPENERS = {"lparen", "lbracket", "lbrace", "filter"}
_CLOSERS = {"rparen", "rbracket", "rbrace"}


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _check_nesting(text: str) -> None:
    # The lexer is iterative: bound bracket nesting before the recursive parser runs.
    depth = 0
    for token in Lexer().tokenize(text):
        kind = token["type"]
        if kind in _OPENERS:
            depth += 1
            if depth > MAX_EXPRESSION_NESTING:
                raise InvalidInput(f"expression {_short(text)!r} is nested deeper than "
                                   f"{MAX_EXPRESSION_NESTING} brackets")
        elif kind in _CLOSERS:
            depth -= 1


def _check_ast(text: str, root: dict) -> None:
    stack = [(root, 1, None, None)]
    while stack:
        node, depth, parent_function, arg_index = stack.pop()
        if depth > MAX_EXPRESSION_AST_DEPTH:
            raise InvalidInput(f"expression {_short(text)!r} is too deeply nested")
        kind = node.get("type")
        if kind == "expref" and (parent_function, arg_index) not in _EXPREF_ARGS:
            raise InvalidInput(f"expression {_short(text)!r}: '&' references are only allowed as the "
                               f"expression argument of map, sort_by, min_by or max_by")
        if kind == "literal" and _json_depth(node.get("value")) > MAX_JSON_DEPTH:
            raise InvalidInput(f"expression {_short(text)!r}: literal nested deeper than {MAX_JSON_DEPTH}")
        if kind == "literal":
            _check_numbers(text, node.get("value"))
        if kind == "slice" and node.get("children", [None] * 3)[2] == 0:
            raise InvalidInput(f"expression {_short(text)!r}: a slice's step cannot be 0")
        name = node.get("value") if kind == "function_expression" else None
        if kind == "function_expression":
            spec = _FUNCTIONS.get(name)
            if spec is None:
                raise InvalidInput(f"expression {_short(text)!r}: unknown function {name}()")
            signature, given = spec["signature"], len(node.get("children", []))
            variadic = bool(signature) and signature[-1].get("variadic")
            if (given < len(signature)) if variadic else (given != len(signature)):
                raise InvalidInput(f"expression {_short(text)!r}: {name}() takes "
                                   f"{'at least ' if variadic else ''}{len(signature)} argument(s), got {given}")
        for index, child in enumerate(node.get("children", [])):
            if isinstance(child, dict):
                stack.append((child, depth + 1, name, index))


def _check_numbers(text: str, literal: Any) -> None:
    # jmespath reads `1e400` as inf and `NaN` as nan; neither is JSON, nor storable.
    stack = [literal]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and not number_ok(value):
            raise ExpressionLimit(f"expression {_short(text)!r}: {number_error(value)}", limit="number")


def _json_depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list) and depth <= MAX_JSON_DEPTH:
            stack.extend((item, depth + 1) for item in value)
    return deepest


@functools.lru_cache(maxsize=4096)
def _compile(text: str):
    try:
        if sum(map(text.count, "([{")) > MAX_EXPRESSION_NESTING:   # else nesting cannot exceed it: skip a lexer pass
            _check_nesting(text)
        parsed = jmespath.compile(text)
    except jmespath_errors.JMESPathError as exc:
        raise InvalidInput(f"expression {_short(text)!r} does not parse: {_parse_problem(exc)}") from None
    except RecursionError:
        raise InvalidInput(f"expression {_short(text)!r} is too deeply nested") from None
    _check_ast(text, parsed.parsed)
    check_expansion(parsed.parsed, _short(text))
    return parsed


def _parse_problem(exc: Exception) -> str:
    # jmespath's own str() spans three lines (expression and a caret).
    if isinstance(exc, jmespath_errors.IncompleteExpressionError):
        return "it ends too early"
    if isinstance(exc, jmespath_errors.LexerError):
        return f"{exc.message} at column {exc.lexer_position}"
    if isinstance(exc, jmespath_errors.ParseError):
        shown = exc.token_value not in (None, "") and str(exc.token_value) not in exc.msg
        token = f" {exc.token_value!r}" if shown else ""
        return f"{exc.msg.lower()}{token} at column {exc.lex_position}"
    return _first_line(exc)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().split("\n")[0]


def compile_expression(text: str):
    """The parsed expression (cached); InvalidInput says why it is rejected."""
    if not isinstance(text, str):
        raise InvalidInput(f"an expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise InvalidInput(f"expression is {len(text)} characters long (max {MAX_EXPRESSION_LENGTH})")
    if not text.strip():
        raise InvalidInput("an expression must not be empty")
    return _compile(text)


def evaluate_expression(text: str, context: Any, *, budget: Budget | None = None) -> Any:
    """The expression's value against ``context``; None when a field is missing.
    InvalidInput when it does not compile or fails on this data (e.g. a function
    given the wrong type); ExpressionLimit (an InvalidInput) past a limit on its cost
    or its numbers, spending ``budget`` (default: a fresh one)."""
    parsed = compile_expression(text)
    try:
        return evaluate(parsed.parsed, context, Budget() if budget is None else budget)
    except ExpressionLimit as exc:
        raise ExpressionLimit(f"expression {_short(text)!r} stopped: {exc}", limit=exc.limit) from None
    except InvalidInput as exc:
        raise InvalidInput(f"expression {_short(text)!r} failed: {exc}") from None
    except jmespath_errors.JMESPathError as exc:
        raise InvalidInput(f"expression {_short(text)!r} failed: {_first_line(exc)}") from None
    except RecursionError:
        raise InvalidInput(f"expression {_short(text)!r} failed: data too deeply nested") from None
    except OverflowError as exc:   # float arithmetic on an integer too large for a float
        raise ExpressionLimit(f"expression {_short(text)!r} stopped: a number is out of range ({exc})",
                              limit="number") from None
    except (TypeError, ValueError) as exc:   # Python refusing what jmespath let through (min_by of 1 and 'a')
        raise InvalidInput(f"expression {_short(text)!r} failed: {exc}") from None


def evaluate_mapping(mapping: Any, context: Any, *, budget: Budget | None = None) -> Any:
    """A mapping's value: one expression string, or an object of mappings. Its
    expressions share one budget, and the whole value is within the size limit."""
    budget = Budget() if budget is None else budget
    value = _mapping(mapping, context, budget)
    try:
        budget.measure(value)
    except ExpressionLimit as exc:
        raise ExpressionLimit(f"mapping stopped: {exc}", limit=exc.limit) from None
    return value


def _mapping(mapping: Any, context: Any, budget: Budget) -> Any:
    if isinstance(mapping, str):
        return evaluate_expression(mapping, context, budget=budget)
    if isinstance(mapping, dict):
        return {key: _mapping(value, context, budget) for key, value in mapping.items()}
    raise InvalidInput(f"a mapping must be an expression string or an object, got {type(mapping).__name__}")


def task_input(node: dict, context: dict, *, budget: Budget | None = None) -> Any:
    """A task's or subworkflow's input: its ``input`` mapping, else the run's input."""
    if "input" in node:
        return evaluate_mapping(node["input"], context, budget=budget)
    return context.get("input")


def _split_template(text: str) -> list[tuple[str, str]]:
    parts: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        opening, closing = text.find("{{", position), text.find("}}", position)
        if closing != -1 and (opening == -1 or closing < opening):
            raise InvalidInput(f"template {_short(text)!r}: '}}}}' without a matching '{{{{' at {closing}")
        if opening == -1:
            parts.append(("text", text[position:]))
            break
        end = text.find("}}", opening + 2)
        if end == -1:
            raise InvalidInput(f"template {_short(text)!r}: '{{{{' at {opening} is never closed")
        expression = text[opening + 2:end].strip()
        if not expression or "{{" in expression:
            raise InvalidInput(f"template {_short(text)!r}: empty or nested placeholder at {opening}")
        if opening > position:
            parts.append(("text", text[position:opening]))
        parts.append(("expr", expression))
        position = end + 2
    return parts


@functools.lru_cache(maxsize=1024)
def parse_template(text: str) -> tuple[tuple[str, str], ...]:
    """Split ``text`` into ("text", literal) and ("expr", expression) parts.

    Placeholders are ``{{ expr }}``; an expression may not contain "}}" (write
    "} }"). There is no escape for a literal "{{". A lone "}}", an unclosed
    "{{" or an empty placeholder raises InvalidInput, as does an expression
    that does not compile.
    """
    if not isinstance(text, str):
        raise InvalidInput(f"a template must be a string, got {type(text).__name__}")
    parts = _split_template(text)
    for kind, part in parts:
        if kind == "expr":
            compile_expression(part)
    return tuple(parts)


def template_error(text: str) -> str | None:
    """Why ``text``'s braces are broken, or None. Expressions are not compiled."""
    try:
        _split_template(text)
    except InvalidInput as exc:
        return str(exc)
    return None


def _stringify(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    # JSON spelling for the rest: true/false, 42, 1.5, {"a":1}.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def render_template(text: str, context: Any, *, quote: bool = False, budget: Budget | None = None) -> str:
    """Fill each ``{{ expr }}``; null renders as "". ``quote`` percent-encodes
    every substituted value (including "/"), for URLs; literal text is kept.
    The placeholders share ``budget``; the text as a whole is within the size limit."""
    budget = Budget() if budget is None else budget
    out, size = [], 0
    for kind, part in parse_template(text):
        if kind == "text":
            out.append(part)
        else:
            value = _stringify(evaluate_expression(part, context, budget=budget))
            out.append(urllib.parse.quote(value, safe="") if quote else value)
        size += len(out[-1])
        if size > budget.max_bytes:
            raise ExpressionLimit(f"template {_short(text)!r} stopped: {budget.too_big()}", limit="bytes")
    return "".join(out)


# --- Conditions ---------------------------------------------------------------

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
            raise ExpressionLimit(f"condition on {_short(cond['field'])!r} stopped: {exc}", limit=exc.limit) from None
    return bool(op(field, cond.get("value")))


def _items(value: Any) -> list:
    if not isinstance(value, list):
        raise InvalidInput("all/any takes a list of conditions")
    return value


# --- For the validator ----------------------------------------------------------

def _pointer_part(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _mapping_expressions(mapping: Any, path: str) -> Iterator[tuple[str, str]]:
    stack = [(mapping, path)]
    while stack:
        value, at = stack.pop()
        if isinstance(value, str):
            yield at, value
        elif isinstance(value, dict):
            stack.extend((v, f"{at}/{_pointer_part(k)}") for k, v in reversed(list(value.items())))


def _condition_expressions(cond: Any, path: str) -> Iterator[tuple[str, str]]:
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


def template_expressions(text: Any, path: str) -> Iterator[tuple[str, str]]:
    """A template's placeholder expressions; none when its braces are broken
    (``template_error`` reports that)."""
    if not isinstance(text, str) or template_error(text) is not None:
        return
    for kind, part in _split_template(text):
        if kind == "expr":
            yield path, part


def iter_expressions(node: Any) -> Iterator[tuple[str, str]]:
    """Every expression in ``node`` as (JSON pointer relative to the node, text).

    Tolerant of malformed nodes: parts of the wrong shape are skipped (the
    schema check reports them).
    """
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind in ("task", "subworkflow") and "input" in node:
        yield from _mapping_expressions(node["input"], "/input")
    if kind == "end" and "output" in node:
        yield from _mapping_expressions(node["output"], "/output")
    if kind == "http":
        yield from template_expressions(node.get("url"), "/url")
        headers = node.get("headers")
        if isinstance(headers, dict):
            for name, value in headers.items():
                yield from template_expressions(value, f"/headers/{_pointer_part(name)}")
        if "body" in node:
            yield from _mapping_expressions(node["body"], "/body")
    if kind in ("task", "http") and isinstance(node.get("compensation"), dict):
        if "input" in node["compensation"]:
            yield from _mapping_expressions(node["compensation"]["input"], "/compensation/input")
    if kind == "choice" and isinstance(node.get("rules"), list):
        for index, rule in enumerate(node["rules"]):
            if isinstance(rule, dict) and "condition" in rule:
                yield from _condition_expressions(rule["condition"], f"/rules/{index}/condition")
    if kind == "wait" and isinstance(node.get("until"), str):
        yield "/until", node["until"]
