"""One place that turns domain errors into HTTP responses (never a 500 for bad input).

Every error body has the same three keys, whatever raised it: ``code``,
``detail`` (one readable line) and ``errors`` (a non-empty list of
``{"code", "message", ...}``; field errors add ``field``, spec and body errors
``path``). Field errors also keep DRF's ``{"<field>": [messages]}`` keys.
"""
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from engine import errors

_STATUS = {
    errors.SpecInvalid: status.HTTP_400_BAD_REQUEST,
    errors.InvalidInput: status.HTTP_400_BAD_REQUEST,
    errors.NotFound: status.HTTP_404_NOT_FOUND,
    errors.Conflict: status.HTTP_409_CONFLICT,
}


def exception_handler(exc, context):
    for cls, code in _STATUS.items():
        if isinstance(exc, cls):
            listed = getattr(exc, "errors", None) or [{"code": exc.code, "message": str(exc)}]
            body = {"code": exc.code, "detail": str(exc),
                    "errors": [{"code": exc.code, **e} if isinstance(e, dict) else {"code": exc.code, "message": str(e)}
                               for e in listed]}
            return Response(body, status=code)
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        response.data = _validation_body(exc, response.data)
    elif isinstance(response.data, dict):
        detail = response.data.get("detail", "")
        code = response.data.get("code") or getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        listed = getattr(exc, "errors", None) or [{"code": code, "message": str(detail)}]
        response.data = {**response.data, "code": code, "detail": str(detail), "errors": listed}
    return response


def _validation_body(exc: ValidationError, data) -> dict:
    listed = list(_flatten(exc.get_full_details(), ""))
    detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in listed[:10])
    fields = data if isinstance(data, dict) else {}
    return {**fields, "code": "invalid", "detail": detail or "invalid input",
            "errors": listed or [{"code": "invalid", "message": "invalid input", "field": None}]}


def _flatten(details, field: str):
    """DRF's nested {"field": [{"message", "code"}]} as a flat list with dotted field names."""
    if isinstance(details, dict) and set(details) == {"message", "code"}:
        yield {"code": str(details["code"]), "message": str(details["message"]), "field": field or None}
    elif isinstance(details, dict):
        for key, value in details.items():
            name = "" if key == "non_field_errors" else str(key)
            yield from _flatten(value, f"{field}.{name}" if field and name else field or name)
    elif isinstance(details, list):
        for item in details:
            yield from _flatten(item, field)
