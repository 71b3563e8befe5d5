"""Which version a new run is pinned to (a run stays on it for its whole life)."""
from __future__ import annotations

import threading

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from engine.errors import NotFound
from engine.models import AuditEntry, WorkflowDefinition, WorkflowVersion
from engine.spec import checksum
from engine.states import VersionStatus
from engine.workflows import Workflow, latest, workflow_list


def version_for(definition: WorkflowDefinition, number: int | None) -> WorkflowVersion:
    """Version ``number`` (published or archived), else the latest published one; NotFound says why."""
    qs = definition.versions.filter(status__in=[VersionStatus.PUBLISHED, VersionStatus.ARCHIVED])
    version = (qs.filter(number=number).first() if number is not None
               else qs.filter(status=VersionStatus.PUBLISHED, is_test=False).order_by("-number").first())
    if version is None:
        raise NotFound(f"{definition.key} has no published version" + (f" {number}" if number else ""))
    return version


# -- code workflows: each version a process has is a published version row (its source kept as
# first seen: a published version never changes) ------------------------------------------------

_synced: dict[tuple[str, str], int] = {}
_lock = threading.Lock()


def workflow_sync(workflow: Workflow) -> int:
    """The version number of ``workflow`` (its row made if it has none yet)."""
    key = (workflow.name, workflow.version)
    number = _synced.get(key)
    if number is not None:
        return number
    with _lock:
        for _ in range(3):
            try:
                number = _sync(workflow)
                break
            except IntegrityError:   # another process numbered it first: read it again
                continue
        _synced[key] = number
    return number


def _sync(workflow: Workflow) -> int:
    with transaction.atomic():
        definition, created = WorkflowDefinition.objects.get_or_create(
            key=workflow.name, defaults={"name": workflow.name, "description": workflow.description})
        definition = WorkflowDefinition.objects.select_for_update().get(pk=definition.pk)
        existing = (definition.versions.filter(spec__kind="code", spec__code_version=workflow.version)
                    .values_list("number", flat=True).first())
        if existing is not None:
            return existing
        if not created and definition.versions.exclude(spec__kind="code").exists():
            raise ValueError(f"{workflow.name} is a graph definition's key; a code workflow needs a key of its own")
        number = (definition.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        spec = workflow.spec()
        WorkflowVersion.objects.create(definition=definition, number=number, spec=spec, checksum=checksum(spec),
                                       status=VersionStatus.PUBLISHED, published_at=timezone.now(),
                                       note=f"code version {workflow.version}")
        AuditEntry.objects.create(user=None, username="system", action="definition.code_version", object_type="definition",
                                  object_id=workflow.name, reason="", changes={"version": number, "code_version": workflow.version,
                                                                    "module": workflow.module})
        return number


def workflows_sync() -> list[tuple[str, str, int]]:
    """Every code workflow version this process has, as (name, label, version number)."""
    return [(w.name, w.version, workflow_sync(w)) for w in workflow_list()]


def workflow_start_version(definition_key: str, *, again: bool = False) -> int | None:
    """The version a new run of code workflow ``definition_key`` starts on, if this process has
    it: its newest label's (None: not a code workflow here; the latest published then).
    ``again``: the number kept in this process was not found (the database was emptied)."""
    workflow = latest(definition_key)
    if workflow is None:
        return None
    if again:
        _synced.pop((workflow.name, workflow.version), None)
    return workflow_sync(workflow)
