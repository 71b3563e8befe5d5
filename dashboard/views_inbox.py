"""Inbox API: thin views over engine.services.inbox (writes) and engine.selectors.inbox (reads).
Anyone who may view sees tasks; a viewer acts on none (403 on every write, saying so)."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import BasePermission, SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard import serializers_inbox as s
from dashboard.filters import _bool
from engine.roles import VIEWER, roles_of, user_can
from engine.selectors import inbox as selectors
from engine.services import inbox as services


class CanWorkTasks(BasePermission):
    """Reads need "view"; writes any role but viewer (who is assigned is the service's to check)."""
    message = "a viewer can see tasks but not claim, complete or reject them: that needs another role"

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return user_can(request.user, "view")
        if not user_can(request.user, "view"):
            self.message = "your role does not allow this"
            return False
        return bool(roles_of(request.user) - {VIEWER})


class InboxView(APIView):
    permission_classes = [CanWorkTasks]

    @extend_schema(parameters=[
        OpenApiParameter("status", str, description="comma-separated task statuses, or all (default: open,claimed)"),
        OpenApiParameter("mine", bool, description="only the tasks you claimed")],
        responses=s.InboxResponseSerializer, operation_id="inbox_list")
    def get(self, request):
        rows = selectors.inbox_list(user=request.user, status=request.query_params.get("status"),
                                    mine=bool(_bool(request.query_params, "mine")))
        return Response({"results": s.TaskSerializer(rows, many=True).data,
                         "open_count": selectors.inbox_open_count(user=request.user)})


class TaskView(APIView):
    permission_classes = [CanWorkTasks]

    @extend_schema(responses=s.TaskSerializer, operation_id="inbox_task")
    def get(self, request, task_id):
        return Response(s.TaskSerializer(selectors.task_get(task_id=task_id, user=request.user)).data)


class _TaskAction(APIView):
    permission_classes = [CanWorkTasks]
    body = None

    def act(self, request, task_id, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, task_id):
        data = {}
        if self.body is not None:
            serializer = self.body(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        self.act(request, task_id, data)
        return Response(s.TaskSerializer(selectors.task_get(task_id=task_id, user=request.user)).data)


def _action(name, body, act, doc):
    def post(self, request, task_id):
        return _TaskAction.post(self, request, task_id)

    # A fresh function per view: extend_schema marks the function it decorates.
    post = extend_schema(request=body, responses=s.TaskSerializer, description=doc,
                         operation_id=f"inbox_{name.removesuffix('View').lower()}")(post)
    return type(name, (_TaskAction,), {"body": body, "act": act, "post": post})


ClaimView = _action("ClaimView", None, lambda self, request, task_id, data: services.task_claim(
    task_id=task_id, user=request.user), "Claim an open task assigned to you or your role (an admin: any); 409 "
    "when it is claimed already or not yours.")
UnclaimView = _action("UnclaimView", None, lambda self, request, task_id, data: services.task_unclaim(
    task_id=task_id, user=request.user), "Give a claimed task back (the claimer or an admin).")
CompleteView = _action("CompleteView", s.CompleteSerializer, lambda self, request, task_id, data: services.task_complete(
    task_id=task_id, user=request.user, data=data["data"], reason=data["reason"]),
    "Complete the task (claiming it if open): data must fit its form (400 with an error per field); the step "
    "succeeds with {data, completed_by} and the run goes on.")
RejectView = _action("RejectView", s.RejectSerializer, lambda self, request, task_id, data: services.task_reject(
    task_id=task_id, user=request.user, reason=data["reason"]),
    "Reject the task, saying why: the step fails (HumanTaskRejected) and the node's on_failure decides.")
