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
from typing import Any, Iterator

import jmespath
from jmespath import exceptions as jmespath_errors
from jmespath.functions import Functions
from jmespath.lexer import Lexer

from engine.errors import ExpressionLimit, InvalidInput
from engine.spec.bounded import Budget, evaluate, number_error, number_ok
from engine.spec.cost import check_expansion
from engine.spec.schema import (
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


def shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _check_nesting(text: str) -> None:
    # The lexer is iterative: bound bracket nesting before the recursive parser runs.
    depth = 0
    for token in Lexer().tokenize(text):
        kind = token["type"]
        if kind in _OPENERS:
            depth += 1
            if depth > MAX_EXPRESSION_NESTING:
                raise InvalidInput(f"expression {shorten(text)!r} is nested deeper than "
                                   f"{MAX_EXPRESSION_NESTING} brackets")
        elif kind in _CLOSERS:
            depth -= 1


def _check_ast(text: str, root: dict) -> None:
    stack = [(root, 1, None, None)]
    while stack:
        node, depth, parent_function, arg_index = stack.pop()
        if depth > MAX_EXPRESSION_AST_DEPTH:
            raise InvalidInput(f"expression {shorten(text)!r} is too deeply nested")
        kind = node.get("type")
        if kind == "expref" and (parent_function, arg_index) not in _EXPREF_ARGS:
            raise InvalidInput(f"expression {shorten(text)!r}: '&' references are only allowed as the "
                               f"expression argument of map, sort_by, min_by or max_by")
        if kind == "literal" and _json_depth(node.get("value")) > MAX_JSON_DEPTH:
            raise InvalidInput(f"expression {shorten(text)!r}: literal nested deeper than {MAX_JSON_DEPTH}")
        if kind == "literal":
            _check_numbers(text, node.get("value"))
        if kind == "slice" and node.get("children", [None] * 3)[2] == 0:
            raise InvalidInput(f"expression {shorten(text)!r}: a slice's step cannot be 0")
        name = node.get("value") if kind == "function_expression" else None
        if kind == "function_expression":
            spec = _FUNCTIONS.get(name)
            if spec is None:
                raise InvalidInput(f"expression {shorten(text)!r}: unknown function {name}()")
            signature, given = spec["signature"], len(node.get("children", []))
            variadic = bool(signature) and signature[-1].get("variadic")
            if (given < len(signature)) if variadic else (given != len(signature)):
                raise InvalidInput(f"expression {shorten(text)!r}: {name}() takes "
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
            raise ExpressionLimit(f"expression {shorten(text)!r}: {number_error(value)}", limit="number")


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
        raise InvalidInput(f"expression {shorten(text)!r} does not parse: {_parse_problem(exc)}") from None
    except RecursionError:
        raise InvalidInput(f"expression {shorten(text)!r} is too deeply nested") from None
    _check_ast(text, parsed.parsed)
    check_expansion(parsed.parsed, shorten(text))
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
        raise ExpressionLimit(f"expression {shorten(text)!r} stopped: {exc}", limit=exc.limit) from None
    except InvalidInput as exc:
        raise InvalidInput(f"expression {shorten(text)!r} failed: {exc}") from None
    except jmespath_errors.JMESPathError as exc:
        raise InvalidInput(f"expression {shorten(text)!r} failed: {_first_line(exc)}") from None
    except RecursionError:
        raise InvalidInput(f"expression {shorten(text)!r} failed: data too deeply nested") from None
    except OverflowError as exc:   # float arithmetic on an integer too large for a float
        raise ExpressionLimit(f"expression {shorten(text)!r} stopped: a number is out of range ({exc})",
                              limit="number") from None
    except (TypeError, ValueError) as exc:   # Python refusing what jmespath let through (min_by of 1 and 'a')
        raise InvalidInput(f"expression {shorten(text)!r} failed: {exc}") from None


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
    """A step's input: its node's ``value`` (a code run's call: the value it passed), its ``input``
    mapping, else the run's input."""
    if "value" in node:
        return node["value"]
    if "input" in node:
        return evaluate_mapping(node["input"], context, budget=budget)
    return context.get("input")

# --- Where expressions are (for the validator and the node types) ---------------

def pointer_part(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def mapping_expressions(mapping: Any, path: str) -> Iterator[tuple[str, str]]:
    stack = [(mapping, path)]
    while stack:
        value, at = stack.pop()
        if isinstance(value, str):
            yield at, value
        elif isinstance(value, dict):
            stack.extend((v, f"{at}/{pointer_part(k)}") for k, v in reversed(list(value.items())))
