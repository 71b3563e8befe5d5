"""Does a task's input mapping fit its activity's input schema? What can be known before the run:
the fields the schema requires are mapped, no field the schema forbids is, and a literal (a JSON
literal in backticks, a raw string) has the type the schema asks for. A field lookup's value is
only known at run time, where the activity's input schema is checked again."""
from __future__ import annotations

from typing import Any, Iterator

import jsonschema

from engine.errors import InvalidInput
from engine.spec.expressions import compile_expression
from engine.spec.problems import pointer as json_pointer

_NO_VALUE = object()


def _literal(text: Any):
    """The value of an expression that is a literal, else _NO_VALUE."""
    if not isinstance(text, str):
        return _NO_VALUE
    try:
        parsed = compile_expression(text).parsed
    except InvalidInput:
        return _NO_VALUE   # reported as E015 by the expression check
    return parsed.get("value") if parsed.get("type") == "literal" else _NO_VALUE


def _kind(value) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array",
            dict: "an object", type(None): "null"}.get(type(value), type(value).__name__)


def input_problems(mapping: Any, schema: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """(path inside the mapping, message) for each misfit of an object ``mapping`` to ``schema``."""
    if not isinstance(mapping, dict) or not isinstance(schema, dict) or schema.get("type") not in ("object", None):
        return
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    for field in schema.get("required") or ():
        if isinstance(field, str) and field not in mapping:
            yield pointer, f"maps no {field!r}, which the activity's input schema requires"
    for field, value in mapping.items():
        path = pointer + json_pointer(field)
        if field not in properties:
            if schema.get("additionalProperties") is False:
                yield path, f"maps {field!r}, which the activity's input schema does not allow"
            continue
        sub = properties[field]
        if isinstance(value, dict):
            yield from input_problems(value, sub, path)
            continue
        literal = _literal(value)
        if literal is _NO_VALUE or not isinstance(sub, dict):
            continue
        try:
            jsonschema.validate(literal, sub)
        except jsonschema.ValidationError as exc:
            yield path, f"gives {field!r} {_kind(literal)} ({str(value)[:40]}); the activity's input schema says: " \
                        f"{exc.message[:120]}"
        except jsonschema.SchemaError:
            continue
