"""Which version a new run is pinned to (a run stays on it for its whole life)."""
from __future__ import annotations

from engine.errors import NotFound
from engine.models import WorkflowDefinition, WorkflowVersion
from engine.states import VersionStatus


def version_for(definition: WorkflowDefinition, number: int | None) -> WorkflowVersion:
    """Version ``number`` (published or archived), else the latest published one; NotFound says why."""
    qs = definition.versions.filter(status__in=[VersionStatus.PUBLISHED, VersionStatus.ARCHIVED])
    version = (qs.filter(number=number).first() if number is not None
               else qs.filter(status=VersionStatus.PUBLISHED, is_test=False).order_by("-number").first())
    if version is None:
        raise NotFound(f"{definition.key} has no published version" + (f" {number}" if number else ""))
    return version
