"""Reads of definitions and versions."""
from __future__ import annotations

from django.db.models import Count, Q

from engine.errors import NotFound
from engine.models import WorkflowDefinition, WorkflowVersion
from engine.spec import diff_specs
from engine.states import VersionStatus


def definition_list():
    return (WorkflowDefinition.objects
            .annotate(version_count=Count("versions", filter=Q(versions__is_test=False), distinct=True),
                      run_count=Count("runs", distinct=True))
            .order_by("key"))


def definition_get(*, key: str) -> WorkflowDefinition:
    definition = WorkflowDefinition.objects.filter(key=key).first()
    if definition is None:
        raise NotFound(f"no definition with key {key!r}")
    return definition


def version_list(*, definition: WorkflowDefinition, include_test: bool = False):
    qs = definition.versions.annotate(run_count=Count("runs")).order_by("number")
    return qs if include_test else qs.filter(is_test=False)


def version_get(*, definition: WorkflowDefinition, number: int) -> WorkflowVersion:
    version = definition.versions.filter(number=number).first()
    if version is None:
        raise NotFound(f"{definition.key} has no version {number}")
    return version


def version_latest_published(*, definition: WorkflowDefinition) -> WorkflowVersion:
    version = (definition.versions.filter(status=VersionStatus.PUBLISHED, is_test=False)
               .order_by("-number").first())
    if version is None:
        raise NotFound(f"{definition.key} has no published version")
    return version


def version_diff(*, definition: WorkflowDefinition, a: int, b: int) -> dict:
    va, vb = version_get(definition=definition, number=a), version_get(definition=definition, number=b)
    return {"from": a, "to": b, **diff_specs(va.spec, vb.spec)}
