"""Bounded evaluation: jmespath's interpreter, spending a budget as it goes.

jmespath's ``TreeInterpreter`` has no notion of cost, and it shares references:
``[@,@]`` is a list holding its input twice, so ``[@,@]|[@,@]|...`` doubles the
*expanded* value with every pipe while Python's memory barely grows. Nothing
notices until something walks the expansion (``to_string``, ``sort``, a deep
comparison, or ``json.dumps`` when the step's input is stored), and then it
runs for minutes or out of memory. Here every evaluation carries a ``Budget``:

- **steps**: each syntax-tree visit, and each element a node or function copies,
  compares or walks (``MAX_EXPRESSION_STEPS``);
- **size and depth** of every value built (multi-selects, projections, flatten,
  slices, function results) and of the result, as expanded JSON
  (``MAX_EXPRESSION_VALUE_BYTES``, ``MAX_EXPRESSION_VALUE_DEPTH``). Each object is
  measured once (a memo keyed by identity), so measuring never walks an expansion;
  a function that walks its argument (``to_string``, ``contains``, a deep ``==``) is
  charged the argument's expanded element count before it runs;
- **time**: the evaluating thread's CPU time, checked every few hundred steps
  (``MAX_EXPRESSION_CPU_SECONDS``);
- **numbers**: finite, integers within 64 bits, whether a function made them
  (``sum``, ``to_number``, ``ceil``) or they are part of a value measured.

Past any of these the evaluation raises ``ExpressionLimit`` (engine.errors), which
names the limit. The limits are constants in engine.spec.schema, documented in
docs/spec.md ("Limits").
"""
from __future__ import annotations

import math
import time
from typing import Any

from jmespath.functions import Functions
from jmespath.visitor import Options, TreeInterpreter

from engine.errors import ExpressionLimit, InvalidInput
from engine.spec.schema import (
    MAX_EXPRESSION_CPU_SECONDS,
    MAX_EXPRESSION_STEPS,
    MAX_EXPRESSION_VALUE_BYTES,
    MAX_EXPRESSION_VALUE_DEPTH,
    MAX_INTEGER,
    MIN_INTEGER,
    MAX_NUMBER_TEXT,
)

CHECK_EVERY = 256   # steps between looks at the clock


def number_ok(value: int | float) -> bool:
    """Finite, and an integer within 64 bits."""
    if isinstance(value, float):
        return math.isfinite(value)
    return MIN_INTEGER <= value <= MAX_INTEGER


def number_error(value: int | float) -> ExpressionLimit:
    shown = f"an integer of {value.bit_length()} bits" if isinstance(value, int) and value.bit_length() > 64 \
        else f"the number {value!r}"
    return ExpressionLimit(f"{shown} is out of range (numbers must be finite, integers within 64 bits)",
                           limit="number")


