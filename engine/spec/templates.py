"""Templates: text with ``{{ expression }}`` placeholders (an http node's url and headers)."""
from __future__ import annotations

import functools
import json
import urllib.parse
from typing import Any, Iterator

from engine.errors import ExpressionLimit, InvalidInput
from engine.spec.bounded import Budget
from engine.spec.expressions import compile_expression, evaluate_expression, shorten


def _split_template(text: str) -> list[tuple[str, str]]:
    parts: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        opening, closing = text.find("{{", position), text.find("}}", position)
        if closing != -1 and (opening == -1 or closing < opening):
            raise InvalidInput(f"template {shorten(text)!r}: '}}}}' without a matching '{{{{' at {closing}")
        if opening == -1:
            parts.append(("text", text[position:]))
            break
        end = text.find("}}", opening + 2)
        if end == -1:
            raise InvalidInput(f"template {shorten(text)!r}: '{{{{' at {opening} is never closed")
        expression = text[opening + 2:end].strip()
        if not expression or "{{" in expression:
            raise InvalidInput(f"template {shorten(text)!r}: empty or nested placeholder at {opening}")
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
            raise ExpressionLimit(f"template {shorten(text)!r} stopped: {budget.too_big()}", limit="bytes")
    return "".join(out)



def template_expressions(text: Any, path: str) -> Iterator[tuple[str, str]]:
    """A template's placeholder expressions; none when its braces are broken
    (``template_error`` reports that)."""
    if not isinstance(text, str) or template_error(text) is not None:
        return
    for kind, part in _split_template(text):
        if kind == "expr":
            yield path, part
