"""Alerts API: thin views over alerts.services (writes, capability "administer", audited) and
alerts.selectors (reads, capability "view")."""
from django.db.models import Count
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts import selectors, services
from alerts import serializers as s
from alerts.models import AlertState


class _AlertsView(APIView):
    write_capability = "administer"   # webapi.permissions.RolePermission; reads need "view"


def _body(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _rule_fields(data: dict) -> tuple[dict, str]:
    reason = data.pop("reason", "")
    if "channels" in data:
        data["channels"] = [dict(c) for c in data["channels"]]
    return data, reason


def _firing_counts() -> dict:
    return dict(AlertState.objects.filter(status=AlertState.FIRING).values_list("rule_id")
                .annotate(n=Count("id")).order_by())


def _rule_response(request, rule, code=status.HTTP_200_OK):
    rule = selectors.rule_get(rule_id=rule.id)
    context = {"request": request, "firing": _firing_counts()}
    return Response(s.AlertRuleSerializer(rule, context=context).data, status=code)


class RuleListView(_AlertsView):
    @extend_schema(responses=s.AlertRuleSerializer(many=True), operation_id="alerts_rules_list")
    def get(self, request):
        context = {"request": request, "firing": _firing_counts()}
        return Response(s.AlertRuleSerializer(selectors.rule_list(), many=True, context=context).data)

    @extend_schema(request=s.AlertRuleWriteSerializer, responses={201: s.AlertRuleSerializer},
                   operation_id="alerts_rules_create",
                   description="Create a rule (400 with every problem: params per kind, channels, allow-listed hosts).")
    def post(self, request):
        fields, reason = _rule_fields(_body(s.AlertRuleWriteSerializer, request))
        rule = services.rule_create(user=request.user, fields=fields, reason=reason)
        return _rule_response(request, rule, status.HTTP_201_CREATED)


class RuleDetailView(_AlertsView):
    @extend_schema(responses=s.AlertRuleSerializer, operation_id="alerts_rules_get")
    def get(self, request, rule_id):
        return _rule_response(request, selectors.rule_get(rule_id=rule_id))

    @extend_schema(request=s.AlertRuleWriteSerializer, responses=s.AlertRuleSerializer,
                   operation_id="alerts_rules_update",
                   description="Change some of the rule's fields; a new kind forgets its groups.")
    def patch(self, request, rule_id):
        fields, reason = _rule_fields(_body(s.AlertRuleWriteSerializer, request))
        rule = services.rule_update(user=request.user, rule_id=rule_id, fields=fields, reason=reason)
        return _rule_response(request, rule)

    @extend_schema(request=s.AlertReasonSerializer, responses={204: None}, operation_id="alerts_rules_delete",
                   description="Delete the rule and its groups; its messages stay in the log.")
    def delete(self, request, rule_id):
        data = _body(s.AlertReasonSerializer, request)
        services.rule_delete(user=request.user, rule_id=rule_id, reason=data.get("reason", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RuleTestView(_AlertsView):
    @extend_schema(request=s.AlertReasonSerializer, responses=s.AlertTestResultSerializer,
                   operation_id="alerts_rules_test",
                   description="Send a test message to each of the rule's channels now; how each went.")
    def post(self, request, rule_id):
        data = _body(s.AlertReasonSerializer, request)
        messages = services.rule_test_send(user=request.user, rule_id=rule_id, reason=data.get("reason", ""))
        return Response({"messages": s.AlertMessageSerializer(messages, many=True, context={"request": request}).data})


class StateListView(_AlertsView):
    @extend_schema(parameters=[OpenApiParameter("status", str, enum=["firing", "resolved", "all"],
                                                description="default: firing")],
                   responses=s.AlertStateSerializer(many=True), operation_id="alerts_states_list")
    def get(self, request):
        wanted = request.query_params.get("status", AlertState.FIRING)
        rows = selectors.state_list(status=None if wanted == "all" else wanted)
        return Response(s.AlertStateSerializer(rows, many=True).data)


class MessageListView(_AlertsView):
    @extend_schema(parameters=[OpenApiParameter("cursor", str, description="the next_cursor of the page before"),
                               OpenApiParameter("limit", int), OpenApiParameter("rule", int)],
                   responses=s.AlertMessagePageSerializer, operation_id="alerts_messages_list")
    def get(self, request):
        params = request.query_params
        limit = selectors.whole_number(params.get("limit", 50), "limit")
        rows, cursor = selectors.message_list(cursor=params.get("cursor"), limit=limit, rule_id=params.get("rule"))
        return Response({"results": s.AlertMessageSerializer(rows, many=True, context={"request": request}).data,
                         "next_cursor": cursor})
