"""Schedules API: thin views over engine.services.schedules (writes) and engine.selectors.schedules
(reads). Reads need "view"; create, update and delete "design"; pause, resume and trigger "operate"
(webapi.permissions.RolePermission with each view's ``write_capability``)."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard import serializers_schedules as s
from dashboard.filters import whole_number
from engine.errors import InvalidInput
from engine.selectors import schedules as selectors
from engine.services import schedules as services


def _body(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    unknown = sorted(set(request.data) - set(serializer.fields)) if isinstance(request.data, dict) else []
    if unknown:   # a typo (or the slug, which never changes) would otherwise be ignored without a word
        raise InvalidInput(f"unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(u[:40] for u in unknown[:5])}",
                           errors=[{"field": u[:40], "message": "not a field of this request"} for u in unknown[:5]])
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _schedule(request, slug, code=status.HTTP_200_OK) -> Response:
    return Response(s.ScheduleSerializer(selectors.schedule_get(slug=slug, user=request.user)).data, status=code)


class ScheduleListView(APIView):
    write_capability = "design"

    @extend_schema(responses=s.ScheduleListSerializer, operation_id="schedules_list")
    def get(self, request):
        return Response(s.ScheduleListSerializer(selectors.schedule_list(user=request.user)).data)

    @extend_schema(request=s.ScheduleCreateSerializer, responses={201: s.ScheduleSerializer},
                   operation_id="schedules_create",
                   description="Create a schedule: a cron expression (5 fields, read in timezone) or interval_seconds, "
                               "not both. 400 names each bad field (cron, timezone, definition_key, input ...); 409 when "
                               "the slug is taken.")
    def post(self, request):
        data = _body(s.ScheduleCreateSerializer, request)
        schedule = services.schedule_create(user=request.user, **data)
        return _schedule(request, schedule.slug, status.HTTP_201_CREATED)


class ScheduleDetailView(APIView):
    write_capability = "design"

    @extend_schema(responses=s.ScheduleSerializer, operation_id="schedules_get")
    def get(self, request, slug):
        return _schedule(request, slug)

    @extend_schema(request=s.ScheduleUpdateSerializer, responses=s.ScheduleSerializer, operation_id="schedules_update",
                   description="Change the fields given. A new cron, interval or time zone fires next at its first "
                               "time after now.")
    def patch(self, request, slug):
        data = _body(s.ScheduleUpdateSerializer, request)
        reason = data.pop("reason", "")
        services.schedule_update(slug=slug, changes=data, user=request.user, reason=reason)
        return _schedule(request, slug)

    @extend_schema(request=s.ScheduleReasonSerializer, responses={204: None}, operation_id="schedules_delete",
                   description="Delete the schedule and its fire records; the runs it started stay.")
    def delete(self, request, slug):
        data = _body(s.ScheduleReasonSerializer, request)
        services.schedule_delete(slug=slug, user=request.user, reason=data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class _StateView(APIView):
    write_capability = "operate"
    act = None

    def post(self, request, slug):
        data = _body(s.ScheduleReasonSerializer, request)
        type(self).act(slug=slug, user=request.user, reason=data["reason"])
        return _schedule(request, slug)


class PauseView(_StateView):
    act = services.schedule_pause

    @extend_schema(request=s.ScheduleReasonSerializer, responses=s.ScheduleSerializer, operation_id="schedules_pause",
                   description="No fires until resumed (409 when paused already); a trigger still fires.")
    def post(self, request, slug):
        return super().post(request, slug)


class ResumeView(_StateView):
    act = services.schedule_resume

    @extend_schema(request=s.ScheduleReasonSerializer, responses=s.ScheduleSerializer, operation_id="schedules_resume",
                   description="Fire again from the first fire time after now (409 when not paused); fire times "
                               "while it was paused are not caught up.")
    def post(self, request, slug):
        return super().post(request, slug)


class TriggerView(APIView):
    write_capability = "operate"

    @extend_schema(request=s.ScheduleTriggerSerializer, responses={201: s.ScheduleTriggerResponseSerializer,
                                                           200: s.ScheduleTriggerResponseSerializer},
                   operation_id="schedules_trigger",
                   description="Fire now under the schedule's overlap policy (paused or not). With a request_id, "
                               "asking again returns that request's fire (200) and starts nothing.")
    def post(self, request, slug):
        data = _body(s.ScheduleTriggerSerializer, request)
        fire, created = services.schedule_trigger(slug=slug, user=request.user, request_id=data["request_id"],
                                                  reason=data["reason"])
        body = {"fire": selectors.fire_get(fire_id=fire.id),
                "schedule": selectors.schedule_get(slug=slug, user=request.user)}
        return Response(s.ScheduleTriggerResponseSerializer(body).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class FiresView(APIView):
    @extend_schema(parameters=[OpenApiParameter("limit", int, description="newest fires to list (1 to 200, default 50)")],
                   responses=s.ScheduleFireListSerializer, operation_id="schedules_fires")
    def get(self, request, slug):
        limit = whole_number(request.query_params, "limit", 50)
        return Response(s.ScheduleFireListSerializer(selectors.schedule_fires(slug=slug, limit=limit)).data)
