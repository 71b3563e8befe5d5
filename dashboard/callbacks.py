"""``POST /api/callbacks/{token}/`` (complete or fail a callback task) and ``.../heartbeat/``.

Called by other systems, not by people: the token is the credential, so no session, no CSRF
and no role apply (engine/services/callbacks.py)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.services import callbacks


class CallbackErrorSerializer(serializers.Serializer):
    type = serializers.CharField(max_length=100, help_text="matched by the node's retry policy "
                                 "(non_retryable_errors fail the step at once)")
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CallbackSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["succeeded", "failed"], default="succeeded")
    output = serializers.JSONField(required=False, default=dict, help_text="the step's output, when it succeeded")
    error = CallbackErrorSerializer(required=False, help_text="required when status is failed")

    def validate(self, attrs):
        if attrs["status"] == "failed" and "error" not in attrs:
            raise serializers.ValidationError({"error": "a failed callback needs error.type"})
        return attrs


class CallbackResultSerializer(serializers.Serializer):
    run_id = serializers.UUIDField()
    node_id = serializers.CharField()
    step_status = serializers.CharField(help_text="the step's status after the callback")
    detail = serializers.CharField()


def _result(outcome) -> Response:
    return Response({"run_id": outcome.run_id, "node_id": outcome.node_id, "step_status": outcome.step_status,
                     "detail": outcome.message})


class _CallbackView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class CallbackView(_CallbackView):
    @extend_schema(request=CallbackSerializer, responses={200: CallbackResultSerializer},
                   summary="Complete or fail a callback task's attempt (once; 404 unknown token, 409 spent)")
    def post(self, request, token: str):
        body = CallbackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data["status"] == "failed":
            outcome = callbacks.callback_fail(token=token, error_type=data["error"]["type"],
                                              message=data["error"].get("message", ""))
        else:
            outcome = callbacks.callback_complete(token=token, output=data["output"])
        return _result(outcome)


class CallbackHeartbeatView(_CallbackView):
    @extend_schema(request=None, responses={200: CallbackResultSerializer},
                   summary="The external work is still going: restart the attempt's heartbeat timeout")
    def post(self, request, token: str):
        return _result(callbacks.callback_heartbeat(token=token))
