"""Human words for the JSON Schema shape errors (code E001), instead of jsonschema's
"'' should be non-empty": what is wrong with which field, and what to do about it."""
from __future__ import annotations

import json

from jsonschema import ValidationError

from engine.spec.problems import short

# What to do about an empty or missing field, by its name.
_FIELD_HINTS = {
    "activity": "pick an activity",
    "label": "give it a name",
    "id": "give it an id",
    "workflow": "pick the definition to run",
    "condition": "build a condition",
    "signal": "name the signal to wait for",
    "items": "give the list to go over",
}

_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "object": "an object", "array": "a list", "null": "empty"}


def _shown(value) -> str:
    return short(json.dumps(value, ensure_ascii=False, default=str), 60)


def _field(error: ValidationError) -> str:
    names = [p for p in error.absolute_path if isinstance(p, str)]
    return names[-1] if names else ""


def _where(field: str) -> str:
    return f"{field.replace('_', ' ')}" if field else "this value"


def _owner(error: ValidationError) -> str:
    """"the task" for a field of a node of type task, else "it"."""
    node = error.parent.instance if error.parent is not None else None
    for candidate in (node, error.instance):
        if isinstance(candidate, dict) and isinstance(candidate.get("type"), str):
            return f"the {candidate['type']} node"
    return "it"


def schema_message(error: ValidationError) -> str:
    """A sentence for ``error``; jsonschema's own message where no better one is known."""
    field = _field(error)
    if error.validator == "minLength" and error.instance == "":
        hint = _FIELD_HINTS.get(field)
        return f"{_where(field).capitalize()} is empty" + (f": {hint}" if hint else "")
    if error.validator == "required":
        missing = next((name for name in error.validator_value
                        if isinstance(error.instance, dict) and name not in error.instance), None)
        if missing is not None:
            hint = _FIELD_HINTS.get(missing)
            owner = f"the {error.instance['type']} node" if isinstance(error.instance.get("type"), str) else "it"
            return f"{owner.capitalize()} has no {_where(missing)}" + (f": {hint}" if hint else "")
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in wanted)
        return f"{_where(field).capitalize()} must be {words}, not {_shown(error.instance)}"
    if error.validator == "enum":
        choices = ", ".join(_shown(v) for v in error.validator_value)
        return f"{_where(field).capitalize()} must be one of {choices}, not {_shown(error.instance)}"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties") or {}
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            return (f"{_owner(error).capitalize()} has no field {', '.join(repr(k) for k in extra[:5])}"
                    " (remove it, or check its spelling)")
    return error.message
