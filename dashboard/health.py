"""GET /api/health/: the console's Health page and banner. Every console role may
read it (the default RolePermission: reads need "view")."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.selectors import health_summary

_PROCESS = inline_serializer("EngineProcess", {
    "name": serializers.CharField(help_text="host:pid, the prefix of a step's worker (host:pid:thread)"),
    "kind": serializers.ChoiceField(["worker", "scheduler"]),
    "host": serializers.CharField(), "pid": serializers.IntegerField(), "threads": serializers.IntegerField(),
    "queues": serializers.ListField(child=serializers.CharField()),
    "in_hand": serializers.IntegerField(help_text="steps being executed now"),
    "threads_busy": serializers.IntegerField(), "info": serializers.DictField(),
    "started_at": serializers.DateTimeField(), "beat_at": serializers.DateTimeField(),
    "stopped_at": serializers.DateTimeField(allow_null=True),
    "alive": serializers.BooleanField(), "state": serializers.ChoiceField(["alive", "dead", "stopped"]),
    "beat_age_seconds": serializers.FloatField(help_text="on the database's clock"),
})
_HEALTH = inline_serializer("Health", {
    "now": serializers.DateTimeField(help_text="the database's clock, which every beat uses"),
    "workers": _PROCESS.__class__(many=True), "schedulers": _PROCESS.__class__(many=True),
    "scheduler": inline_serializer("SchedulerHealth", {
        "alive": serializers.BooleanField(), "last_sweep_at": serializers.DateTimeField(allow_null=True),
        "lag_seconds": serializers.FloatField(allow_null=True), "sweep_ms": serializers.FloatField(allow_null=True),
    }),
    "alerts": inline_serializer("HealthAlert", {
        "code": serializers.ChoiceField(["scheduler.down", "workers.none"]), "text": serializers.CharField(),
        "since": serializers.DateTimeField(allow_null=True),
    }, many=True),
})


class HealthView(APIView):
    @extend_schema(responses=_HEALTH)
    def get(self, request):
        return Response(health_summary())
