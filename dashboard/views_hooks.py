"""Webhook starts (docs/operating-webhooks.md): ``POST /hooks/<key>/``, and the admins' API at /api/hooks/.

The receiver is called by other systems, not by people: the HMAC signature is the credential, so no
session, no CSRF and no role apply; engine/services/hooks.py checks it. Thin views: read, call, answer.
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard import serializers_hooks as s
from dashboard.filters import whole_number
from engine.errors import InvalidInput
from engine.selectors import hooks as selectors
from engine.services import hooks
from webapi.parsers import BodyRefused, BodyTooLarge, body_limit, parse_json_body


class SignatureFailed(APIException):
    """401: unsigned, badly signed or stale (``code`` says which)."""
    status_code = status.HTTP_401_UNAUTHORIZED
    # RFC 9110: a 401 names how to authenticate.
    auth_header = f'{hooks.SIGNATURE_HEADER} realm="flowdeck-hooks"'


class HookThrottled(APIException):
    """429 with Retry-After (DRF's handler sends ``wait`` as the header)."""
    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, exc: hooks.RateLimited):
        super().__init__(str(exc), code=exc.code)
        self.wait = exc.retry_after


def _raw_body(request) -> bytes:
    """The body's bytes exactly as sent (the signature covers them), within the API's size limit."""
    limit = body_limit()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        declared = 0
    if declared > limit:
        raise BodyTooLarge(limit)
    raw = request._request.read(limit + 1)
    if len(raw) > limit:
        raise BodyTooLarge(limit)
    return raw


def _parse(raw: bytes):
    """The API parser's checks (depth, NaN, null bytes, UTF-8), refusing as the engine does."""
    try:
        return parse_json_body(raw)
    except BodyRefused as exc:
        raise InvalidInput(str(exc.detail), errors=exc.errors) from None


class HookReceiveView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes: list = []    # read raw: parsing first would lose the bytes that were signed

    @extend_schema(request={"application/json": dict}, parameters=[OpenApiParameter(
        hooks.SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True,
        description="t=<unix seconds>,v1=<hex HMAC-SHA256(secret, '<t>.<raw body>')>")], responses={
        201: s.ReceiptSerializer, 200: OpenApiResponse(s.ReceiptSerializer, "the business key's run already existed"),
        400: OpenApiResponse(description="body not a JSON object, business key missing, input refused"),
        401: OpenApiResponse(description="Flowdeck-Signature missing, malformed, not matching, or too old"),
        404: OpenApiResponse(description="no enabled webhook for this definition"),
        409: OpenApiResponse(description="this signed request was received before (a replay)"),
        413: OpenApiResponse(description="body too large"),
        429: OpenApiResponse(description="rate limit; Retry-After")},
        summary="Start a run from a signed webhook", operation_id="hook_receive")
    def post(self, request, key: str):
        raw = _raw_body(request)
        try:
            receipt = hooks.hook_receive(key=key, raw=raw, headers=request.headers, parse=_parse)
        except hooks.SignatureRefused as exc:
            raise SignatureFailed(str(exc), code=exc.code) from None
        except hooks.RateLimited as exc:
            raise HookThrottled(exc) from None
        return Response(s.ReceiptSerializer({"run_id": receipt.run_id, "created": receipt.created,
                                             "business_key": receipt.business_key}).data,
                        status=status.HTTP_201_CREATED if receipt.created else status.HTTP_200_OK)


def _body(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class _Admin(APIView):
    read_capability = "administer"    # a read shows who may start runs and where: admins only
    write_capability = "administer"

    def hook(self, request, key: str, *, secret: str | None = None, code=status.HTTP_200_OK) -> Response:
        view = selectors.hook_get(key=key)
        if secret is None:
            return Response(s.HookSerializer(view, context={"request": request}).data, status=code)
        return Response(s.HookWithSecretSerializer({**view, "secret": secret}, context={"request": request}).data,
                        status=code)


class HookListView(_Admin):
    @extend_schema(responses=s.HookSerializer(many=True))
    def get(self, request):
        return Response(s.HookSerializer(selectors.hook_list(), many=True, context={"request": request}).data)

    @extend_schema(request=s.HookCreateSerializer, responses={201: s.HookWithSecretSerializer},
                   description="Create a definition's webhook. The answer holds its secret: the only time it is shown.")
    def post(self, request):
        data = _body(s.HookCreateSerializer, request)
        hook, secret = hooks.hook_create(definition_key=data["definition"], business_key_from=data["business_key_from"],
                                         rate_per_minute=data["rate_per_minute"], enabled=data["enabled"],
                                         user=request.user, reason=data["reason"])
        return self.hook(request, hook.definition.key, secret=secret, code=status.HTTP_201_CREATED)


class HookDetailView(_Admin):
    @extend_schema(responses=s.HookSerializer)
    def get(self, request, key: str):
        return self.hook(request, key)

    @extend_schema(request=s.HookUpdateSerializer, responses=s.HookSerializer)
    def patch(self, request, key: str):
        data = _body(s.HookUpdateSerializer, request)
        hooks.hook_update(key=key, user=request.user, **data)
        return self.hook(request, key)

    @extend_schema(request=s.HookReasonSerializer, responses={204: None},
                   description="Remove the webhook and its delivery records; the runs it started stay.")
    def delete(self, request, key: str):
        data = _body(s.HookReasonSerializer, request)
        hooks.hook_delete(key=key, user=request.user, reason=data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class HookRotateView(_Admin):
    @extend_schema(request=s.HookRotateSerializer, responses=s.HookWithSecretSerializer,
                   description="A new secret, shown in this answer only; the old one is refused at once, or after "
                               "keep_previous_for seconds.")
    def post(self, request, key: str):
        data = _body(s.HookRotateSerializer, request)
        _, secret = hooks.hook_rotate_secret(key=key, keep_previous_for=data["keep_previous_for"], user=request.user,
                                             reason=data["reason"])
        return self.hook(request, key, secret=secret)


class HookDeliveriesView(_Admin):
    @extend_schema(parameters=[OpenApiParameter("limit", int)], responses=s.DeliverySerializer(many=True))
    def get(self, request, key: str):
        rows = selectors.hook_deliveries(key=key, limit=whole_number(request.query_params, "limit", 50))
        return Response(s.DeliverySerializer(rows, many=True).data)
