"""Definitions and versions: drafts are edited, published versions never change."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from engine.errors import CodeWorkflowReadOnly, Conflict, InvalidInput, NotFound, SpecInvalid
from engine.models import WorkflowDefinition, WorkflowVersion
from engine.services.audit import audit_record
from engine.spec import checksum
from engine.spec.validate import validate_spec
from engine.states import VersionStatus

EMPTY_SPEC = {
    "schema_version": 1,
    "nodes": [
        {"id": "start", "type": "start", "label": "Start", "position": {"x": 0, "y": 0}},
        {"id": "end", "type": "end", "label": "End", "position": {"x": 250, "y": 0}},
    ],
    "edges": [{"id": "e_start_end", "source": "start", "target": "end"}],
}


def _definition_exists(key: str) -> bool:
    return WorkflowDefinition.objects.filter(key=key, versions__status=VersionStatus.PUBLISHED).exists()


def spec_validate(*, spec) -> list[dict]:
    """Every problem of ``spec`` at once (empty when valid)."""
    return validate_spec(spec, definition_exists=_definition_exists)


def code_refuse(*, definition=None, spec=None, doing: str) -> None:
    """Refuse ``doing`` on a code workflow's key, or with a code workflow's spec: a code workflow's
    versions are made from its Python function when a process loads it (engine/store/versions.py),
    and a graph version under its key would stop the next one being made."""
    if definition is not None and definition.versions.filter(spec__kind="code").exists():
        raise CodeWorkflowReadOnly(f"{definition.key} is a code workflow: its versions come from its Python code "
                                   f"(deploy a new code_version to change it), so it cannot be {doing} here")
    if isinstance(spec, dict) and spec.get("kind") == "code":
        raise CodeWorkflowReadOnly(f'a code workflow\'s spec ("kind": "code") cannot be {doing}: '
                                   "code workflows are written in Python, not in the designer")


def _require_object(spec) -> None:
    if not isinstance(spec, dict):
        raise SpecInvalid([{"code": "spec.E001", "message": "the spec must be a JSON object",
                            "node_id": None, "edge_id": None, "path": ""}])


def definition_create(*, key: str, name: str, description: str = "", spec: dict | None = None,
                      user=None) -> WorkflowDefinition:
    """A new definition with draft v1 (the given spec, or start -> end)."""
    spec = EMPTY_SPEC if spec is None else spec
    code_refuse(spec=spec, doing="created")
    _require_object(spec)
    try:
        with transaction.atomic():
            definition = WorkflowDefinition.objects.create(key=key, name=name, description=description)
            WorkflowVersion.objects.create(definition=definition, number=1, spec=spec, checksum=checksum(spec),
                                           created_by=user)
            audit_record(user=user, action="definition.create", object_type="definition", object_id=key,
                         changes={"name": name, "version": 1})
    except IntegrityError:
        raise Conflict(f"a definition with key {key!r} already exists")
    return definition


def definition_update(*, definition: WorkflowDefinition, name: str | None = None,
                      description: str | None = None, user=None) -> WorkflowDefinition:
    audit_record(user=user, action="definition.update", object_type="definition", object_id=definition.key,
                 changes={"before": {"name": definition.name, "description": definition.description},
                          "after": {"name": name if name is not None else definition.name,
                                    "description": description if description is not None
                                    else definition.description}})
    if name is not None:
        definition.name = name
    if description is not None:
        definition.description = description
    definition.save(update_fields=["name", "description", "updated_at"])
    return definition


def draft_save(*, definition: WorkflowDefinition, spec, revision: int | None = None, user=None,
               note: str = "") -> WorkflowVersion:
    """Save the definition's draft, creating one after the latest version if none.

    ``revision`` is the draft revision the editor loaded; a save naming an older
    one is refused (Conflict) instead of silently overwriting someone's work.
    """
    code_refuse(definition=definition, spec=spec, doing="saved as a draft")
    _require_object(spec)
    with transaction.atomic():
        WorkflowDefinition.objects.select_for_update().get(pk=definition.pk)
        draft = (WorkflowVersion.objects.select_for_update()
                 .filter(definition=definition, status=VersionStatus.DRAFT, is_test=False).first())
        if draft is None:
            number = (WorkflowVersion.objects.filter(definition=definition).aggregate(n=Max("number"))["n"] or 0) + 1
            audit_record(user=user, action="definition.draft_create", object_type="definition",
                         object_id=definition.key, changes={"version": number, "checksum": checksum(spec)})
            return WorkflowVersion.objects.create(definition=definition, number=number, spec=spec,
                                                  checksum=checksum(spec), created_by=user, note=note)
        if revision is not None and revision != draft.revision:
            raise Conflict(f"the draft v{draft.number} was saved by someone else since you loaded it "
                           f"(your revision {revision}, current {draft.revision}); reload it before saving")
        draft.spec, draft.checksum, draft.revision = spec, checksum(spec), draft.revision + 1
        draft.note = note or draft.note
        draft.save(update_fields=["spec", "checksum", "revision", "note", "updated_at"])
        audit_record(user=user, action="definition.draft_save", object_type="definition", object_id=definition.key,
                     changes={"version": draft.number, "revision": draft.revision, "checksum": draft.checksum})
        return draft


def version_publish(*, definition: WorkflowDefinition, number: int, user=None) -> WorkflowVersion:
    """Publish a draft after full validation; the previously published version is archived."""
    code_refuse(definition=definition, doing="published")
    with transaction.atomic():
        version = (WorkflowVersion.objects.select_for_update()
                   .filter(definition=definition, number=number).first())
        if version is None:
            raise NotFound(f"{definition.key} has no version {number}")
        if version.status != VersionStatus.DRAFT:
            raise Conflict(f"version {number} is {version.status}; only a draft can be published")
        errors = spec_validate(spec=version.spec)
        if errors:
            raise SpecInvalid(errors)
        (WorkflowVersion.objects.filter(definition=definition, status=VersionStatus.PUBLISHED, is_test=False)
         .update(status=VersionStatus.ARCHIVED))
        version.status, version.published_at, version.published_by = VersionStatus.PUBLISHED, timezone.now(), user
        version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        audit_record(user=user, action="definition.publish", object_type="definition", object_id=definition.key,
                     changes={"version": number, "checksum": version.checksum})
    return version


def test_version_create(*, definition: WorkflowDefinition, spec, user=None) -> WorkflowVersion:
    """An ephemeral published copy of a draft, for a designer's test run."""
    code_refuse(definition=definition, spec=spec, doing="test-run from a draft")
    _require_object(spec)
    errors = spec_validate(spec=spec)
    if errors:
        raise SpecInvalid(errors)
    with transaction.atomic():
        WorkflowDefinition.objects.select_for_update().get(pk=definition.pk)
        number = (WorkflowVersion.objects.filter(definition=definition).aggregate(n=Max("number"))["n"] or 0) + 1
        audit_record(user=user, action="definition.test_version", object_type="definition",
                     object_id=definition.key, changes={"version": number})
        return WorkflowVersion.objects.create(
            definition=definition, number=number, spec=spec, checksum=checksum(spec), created_by=user,
            status=VersionStatus.PUBLISHED, is_test=True, published_at=timezone.now(), published_by=user,
            note="test run")


