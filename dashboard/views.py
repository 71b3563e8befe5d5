"""Runs API: thin views over engine services (writes) and selectors (reads)."""
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard import saved_views
from dashboard import serializers as s
from dashboard.filters import run_filters, whole_number
from engine import selectors
from engine.services import actions, bulk, runs
from webapi.permissions import CanAudit

FILTER_PARAMS = [
    OpenApiParameter("definition", str), OpenApiParameter("version", int),
    OpenApiParameter("status", str, description="comma-separated statuses"),
    OpenApiParameter("stuck", bool), OpenApiParameter("needs_operator", bool),
    OpenApiParameter("failed_at", str, description="node id the run failed at"),
    OpenApiParameter("error_type", str, description="error type the run failed with (e.g. CardDeclined)"),
    OpenApiParameter("created_after", str), OpenApiParameter("created_before", str),
    OpenApiParameter("q", str, description="business key prefix or run id, and/or input field terms path=value "
                                           "(customer.email=ann@example.com amount_cents=4990 items[].sku=SKU-1; "
                                           "numbers, true, false, null are JSON, anything else or a \"quoted\" value "
                                           "a string), all of which must match"),
    OpenApiParameter("input", str, description='a JSON object the run\'s input must contain, e.g. '
                                               '{"customer": {"email": "ann@example.com"}}'),
    OpenApiParameter("include_test", bool),
    OpenApiParameter("sla", str, enum=["breached", "at_risk"],
                     description="runs whose SLA (their own or a step's) was breached, or is at risk now: open, "
                                 "not breached, less than 20% of its time left"),
]


