"""A static bound on what an expression can build, for the validator (spec.E028).

Sizes are in units of the expression's input: a field, an index or a slice is
at most its input (1), a literal is a constant (1), a multi-select holds all its
parts (they add up), a pipe, a sub-expression or a projection applies the right
side to what the left built (they multiply), a function returns what it was
given (``to_string``, ``merge``, ``sort``...) or a scalar. ``[@,@]`` is 2,
``[@,@]|[@,@]`` 4, and k pipes of it 2**k. The bound is the largest size any part
reaches, because ``length(to_string([@,@]|...))`` returns a number after
building the expansion. It over-estimates (``{a: a, b: b}`` counts 2 although the
fields are disjoint), so the limit is generous; what depends on the data is left
to the run-time limits (engine/spec/bounded.py).
"""
from __future__ import annotations

from engine.errors import ExpressionLimit
from engine.spec.schema import MAX_EXPRESSION_EXPANSION

_SCALAR_FUNCTIONS = frozenset({"abs", "avg", "ceil", "contains", "ends_with", "floor", "length", "max", "min",
                               "starts_with", "sum", "to_number", "type"})
_CHAINS = frozenset({"subexpression", "pipe", "index_expression"})
_PROJECTIONS = frozenset({"projection", "value_projection", "filter_projection"})
_SUBSETS = frozenset({"current", "identity", "field", "index", "slice"})


def expansion(parsed: dict) -> int:
    """The largest size (in units of the input) any part of ``parsed`` can build."""
    return _estimate(parsed, 1)[1]


def check_expansion(parsed: dict, text: str) -> None:
    """ExpressionLimit when ``parsed`` can provably build more than MAX_EXPRESSION_EXPANSION
    times its input."""
    found = expansion(parsed)
    if found > MAX_EXPRESSION_EXPANSION:
        shown = f"2^{found.bit_length() - 1}" if found > 10 ** 6 else str(found)
        raise ExpressionLimit(f"expression {text!r} can build {shown} times the size of its input (max "
                              f"{MAX_EXPRESSION_EXPANSION}): multi-selects add up, pipes and projections multiply",
                              limit="expansion")


def _estimate(node: dict, size: int) -> tuple[int, int]:
    """(size of the output, largest size built on the way) for input ``size``. Recursive:
    compile_expression bounds the tree's depth (MAX_EXPRESSION_AST_DEPTH) before this runs."""
    kind = node.get("type")
    children = [child for child in node.get("children", []) if isinstance(child, dict)]
    if kind in _SUBSETS:
        return size, size
    if kind == "literal":
        return 1, size
    if kind in _CHAINS:
        peak = size
        for child in children:
            size, child_peak = _estimate(child, size)
            peak = max(peak, child_peak)
        return size, peak
    if kind in ("multi_select_list", "multi_select_dict"):
        parts = [_estimate(child, size) for child in children]
        out = sum(part[0] for part in parts)
        return out, max([size, out, *(part[1] for part in parts)])
    if kind in ("key_val_pair", "flatten", "expref"):
        return _estimate(children[0], size) if children else (size, size)
    if kind in _PROJECTIONS:
        left, left_peak = _estimate(children[0], size)
        right, right_peak = _estimate(children[1], left)
        condition_peak = _estimate(children[2], left)[1] if kind == "filter_projection" else 0
        return right, max(size, left_peak, right_peak, condition_peak)
    if kind == "function_expression":
        return _function(node.get("value"), children, size)
    # comparator, and, or, not: one of their operands (or a boolean)
    parts = [_estimate(child, size) for child in children]
    out = 1 if kind in ("comparator", "not_expression") else max((part[0] for part in parts), default=1)
    return out, max([size, *(part[1] for part in parts)])


def _function(name: str, children: list[dict], size: int) -> tuple[int, int]:
    if name in ("map", "sort_by", "min_by", "max_by"):
        # map(&expr, array); sort_by/min_by/max_by(array, &expr): expr runs on each element.
        array_node, expr_node = (children[1], children[0]) if name == "map" else (children[0], children[1])
        array, array_peak = _estimate(array_node, size)
        out, expr_peak = _estimate(expr_node, array)
        return (out if name == "map" else array), max(size, array_peak, expr_peak)
    parts = [_estimate(child, size) for child in children]
    peak = max([size, *(part[1] for part in parts)])
    if name in _SCALAR_FUNCTIONS:
        return 1, peak
    out = sum(part[0] for part in parts)   # to_string, to_array, merge, join, sort, keys, values...
    return out, max(peak, out)