class Budget:
    """What one evaluation may still spend: every expression of one mapping, one choice's
    rules, or one http node's templates and body shares one. Not for sharing between threads."""

    def __init__(self, *, steps: int = MAX_EXPRESSION_STEPS, max_bytes: int = MAX_EXPRESSION_VALUE_BYTES,
                 max_depth: int = MAX_EXPRESSION_VALUE_DEPTH, cpu_seconds: float = MAX_EXPRESSION_CPU_SECONDS):
        self.steps, self.left = steps, steps
        self.max_bytes, self.max_depth, self.cpu_seconds = max_bytes, max_depth, cpu_seconds
        self.deadline = time.thread_time() + cpu_seconds
        self.check_at = max(steps - CHECK_EVERY, -1)
        # id -> (value, bytes, elements, depth); the value is kept so that its id is not reused.
        self._sizes: dict[int, tuple[Any, int, int, int]] = {}

    @property
    def used(self) -> int:
        """Steps spent so far."""
        return self.steps - self.left

    def spend(self, steps: int = 1) -> None:
        self.left -= steps
        if self.left <= self.check_at:
            self.check()

    def check(self) -> None:
        if self.left < 0:
            raise ExpressionLimit(f"it needs more than {self.steps} evaluation steps (MAX_EXPRESSION_STEPS)",
                                  limit="steps")
        if time.thread_time() > self.deadline:
            raise ExpressionLimit(f"it used more than {self.cpu_seconds:g} s of CPU (MAX_EXPRESSION_CPU_SECONDS)",
                                  limit="time")
        self.check_at = max(self.left - CHECK_EVERY, -1)

    def too_big(self) -> ExpressionLimit:
        return ExpressionLimit(f"it built a value of more than {self.max_bytes} bytes as JSON "
                               f"(MAX_EXPRESSION_VALUE_BYTES)", limit="bytes")

    def measure(self, value: Any) -> tuple[int, int, int]:
        """(bytes as compact JSON, elements, depth) of ``value``, expanded; raises past a limit
        or for anything that is not JSON. Strings count their characters, not their escapes."""
        if not isinstance(value, (list, dict)):
            return _scalar_bytes(value), 1, 0
        known = self._sizes.get(id(value))
        if known is not None:
            return known[1], known[2], known[3]
        open_ids: set[int] = set()   # expanded, not finished: the path from ``value`` down
        stack = [value]
        while stack:
            item = stack[-1]
            key = id(item)
            if key in self._sizes:
                stack.pop()
                continue
            children = item.values() if isinstance(item, dict) else item
            if key not in open_ids:
                open_ids.add(key)
                self.spend(len(item) + 1)   # before walking it: a huge list trips at once
                for child in children:
                    if isinstance(child, (list, dict)) and id(child) not in self._sizes:
                        if id(child) in open_ids:
                            raise InvalidInput("an expression value contains itself")   # never from JSON
                        stack.append(child)
                continue
            stack.pop()
            open_ids.discard(key)
            self._finish(item, children)
        known = self._sizes[id(value)]
        return known[1], known[2], known[3]

    def _finish(self, item: list | dict, children) -> None:
        size, elements, depth = 2 + max(len(item) - 1, 0), 1, 0   # brackets and commas
        if isinstance(item, dict):
            for name in item:
                if not isinstance(name, str):
                    raise InvalidInput(f"object keys must be strings, not {type(name).__name__}")
                size += len(name) + 3   # quotes and colon
        for child in children:
            if isinstance(child, (list, dict)):
                _, child_size, child_elements, child_depth = self._sizes[id(child)]
            else:
                child_size, child_elements, child_depth = _scalar_bytes(child), 1, 0
            size += child_size
            elements += child_elements
            depth = max(depth, child_depth)
        if size > self.max_bytes:
            raise self.too_big()
        if depth + 1 > self.max_depth:
            raise ExpressionLimit(f"it built a value nested deeper than {self.max_depth} levels "
                                  f"(MAX_EXPRESSION_VALUE_DEPTH)", limit="depth")
        self._sizes[id(item)] = (item, size, elements, depth + 1)

    def elements(self, value: Any) -> int:
        return self.measure(value)[1]


def _scalar_bytes(value: Any) -> int:
    if isinstance(value, str):
        return len(value) + 2
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    if isinstance(value, (int, float)):
        if not number_ok(value):
            raise number_error(value)
        return len(repr(value))
    raise InvalidInput(f"{type(value).__name__} is not a JSON value")


