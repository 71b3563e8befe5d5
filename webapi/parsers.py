"""The API's JSON parser: hostile bodies are refused with a 4xx and an error list.

Before ``json.loads``: the size (``DATA_UPLOAD_MAX_MEMORY_SIZE``, from
Content-Length and from what is actually read) and the nesting depth (counted
on the raw bytes with string literals removed), so the C decoder never recurses
deep. During: ``NaN``/``Infinity`` and floats that overflow to infinity. After:
strings PostgreSQL's ``jsonb`` and ``text`` cannot store (null bytes, lone
surrogates), so no body reaches the database only to fail there as a 500.
"""
from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from django.conf import settings
from rest_framework import renderers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser

MAX_DEPTH = 100   # a spec may nest 64 levels (E020); the body wraps it in a few more

_ESCAPE = re.compile(rb"\\.", re.DOTALL)          # a backslash and the byte it escapes
_NOT_BRACKET = bytes(c for c in range(256) if c not in b"[]{}")
_DELTA = [1 if c in b"[{" else -1 if c in b"]}" else 0 for c in range(256)]
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class BodyRefused(ParseError):
    """A body that is not acceptable JSON; ``errors`` says where and why."""

    def __init__(self, code: str, message: str, *, path: str | None = None):
        super().__init__(message, code=code)
        self.errors = [{"code": code, "message": message, "path": path}]


class BodyTooLarge(APIException):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE (413)."""
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body.too_large"

    def __init__(self, limit: int):
        message = f"the request body is larger than {limit} bytes"
        super().__init__(message)
        self.errors = [{"code": self.default_code, "message": message, "path": None}]


def body_limit() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2 * 1024 * 1024


def nesting_depth(raw: bytes) -> int:
    """How deep ``[``/``{`` nest in a JSON text, outside string literals (exact for valid JSON).

    Linear and in C: drop escape pairs, so every quote left delimits a string;
    keep the text between strings; keep only its brackets; the deepest running sum.
    """
    outside = b"".join(_ESCAPE.sub(b"", raw).split(b'"')[::2])
    brackets = outside.translate(None, _NOT_BRACKET)
    return max(accumulate(map(_DELTA.__getitem__, brackets)), default=0)


def _reject_constant(name: str):
    raise BodyRefused("body.not_json", f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyRefused("body.not_json", f"the number {text[:40]} is out of range")
    return value


def _pointer(parts: list) -> str:
    """A JSON pointer that is itself safe to render (the offending key may be in it)."""
    text = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")


def _check_strings(value: Any, *, surrogates: bool) -> None:
    """Iteratively: no null byte anywhere (keys included), and no lone surrogate when asked."""
    stack: list[tuple[Any, list]] = [(value, [])]
    while stack:
        item, path = stack.pop()
        texts: list[tuple[str, list]] = []
        if isinstance(item, dict):
            for key, child in item.items():
                texts.append((key, path + [key]))
                stack.append((child, path + [key]))
        elif isinstance(item, list):
            stack.extend((child, path + [index]) for index, child in enumerate(item))
        elif isinstance(item, str):
            texts.append((item, path))
        for text, where in texts:
            if "\x00" in text:
                raise BodyRefused("body.null_byte", "strings must not contain null bytes (\\u0000)",
                                  path=_pointer(where))
            if surrogates:
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    raise BodyRefused("body.bad_unicode", "strings must be valid Unicode (a lone surrogate "
                                                          "is not)", path=_pointer(where))


def parse_json_body(raw: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Bytes to a JSON value, or BodyRefused. Pure: no Django request needed."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyRefused("body.not_utf8", f"the body is not UTF-8 (byte {exc.start})")
    depth = nesting_depth(raw)
    if depth > max_depth:
        raise BodyRefused("body.too_deep", f"JSON nested {depth} levels deep (max {max_depth})")
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except BodyRefused:
        raise
    except (ValueError, RecursionError) as exc:   # RecursionError: only if the depth count was fooled
        raise BodyRefused("body.not_json", f"the body is not JSON: {str(exc)[:200]}")
    # Without ``\u0000`` or a surrogate escape in the text no string can hold one: skip the walk.
    null_escape = b"\\u0000" in raw
    surrogate_escape = _SURROGATE_ESCAPE.search(raw) is not None
    if null_escape or surrogate_escape:
        _check_strings(value, surrogates=surrogate_escape)
    return value


class JSONParser(BaseParser):
    """DRF's JSON parser with the limits above; the default for every API view."""
    media_type = "application/json"
    renderer_class = renderers.JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        limit = body_limit()
        request = (parser_context or {}).get("request")
        meta = getattr(request, "META", {})
        try:
            declared = int(meta.get("CONTENT_LENGTH") or 0)
        except (TypeError, ValueError):
            declared = 0
        if declared > limit:
            raise BodyTooLarge(limit)
        charset = (media_type or "").partition("charset=")[2].strip().strip('"').lower()
        if charset and charset.replace("-", "") != "utf8":
            raise BodyRefused("body.not_utf8", f"JSON bodies must be UTF-8, not {charset[:40]!r}")
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge(limit)
        return parse_json_body(raw)
