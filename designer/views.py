"""Definitions API: thin views over engine services (writes) and selectors (reads)."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from designer import serializers as s
from engine import selectors
from engine.selectors import definitions as selectors_definitions
from engine.activities import activity_list
from engine.errors import InvalidInput
from engine.models import WorkflowVersion
from engine.services import definitions as svc
from engine.services.runs import run_start
from engine.spec import checksum
from engine.states import VersionStatus


def _definitions(*, include_archived: bool = True):
    return s.with_kind(selectors.definition_list(include_archived=include_archived))


def _body(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class DefinitionListView(APIView):
    write_capability = "design"

    @extend_schema(parameters=[OpenApiParameter("archived", bool, required=False,
                                                description="false: leave archived definitions out")],
                   responses=s.DefinitionSerializer(many=True))
    def get(self, request):
        archived = request.query_params.get("archived", "true").lower()
        if archived not in ("true", "false", "1", "0"):
            raise InvalidInput("archived must be true or false")
        definitions = _definitions(include_archived=archived in ("true", "1"))
        return Response(s.DefinitionSerializer(definitions, many=True).data)

    @extend_schema(request=s.DefinitionCreateSerializer, responses={201: s.DefinitionSerializer})
    def post(self, request):
        data = _body(s.DefinitionCreateSerializer, request)
        definition = svc.definition_create(user=request.user, **data)
        return Response(s.DefinitionSerializer(definition).data, status=status.HTTP_201_CREATED)


class DefinitionDetailView(APIView):
    write_capability = "design"

    @extend_schema(responses=s.DefinitionSerializer)
    def get(self, request, key):
        definition = _definitions().filter(key=key).first() or selectors.definition_get(key=key)
        return Response(s.DefinitionSerializer(definition).data)

    @extend_schema(request=s.DefinitionUpdateSerializer, responses=s.DefinitionSerializer)
    def patch(self, request, key):
        data = _body(s.DefinitionUpdateSerializer, request)
        definition = svc.definition_update(definition=selectors.definition_get(key=key), user=request.user, **data)
        return Response(s.DefinitionSerializer(definition).data)

    @extend_schema(request=s.DefinitionReasonSerializer, responses={204: None},
                   description="Delete a definition that never had a real run, with its versions and its "
                               "finished test runs. One with a real run is refused with 409 (archive it "
                               "instead), and so is one whose test runs are still going.")
    def delete(self, request, key):
        data = _body(s.DefinitionReasonSerializer, request)
        svc.definition_delete(definition=selectors.definition_get(key=key), user=request.user, **data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DefinitionArchiveView(APIView):
    write_capability = "design"
    archive = True

    @extend_schema(request=s.DefinitionReasonSerializer, responses=s.DefinitionSerializer,
                   description="Archive: hidden from the designer's list by default, runs cannot be started, "
                               "its runs are kept. Unarchive undoes it.")
    def post(self, request, key):
        data = _body(s.DefinitionReasonSerializer, request)
        service = svc.definition_archive if self.archive else svc.definition_unarchive
        service(definition=selectors.definition_get(key=key), user=request.user, **data)
        return Response(s.DefinitionSerializer(_definitions().get(key=key)).data)


class VersionListView(APIView):
    write_capability = "design"

    @extend_schema(responses=s.VersionSummarySerializer(many=True))
    def get(self, request, key):
        versions = selectors.version_list(definition=selectors.definition_get(key=key))
        return Response(s.VersionSummarySerializer(versions, many=True).data)

    @extend_schema(request=s.DraftSaveSerializer, responses={201: s.VersionSerializer},
                   description="Save the draft (created after the latest version when there is none). "
                               "Drafts may be invalid; publishing validates.")
    def post(self, request, key):
        data = _body(s.DraftSaveSerializer, request)
        definition = selectors.definition_get(key=key)
        version = svc.draft_save(definition=definition, user=request.user, **data)
        return Response(s.VersionSerializer(version).data, status=status.HTTP_201_CREATED)


class VersionDetailView(APIView):
    @extend_schema(responses=s.VersionSerializer)
    def get(self, request, key, number):
        version = selectors.version_get(definition=selectors.definition_get(key=key), number=number)
        return Response(s.VersionSerializer(version).data)


class VersionPublishView(APIView):
    write_capability = "design"

    @extend_schema(request=s.PublishSerializer, responses=s.VersionSerializer)
    def post(self, request, key, number):
        data = _body(s.PublishSerializer, request)
        definition = selectors.definition_get(key=key)
        version = svc.version_publish(definition=definition, number=number, user=request.user, **data)
        return Response(s.VersionSerializer(version).data)


class VersionDiffView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, key, a, b):
        return Response(selectors.version_diff(definition=selectors.definition_get(key=key), a=a, b=b))


class ValidateView(APIView):
    write_capability = "view"  # checking a spec changes nothing

    @extend_schema(request=s.ValidateRequestSerializer, responses={200: s.ValidationResultSerializer},
                   description="Check a spec. A checked spec is answered 200, valid or not: "
                               '{"valid": false, "errors": [...]} lists every problem. Only a malformed '
                               "request (not JSON, not an object, no spec object) is a 4xx.")
    def post(self, request, key):
        selectors.definition_get(key=key)
        errors = svc.spec_validate(spec=_body(s.ValidateRequestSerializer, request)["spec"])
        return Response({"valid": not errors, "errors": errors})


class ExportView(APIView):
    @extend_schema(parameters=[OpenApiParameter("version", int, required=False)], responses={200: dict},
                   description="The given version, else the draft, else the latest published. The file is "
                               "named <key>-v<n>.flowdeck.json, with -draft for an unpublished draft.")
    def get(self, request, key):
        number = request.query_params.get("version")
        if number is not None and not (number.isascii() and number.isdigit()):   # "²".isdigit() is true
            raise InvalidInput("version must be a whole number")
        definition = selectors.definition_get(key=key)
        document = svc.definition_export(definition=definition, number=int(number) if number else None)
        draft = definition.versions.filter(number=document["version"], status=VersionStatus.DRAFT).exists()
        response = Response(document)
        name = f'{key}-v{document["version"]}{"-draft" if draft else ""}.flowdeck.json'
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def _draft_in_the_way(document) -> WorkflowVersion | None:
    """The unpublished draft an import of ``document`` would replace, unless it already holds the same spec."""
    draft = (WorkflowVersion.objects.filter(definition__key=document["key"], status=VersionStatus.DRAFT,
                                            is_test=False).select_related("created_by").first())
    if draft is None or (isinstance(document["spec"], dict) and draft.checksum == checksum(document["spec"])):
        return None
    return draft


def _draft_exists(key: str, draft: WorkflowVersion) -> Response:
    saved = draft.updated_at.isoformat()
    message = (f"{key} has an unpublished draft v{draft.number} (revision {draft.revision}, last saved {saved}); "
               f"importing would replace it. Send overwrite_draft: true to replace it.")
    return Response({"code": "import.draft_exists", "detail": message,
                     "errors": [{"code": "import.draft_exists", "message": message, "field": "overwrite_draft"}],
                     "draft": {"key": key, "number": draft.number, "revision": draft.revision, "updated_at": saved,
                               "created_by": str(draft.created_by) if draft.created_by else None}},
                    status=status.HTTP_409_CONFLICT)


class ImportView(APIView):
    write_capability = "design"

    @extend_schema(request=s.ImportSerializer, responses={201: s.VersionSerializer, 409: dict},
                   description="Create the definition, or a new draft of an existing one. Onto a key with an "
                               "unpublished draft (holding another spec) it is refused with 409 "
                               "import.draft_exists, naming the draft, unless overwrite_draft is true.")
    def post(self, request):
        data = _body(s.ImportSerializer, request)
        overwrite = data.pop("overwrite_draft")
        draft = None if overwrite else _draft_in_the_way(data["document"])
        if draft is not None:
            return _draft_exists(data["document"]["key"], draft)
        version = svc.definition_import(user=request.user, **data)
        body = {"key": version.definition.key, **s.VersionSerializer(version).data}
        return Response(body, status=status.HTTP_201_CREATED)


class ActivityListView(APIView):
    @extend_schema(responses=s.ActivitySerializer(many=True))
    def get(self, request):
        return Response(s.ActivitySerializer(activity_list(), many=True).data)


class NodeTypeListView(APIView):
    @extend_schema(responses=s.NodeTypeSerializer(many=True),
                   description="The node types (engine/nodes): their defaults, and for the ones that run an "
                               "activity the error types no retry policy retries.")
    def get(self, request):
        return Response(s.NodeTypeSerializer(selectors.node_type_list(), many=True).data)


class TestRunView(APIView):
    write_capability = "design"

    @extend_schema(request=s.TestRunSerializer, responses={201: dict},
                   description="Start a test run of a draft spec (an ephemeral test version) or of a version.")
    def post(self, request, key):
        data = _body(s.TestRunSerializer, request)
        definition = selectors.definition_get(key=key)
        number = data.get("version")
        if "spec" in data:
            number = svc.test_version_create(definition=definition, spec=data["spec"], user=request.user).number
        run, _ = run_start(definition_key=key, input=data["input"], version=number, user=request.user,
                           reason="test run", is_test=True)
        return Response({"run": {"id": str(run.id), "status": run.status, "version": number,
                                 "version_label": selectors_definitions.version_label(number=number)}},
                        status=status.HTTP_201_CREATED)


class DefinitionHistoryView(APIView):
    @extend_schema(responses=s.HistoryEntrySerializer(many=True))
    def get(self, request, key):
        selectors.definition_get(key=key)
        return Response(selectors.definition_history(key=key))
