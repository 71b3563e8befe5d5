"""Who is asking: the console enables or disables its actions from this. The
API enforces the same roles on every call (engine.roles), so this is a hint
for the page, never a gate."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.roles import CAPABILITIES, roles_of, user_can


class MeView(APIView):
    @extend_schema(responses=inline_serializer("Me", {
        "username": serializers.CharField(),
        "roles": serializers.ListField(child=serializers.CharField()),
        "capabilities": serializers.ListField(child=serializers.CharField()),
    }))
    def get(self, request):
        user = request.user
        return Response({"username": user.get_username(), "roles": sorted(roles_of(user)),
                         "capabilities": sorted(c for c in CAPABILITIES if user_can(user, c))})
