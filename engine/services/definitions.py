"""Definitions and versions: drafts are edited, published versions never change."""
from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, ProtectedError, RestrictedError
from django.utils import timezone

from engine.errors import CodeWorkflowReadOnly, Conflict, InvalidInput, NotFound, SpecInvalid
from engine.models import WorkflowDefinition, WorkflowRun, WorkflowVersion
from engine.selectors.definitions import (MAX_TESTED_DRAFT, TEST_NUMBER_BASE, TEST_SLOTS, version_label,
                                          version_number_next)
from engine.services.audit import audit_record
from engine.spec import checksum
from engine.spec.validate import validate_spec
from engine.states import RunStatus, VersionStatus
from engine.store import retention

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
            number = version_number_next(definition=definition)
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


def version_publish(*, definition: WorkflowDefinition, number: int, user=None, note: str = "") -> WorkflowVersion:
    """Publish a draft after full validation; the previously published version is archived.
    ``note`` (optional: what changed and why) is kept on the version and in the history."""
    code_refuse(definition=definition, doing="published")
    with transaction.atomic():
        version = (WorkflowVersion.objects.select_for_update()
                   .filter(definition=definition, number=number).first())
        if version is None:
            raise NotFound(f"{definition.key} has no version {number}")
        if version.status != VersionStatus.DRAFT or version.is_test:
            what = "a test version" if version.is_test else version.status
            raise Conflict(f"{version_label(number=number)} is {what}; only a draft can be published")
        errors = spec_validate(spec=version.spec)
        if errors:
            raise SpecInvalid(errors)
        (WorkflowVersion.objects.filter(definition=definition, status=VersionStatus.PUBLISHED, is_test=False)
         .update(status=VersionStatus.ARCHIVED))
        version.status, version.published_at, version.published_by = VersionStatus.PUBLISHED, timezone.now(), user
        version.note = note.strip() or version.note
        version.save(update_fields=["status", "published_at", "published_by", "note", "updated_at"])
        audit_record(user=user, action="definition.publish", object_type="definition", object_id=definition.key,
                     changes={"version": number, "checksum": version.checksum, "note": note.strip()})
    return version


def test_version_create(*, definition: WorkflowDefinition, spec, user=None) -> WorkflowVersion:
    """An ephemeral published copy of a draft, for a designer's test run.

    It is numbered as a test of the draft (``TEST_NUMBER_BASE + draft * TEST_SLOTS + k``), never
    with a number of the definition's own: publishing v3 and test-running leaves the next draft v4.
    A test of the same spec as an earlier test of that draft reuses its version.
    """
    code_refuse(definition=definition, spec=spec, doing="test-run from a draft")
    _require_object(spec)
    errors = spec_validate(spec=spec)
    if errors:
        raise SpecInvalid(errors)
    if definition.archived_at is not None:
        raise Conflict(f"{definition.key} is archived: unarchive it to start runs")
    digest = checksum(spec)
    with transaction.atomic():
        WorkflowDefinition.objects.select_for_update().get(pk=definition.pk)
        draft = (WorkflowVersion.objects.filter(definition=definition, status=VersionStatus.DRAFT, is_test=False)
                 .values_list("number", flat=True).first() or version_number_next(definition=definition))
        if draft > MAX_TESTED_DRAFT:
            raise Conflict(f"draft v{draft} is past the numbers test versions can take; run a published version")
        low = TEST_NUMBER_BASE + draft * TEST_SLOTS
        tests = WorkflowVersion.objects.filter(definition=definition, is_test=True, number__gt=low,
                                               number__lt=low + TEST_SLOTS)
        same = tests.filter(checksum=digest).order_by("-number").first()
        if same is not None:
            return same
        number = (tests.aggregate(n=Max("number"))["n"] or low) + 1
        if number >= low + TEST_SLOTS:
            raise Conflict(f"draft v{draft} has had {TEST_SLOTS - 1} test versions; publish it to test further")
        audit_record(user=user, action="definition.test_version", object_type="definition",
                     object_id=definition.key, changes={"version": number, "draft": draft, "test": number - low})
        return WorkflowVersion.objects.create(
            definition=definition, number=number, spec=spec, checksum=digest, created_by=user,
            status=VersionStatus.PUBLISHED, is_test=True, published_at=timezone.now(), published_by=user,
            note=f"test {number - low} of draft v{draft}")


