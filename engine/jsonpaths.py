"""Paths into JSON values, for people: ``customer.email``, ``items[].sku``, ``items[0].qty``.

Two uses, both pure: a search term's path becomes a containment object (``{"customer":
{"email": ...}}``, what ``input @> ...`` matches and the run input's GIN index serves), and
an edit of a run's data or input becomes the list of paths it changed, for the history.
"""
from __future__ import annotations

import json
import math
import re

# A key in a path: anything but whitespace, dots, quotes, "=" and brackets; "[]" after it: any element.
_SEGMENT = re.compile(r"([^\s.=\"\[\]]+)(\[\])?")
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_$-]+$")
MAX_DEPTH = 20
MAX_CHANGES = 200


class PathError(ValueError):
    """A path or a value that cannot be read; the message says what the syntax is."""


def parse_path(path: str) -> list[tuple[str, bool]]:
    """``"items[].sku"`` -> ``[("items", True), ("sku", False)]``: each key, and whether it is an array
    whose elements the rest applies to."""
    if not path:
        raise PathError("a field needs a name before '=', e.g. customer.email=ann@example.com")
    out = []
    for part in path.split("."):
        found = _SEGMENT.fullmatch(part)
        if found is None:
            raise PathError(f"{path!r} is not a field path: keys joined by dots (customer.email), "
                            f"'[]' after a key for any element of a list (items[].sku)")
        out.append((found.group(1), bool(found.group(2))))
    if len(out) > MAX_DEPTH:
        raise PathError(f"{path!r} is {len(out)} keys deep; at most {MAX_DEPTH}")
    return out


def _refuse_constant(name: str):
    raise PathError(f"{name} is not a JSON value")


def parse_value(text: str):
    """The value of a search term: a number, true, false, null or a "quoted string" read as JSON;
    anything else is the string as written."""
    if text == "":
        raise PathError('a field needs a value after \'=\' (for the empty string write "")')
    if text[0] in '-0123456789"tfn':
        try:
            value = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, PathError):
            if text.startswith('"'):
                raise PathError(f'{text[:60]} is not a quoted string: close it with ", escape a " inside as \\"')
            return text
        if isinstance(value, float) and not math.isfinite(value):
            raise PathError(f"{text[:60]} is out of range for a number")
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
    return text


def containment(path: str, value) -> dict:
    """The JSON object that contains ``value`` at ``path``: ``items[].sku`` = "A" gives
    ``{"items": [{"sku": "A"}]}`` (an element of items has sku "A")."""
    inner = value
    for key, is_array in reversed(parse_path(path)):
        inner = {key: [inner] if is_array else inner}
    return inner


def show_path(parts) -> str:
    """Keys and list indexes as one readable path: ``charge.amount``, ``items[0].qty``, ``["a.b"]``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same(a, b) -> bool:
    """Equal as JSON: 1 and 1.0 are the same number; true is not 1."""
    if _number(a) and _number(b):
        return a == b
    return type(a) is type(b) and a == b


def diff(before, after, *, limit: int = MAX_CHANGES) -> tuple[list[dict], bool]:
    """What changed from ``before`` to ``after``, one entry per path (objects and lists are walked,
    other values compared): ``{"path", "op": added | removed | changed, "before"?, "after"?}``.
    At most ``limit`` entries; the second value says whether some were left out."""
    changes: list[dict] = []

    def walk(a, b, parts):
        if len(changes) > limit:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in list(a) + [k for k in b if k not in a]:
                if key not in b:
                    changes.append({"path": show_path(parts + [key]), "op": "removed", "before": a[key]})
                elif key not in a:
                    changes.append({"path": show_path(parts + [key]), "op": "added", "after": b[key]})
                else:
                    walk(a[key], b[key], parts + [key])
            return
        if isinstance(a, list) and isinstance(b, list):
            for i in range(max(len(a), len(b))):
                if i >= len(b):
                    changes.append({"path": show_path(parts + [i]), "op": "removed", "before": a[i]})
                elif i >= len(a):
                    changes.append({"path": show_path(parts + [i]), "op": "added", "after": b[i]})
                else:
                    walk(a[i], b[i], parts + [i])
            return
        if not _same(a, b):
            changes.append({"path": show_path(parts) or "(the whole value)", "op": "changed", "before": a,
                            "after": b})

    walk(before, after, [])
    return changes[:limit], len(changes) > limit