def _orderable(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _log2(n: int) -> int:
    return max(n, 1).bit_length()


class _Functions(Functions):
    """jmespath's functions, charged for the elements they walk and checked for what they return."""

    def __init__(self, budget: Budget):
        self.budget = budget

    def call_function(self, function_name, resolved_args):
        budget = self.budget
        self._charge(function_name, resolved_args)
        if function_name == "to_number" and isinstance(resolved_args[0], str) \
                and len(resolved_args[0]) > MAX_NUMBER_TEXT:
            return self._long_number(resolved_args[0])
        result = super().call_function(function_name, resolved_args)
        if isinstance(result, (int, float)) and not isinstance(result, bool):
            if not number_ok(result):
                raise number_error(result)
        elif isinstance(result, str):
            if len(result) + 2 > budget.max_bytes:
                raise budget.too_big()
        elif isinstance(result, (list, dict)):
            budget.measure(result)
        return result

    def _charge(self, name: str, args: list) -> None:
        """Spend, before the call, what the function will walk (its types are checked after)."""
        budget, first = self.budget, args[0] if args else None
        if name == "to_string" and isinstance(first, (list, dict)):
            budget.spend(budget.elements(first))    # also refuses an argument too big to write
        elif name == "contains" and isinstance(first, list):
            budget.spend(budget.elements(first) + budget.elements(args[1]))
        elif name in ("sort", "sort_by", "min_by", "max_by") and isinstance(first, list):
            budget.spend(len(first) * _log2(len(first)))
        elif name in ("max", "min", "sum", "avg", "reverse", "keys", "values") and isinstance(first, (list, dict)):
            budget.spend(len(first))
        elif name == "merge":
            budget.spend(sum(len(arg) for arg in args if isinstance(arg, dict)))
        elif name == "join" and isinstance(first, str) and isinstance(args[1], list):
            budget.spend(len(args[1]))
            size = sum(len(s) for s in args[1] if isinstance(s, str)) + len(first) * max(len(args[1]) - 1, 0)
            if size + 2 > budget.max_bytes:
                raise budget.too_big()

    def _long_number(self, text: str):
        # int() of a long digit string is quadratic (and refused past 4300 digits); float() is
        # linear. A number this long is out of range either way; anything else is null, as usual.
        try:
            float(text)
        except ValueError:
            return None
        raise ExpressionLimit(f"to_number() of a {len(text)}-character string: the number is out of range "
                              f"(at most {MAX_NUMBER_TEXT} characters)", limit="number")


class BoundedInterpreter(TreeInterpreter):
    """jmespath's TreeInterpreter with a Budget: one step per visit, every built value measured."""

    def __init__(self, budget: Budget):
        super().__init__(Options(custom_functions=_Functions(budget)))
        self.budget = budget

    def visit(self, node, *args, **kwargs):
        budget = self.budget
        budget.left -= 1
        if budget.left <= budget.check_at:
            budget.check()
        kind = node["type"]
        method = self._method_cache.get(kind)
        if method is None:
            method = self._method_cache[kind] = getattr(self, f"visit_{kind}", self.default_visit)
        return method(node, *args, **kwargs)

    def visit_comparator(self, node, value):
        left = self.visit(node["children"][0], value)
        right = self.visit(node["children"][1], value)
        if node["value"] not in self._EQUALITY_OPS:
            # Ordering: two numbers or two strings; anything else (1 < 'a' too, which Python
            # refuses with a TypeError) is null, as jmespath says for what it cannot order.
            if _orderable(left) and _orderable(right) and isinstance(left, str) == isinstance(right, str):
                return self.COMPARATOR_FUNC[node["value"]](left, right)
            return None
        if isinstance(left, (list, dict)) and isinstance(right, (list, dict)):
            # == walks both (shared parts too): charge the smaller, which bounds the walk.
            self.budget.spend(min(self.budget.elements(left), self.budget.elements(right)))
        return self.COMPARATOR_FUNC[node["value"]](left, right)

    # The nodes that build containers: measure what they built.
    def _built(self, value):
        if value is not None:
            self.budget.measure(value)
        return value

    def visit_multi_select_list(self, node, value):
        return self._built(super().visit_multi_select_list(node, value))

    def visit_multi_select_dict(self, node, value):
        return self._built(super().visit_multi_select_dict(node, value))

    def visit_projection(self, node, value):
        return self._built(super().visit_projection(node, value))

    def visit_filter_projection(self, node, value):
        return self._built(super().visit_filter_projection(node, value))

    def visit_value_projection(self, node, value):
        return self._built(super().visit_value_projection(node, value))

    def visit_flatten(self, node, value):
        return self._built(super().visit_flatten(node, value))

    def visit_slice(self, node, value):
        if node["children"][2] == 0:   # Python raises ValueError; compile_expression refuses it first
            raise InvalidInput("a slice's step cannot be 0")
        return self._built(super().visit_slice(node, value))


def evaluate(parsed: dict, context: Any, budget: Budget) -> Any:
    """``parsed`` (a jmespath syntax tree) against ``context``, within ``budget``; the
    result measured too (so it is JSON within the limits)."""
    value = BoundedInterpreter(budget).visit(parsed, context)
    budget.measure(value)
    return value
