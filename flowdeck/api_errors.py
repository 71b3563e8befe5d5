"""One place that turns domain errors into HTTP responses (never a 500 for bad input)."""
from rest_framework import status
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
            body = {"code": exc.code, "detail": str(exc)}
            if getattr(exc, "errors", None):
                body["errors"] = exc.errors
            return Response(body, status=code)
    response = drf_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "code" not in response.data:
        response.data = {"code": getattr(exc, "default_code", "error"), **response.data}
    return response