EXPORT_FORMAT = "flowdeck.definition/v1"


def definition_export(*, definition: WorkflowDefinition, number: int | None = None) -> dict:
    """A portable JSON document: the given version, else the draft, else the latest published."""
    versions = definition.versions.filter(is_test=False)
    version = (versions.filter(number=number).first() if number is not None
               else versions.filter(status=VersionStatus.DRAFT).first()
               or versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()
               or versions.order_by("-number").first())
    if version is None:
        raise NotFound(f"{definition.key} has no version {number}")
    return {"format": EXPORT_FORMAT, "key": definition.key, "name": definition.name,
            "description": definition.description, "version": version.number, "spec": version.spec}


def definition_import(*, document, user=None, publish: bool = False) -> WorkflowVersion:
    """Create the definition (or a new draft of an existing one) from an export."""
    if not isinstance(document, dict) or document.get("format", EXPORT_FORMAT) != EXPORT_FORMAT:
        raise InvalidInput(f"not a Flowdeck definition export (expected format {EXPORT_FORMAT!r})")
    missing = [f for f in ("key", "name", "spec") if not document.get(f)]
    if missing:
        raise InvalidInput(f"missing field(s): {', '.join(missing)}",
                           errors=[{"field": f, "message": "required"} for f in missing])
    key, spec = document["key"], document["spec"]
    code_refuse(definition=WorkflowDefinition.objects.filter(key=key).first(), spec=spec, doing="imported")
    _require_object(spec)
    with transaction.atomic():
        definition = WorkflowDefinition.objects.filter(key=key).first()
        if definition is None:
            definition = definition_create(key=key, name=document["name"],
                                           description=document.get("description", ""), spec=spec, user=user)
            version = definition.versions.get(number=1)
        else:
            version = draft_save(definition=definition, spec=spec, user=user, note="imported")
        if publish:
            version = version_publish(definition=definition, number=version.number, user=user)
    return version