def _body(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _detail(run_id, code=status.HTTP_200_OK):
    run = selectors.run_get(run_id=run_id)
    run.why = selectors.run_why(run=run)
    run.sla = selectors.run_sla(run=run)
    for name, value in selectors.run_operator_view(run=run).items():
        setattr(run, name, value)
    return Response(s.RunDetailSerializer(run).data, status=code)


class RunListView(APIView):
    write_capability = "operate"

    @extend_schema(parameters=FILTER_PARAMS + [OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
                   responses=s.RunListResponseSerializer, operation_id="runs_list")
    def get(self, request):
        limit = whole_number(request.query_params, "limit", 50)
        rows, cursor = selectors.run_list(filters=run_filters(request.query_params),
                                          cursor=request.query_params.get("cursor"), limit=limit)
        context = {"sla_states": selectors.run_sla_states(runs=rows)}
        return Response({"results": s.RunSummarySerializer(rows, many=True, context=context).data,
                         "next_cursor": cursor})

    @extend_schema(request=s.RunStartSerializer, responses={201: s.RunDetailSerializer, 200: s.RunDetailSerializer},
                   description="Start a run. With a business_key, starting again returns the existing run (200).")
    def post(self, request):
        data = _body(s.RunStartSerializer, request)
        run, created = runs.run_start(definition_key=data["definition"], input=data["input"],
                                      business_key=data.get("business_key"), version=data.get("version"),
                                      user=request.user, reason=data["reason"])
        return _detail(run.id, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RunCountsView(APIView):
    @extend_schema(parameters=FILTER_PARAMS, responses={200: dict})
    def get(self, request):
        return Response(selectors.run_counts(filters=run_filters(request.query_params)))


class RunDetailView(APIView):
    @extend_schema(responses=s.RunDetailSerializer)
    def get(self, request, run_id):
        return _detail(run_id)


class RunEventsView(APIView):
    @extend_schema(parameters=[OpenApiParameter("after_seq", int), OpenApiParameter("limit", int)],
                   responses=s.EventSerializer(many=True))
    def get(self, request, run_id):
        after = whole_number(request.query_params, "after_seq", 0)
        limit = whole_number(request.query_params, "limit", 1000)
        run = selectors.run_get(run_id=run_id)
        body = selectors.run_events_json(run_id=run.id, after_seq=after, limit=limit)
        return HttpResponse(body, content_type="application/json")


class _Action(APIView):
    serializer = s.ReasonSerializer
    write_capability = "operate"

    def call(self, request, run_id, data, **kwargs):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, run_id, **kwargs):
        data = _body(self.serializer, request)
        selectors.run_get(run_id=run_id)  # 404 before anything else
        self.call(request, run_id, data, **kwargs)
        return _detail(run_id)


def _action(name, serializer, fn, doc):
    def post(self, request, run_id, **kwargs):
        return _Action.post(self, request, run_id, **kwargs)

    # A fresh function per view: extend_schema marks the function it decorates, and
    # decorating the shared _Action.post gave every action the last one's body schema.
    post = extend_schema(request=serializer, responses=s.RunDetailSerializer, description=doc)(post)
    return type(name, (_Action,), {"serializer": serializer, "call": fn, "post": post})


def _act(action, **fields):
    """A view calling ``run_act`` with ``action`` and the body fields named in ``fields``
    (``{argument: body key}``); the step comes from the URL."""
    def call(self, request, run_id, data, node_id=None):
        return actions.run_act(run_id=run_id, action=action, user=request.user, reason=data["reason"],
                               node_id=node_id, **{arg: data.get(key) for arg, key in fields.items()})
    return call


CancelView = _action("CancelView", s.ReasonSerializer, _act("cancel"), "Cancel the run (409 when it already ended).")
CompensateView = _action("CompensateView", s.ReasonSerializer, _act("compensate"),
                         "Undo what succeeded, in reverse order.")
SignalView = _action("SignalView", s.SignalSerializer,
                     _act("signal", signal="name", payload="payload", signal_id="signal_id"),
                     "Deliver a signal to the step waiting for it, or keep it (at most FLOWDECK_MAX_KEPT_SIGNALS "
                     "per run) for a signal node the run has not reached yet; 409 when the run is not open or "
                     "reaches no signal node of that name. A repeated signal_id is ignored.")
RetryView = _action("RetryView", s.ReasonSerializer, _act("retry"), "Retry from the failed step(s).")
StepRetryView = _action("StepRetryView", s.StepActionSerializer, _act("retry_step", kind="kind"),
                        "Run a failed or waiting-to-retry step now.")
StepForceRetryView = _action("StepForceRetryView", s.StepActionSerializer, _act("force_retry", kind="kind"),
                             "Abandon a running attempt whose lease expired or whose worker is dead; "
                             "schedule the next one now.")
StepSkipView = _action("StepSkipView", s.SkipSerializer, _act("skip", output="output", kind="kind"),
                       "Mark the step done with this output (validated against the activity's output schema).")
DataView = _action("DataView", s.DataSerializer, _act("edit_data", data="data"),
                   "Replace the run's data (before a retry).")
InputView = _action("InputView", s.InputSerializer, _act("edit_input", input="input"),
                    "Correct the run's input (checked against the definition's input schema, if it has one): steps "
                    "that already ran keep what they read, steps not run yet and retries read the new input; the "
                    "operator.input_edited event names the changed paths. 409 in a state the policy refuses.")


class BulkView(APIView):
    write_capability = "operate"

    @extend_schema(request=s.BulkSerializer, responses={200: dict},
                   description="On the runs a filter selects, or on runs picked by id (run_ids). dry_run (default) "
                               "returns how many runs the action would touch (picked runs: also which are refused "
                               "and why); else each run is acted on in its own transaction, a refusal reported per "
                               "run. signal needs signal (and a payload), skip needs node_id (and an output).")
    def post(self, request):
        data = _body(s.BulkSerializer, request)
        target = {"run_ids": data["run_ids"]} if "run_ids" in data else {"filters": run_filters(data["filters"])}
        common = {"action": data["action"], "node_id": data["node_id"], "signal": data["signal"], **target}
        if data["dry_run"]:
            return Response({"action": data["action"], "dry_run": True, **bulk.bulk_preview(**common)})
        return Response(bulk.bulk_apply(**common, payload=data["payload"], output=data["output"], user=request.user,
                                        reason=data["reason"], limit=data["limit"]))


class SavedViewListView(APIView):
    """Saved views of the runs list: the user's own, then those others shared."""
    write_capability = "view"   # console state: anyone who may look at runs keeps their own views

    @extend_schema(responses=s.SavedViewSerializer(many=True), operation_id="views_list")
    def get(self, request):
        views = saved_views.saved_view_list(user=request.user)
        return Response(s.SavedViewSerializer(views, many=True, context={"user": request.user}).data)

    @extend_schema(request=s.SavedViewCreateSerializer, responses={201: s.SavedViewSerializer},
                   description="409 when the user already has a view of that name.")
    def post(self, request):
        data = _body(s.SavedViewCreateSerializer, request)
        view = saved_views.saved_view_create(user=request.user, **data)
        return Response(s.SavedViewSerializer(view, context={"user": request.user}).data,
                        status=status.HTTP_201_CREATED)


class SavedViewDetailView(APIView):
    write_capability = "view"

    @extend_schema(request=s.SavedViewUpdateSerializer, responses=s.SavedViewSerializer,
                   description="Rename, share or stop sharing, or change the filters: the owner only (403).")
    def patch(self, request, view_id):
        data = _body(s.SavedViewUpdateSerializer, request)
        view = saved_views.saved_view_update(user=request.user, view_id=view_id, **data)
        return Response(s.SavedViewSerializer(view, context={"user": request.user}).data)

    @extend_schema(responses={204: None}, description="The owner only (403).")
    def delete(self, request, view_id):
        saved_views.saved_view_delete(user=request.user, view_id=view_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IncidentsView(APIView):
    @extend_schema(responses=s.IncidentSerializer(many=True))
    def get(self, request):
        return Response(selectors.incident_list())


class StatsView(APIView):
    @extend_schema(parameters=[OpenApiParameter("minutes", int)], responses=s.StatsSerializer(many=True))
    def get(self, request):
        return Response(selectors.run_stats(minutes=whole_number(request.query_params, "minutes", 60)))


class AuditExportView(APIView):
    """Admin only: every operator and designer action as JSON Lines."""
    permission_classes = [CanAudit]

    @extend_schema(parameters=[OpenApiParameter("after_id", int)], responses={(200, "application/jsonl"): str})
    def get(self, request):
        import json

        from django.http import StreamingHttpResponse

        from engine.selectors import audit_entries
        after = whole_number(request.query_params, "after_id", 0)

        def lines():
            for entry in audit_entries(after_id=after):
                yield json.dumps(entry, default=str) + "\n"
        response = StreamingHttpResponse(lines(), content_type="application/jsonl")
        response["Content-Disposition"] = 'attachment; filename="flowdeck-audit.jsonl"'
        return response