def definition_archive(*, definition: WorkflowDefinition, user=None, reason: str = "") -> WorkflowDefinition:
    """Hide the definition from the designer's list and refuse new runs of it; its runs are kept."""
    with transaction.atomic():
        locked = WorkflowDefinition.objects.select_for_update().get(pk=definition.pk)
        if locked.archived_at is not None:
            raise Conflict(f"{definition.key} is already archived")
        locked.archived_at = timezone.now()
        locked.save(update_fields=["archived_at", "updated_at"])
        audit_record(user=user, action="definition.archive", object_type="definition", object_id=definition.key,
                     reason=reason, changes={"archived_at": locked.archived_at.isoformat()})
    return locked


def definition_unarchive(*, definition: WorkflowDefinition, user=None, reason: str = "") -> WorkflowDefinition:
    with transaction.atomic():
        locked = WorkflowDefinition.objects.select_for_update().get(pk=definition.pk)
        if locked.archived_at is None:
            raise Conflict(f"{definition.key} is not archived")
        before, locked.archived_at = locked.archived_at, None
        locked.save(update_fields=["archived_at", "updated_at"])
        audit_record(user=user, action="definition.unarchive", object_type="definition", object_id=definition.key,
                     reason=reason, changes={"archived_at": {"before": before.isoformat(), "after": None}})
    return locked


def definition_delete(*, definition: WorkflowDefinition, user=None, reason: str = "") -> None:
    """Delete a definition that never had a real run, with its versions (published ones too: only
    its test runs pinned them) and its test runs, which go through the retention prune's one
    guarded way past the event log's append-only trigger (engine/store/retention.py).

    One with a real run is refused (archive it instead), and so is one whose test runs are still
    going or are children of another definition's test run. Its audit history stays.
    """
    code_refuse(definition=definition, doing="deleted")
    with transaction.atomic():
        locked = WorkflowDefinition.objects.select_for_update().get(pk=definition.pk)
        real = WorkflowRun.objects.filter(definition=locked, is_test=False).count()
        if real:
            raise Conflict(f"{locked.key} has {real} run(s), whose history is kept; archive it instead of deleting it")
        test_runs = _test_runs_purge(locked)
        versions = list(locked.versions.order_by("number").values_list("number", flat=True))
        with connection.cursor() as cur:   # lets flowdeck_version_guard (0025) delete its published versions
            cur.execute("SELECT set_config('flowdeck.deleting_definition', %s, true)", [str(locked.pk)])
        try:
            locked.versions.all().delete()
            locked.delete()
        except (ProtectedError, RestrictedError) as exc:   # e.g. a schedule still names it
            users = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
            names = sorted({str(type(o)._meta.verbose_name) for o in users})
            raise Conflict(f"{locked.key} is still used ({', '.join(names) or 'by other records'}); "
                           "remove those first or archive it instead") from None
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('flowdeck.deleting_definition', '', true)")
        audit_record(user=user, action="definition.delete", object_type="definition", object_id=definition.key,
                     reason=reason, changes={"name": locked.name, "versions": versions, "test_runs": test_runs})


def _test_runs_purge(definition: WorkflowDefinition) -> int:
    """Delete the definition's test runs (and their child runs) with all that is theirs; how many."""
    ids = list(WorkflowRun.objects.filter(definition=definition, is_test=True).values_list("id", flat=True))
    if not ids:
        return 0
    with connection.cursor() as cur:
        members = retention.tree(cur, ids)
        going = [m for m in members if m.status in RunStatus.ACTIVE]
        if going:
            raise Conflict(f"{definition.key} has {len(going)} test run(s) still going; cancel them first")
        every = [m.id for m in members]
        if len(retention.lock_members(cur, every)) != len(set(every)):
            raise Conflict(f"{definition.key}'s test runs are being changed right now; try again")
        rels = retention.relations()
        if retention.held_from_outside(cur, every, rels):
            raise Conflict(f"a test run of {definition.key} belongs to another definition's test run; "
                           "delete that one first")
        with retention.deleting(cur):
            retention.delete_runs(cur, every, rels)
    return len(ids)


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
