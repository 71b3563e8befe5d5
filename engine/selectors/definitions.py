"""Reads of definitions and versions."""
from __future__ import annotations

from django.db.models import Count, Max, Q

from engine.errors import NotFound
from engine.models import WorkflowDefinition, WorkflowVersion
from engine.spec import diff_specs
from engine.states import VersionStatus


# A designer's test run pins an ephemeral test version. Those are numbered apart from the
# definition's own versions, so a test run never takes the number the next draft will show:
# test k of draft vN is TEST_NUMBER_BASE + N * TEST_SLOTS + k, unique per definition like any other.
TEST_NUMBER_BASE = 1_000_000_000
TEST_SLOTS = 10_000
MAX_TESTED_DRAFT = (2_147_483_647 - TEST_NUMBER_BASE) // TEST_SLOTS - 1   # an integer column's limit


def version_test_parts(number: int) -> tuple[int, int] | None:
    """``(draft number, test index)`` of a test version's number; None for a definition's own."""
    if number < TEST_NUMBER_BASE:
        return None
    return divmod(number - TEST_NUMBER_BASE, TEST_SLOTS)


def version_label(*, number: int) -> str:
    """How people see a version: "v4", or "test of draft v4" for a test version."""
    parts = version_test_parts(number)
    return f"v{number}" if parts is None else f"test of draft v{parts[0]}"


def version_number_next(*, definition: WorkflowDefinition) -> int:
    """The number the definition's next draft takes (test versions are not counted)."""
    top = (WorkflowVersion.objects.filter(definition=definition, number__lt=TEST_NUMBER_BASE)
           .aggregate(n=Max("number"))["n"])
    return (top or 0) + 1


def definition_list(*, include_archived: bool = True):
    qs = (WorkflowDefinition.objects
          .annotate(version_count=Count("versions", filter=Q(versions__is_test=False), distinct=True),
                    run_count=Count("runs", distinct=True),
                    real_run_count=Count("runs", filter=Q(runs__is_test=False), distinct=True))
          .order_by("key"))
    return qs if include_archived else qs.filter(archived_at__isnull=True)


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


MAX_FIELD_CHANGES = 50   # per node: a diff to read, not a dump


def _field_changes(before, after, path: str, out: list[dict]) -> None:
    """The leaves that differ between two JSON values, by dotted path (objects are walked into;
    lists and scalars compare whole; a missing key is ``None`` on its side)."""
    if isinstance(before, dict) and isinstance(after, dict):
        for k in list(before) + [k for k in after if k not in before]:
            if path == "" and k == "position":
                continue
            _field_changes(before.get(k), after.get(k), f"{path}.{k}" if path else str(k), out)
    elif before != after or type(before) is not type(after):
        out.append({"field": path, "before": before, "after": after})


def node_field_changes(before: dict, after: dict) -> list[dict]:
    """What changed inside one node, by field: ``[{"field": "retry.max_attempts", "before": 3, "after": 5}]``."""
    out: list[dict] = []
    _field_changes(before, after, "", out)
    return sorted(out, key=lambda change: change["field"])[:MAX_FIELD_CHANGES]   # jsonb keeps no key order


def version_diff(*, definition: WorkflowDefinition, a: int, b: int) -> dict:
    """What changed from version ``a`` to ``b``: ids added/removed/changed, and for each changed
    node its field changes (``node_changes``: node id -> before/after by field, position left out)."""
    va, vb = version_get(definition=definition, number=a), version_get(definition=definition, number=b)
    diff = diff_specs(va.spec, vb.spec)
    nodes_a, nodes_b = _nodes_by_id(va.spec), _nodes_by_id(vb.spec)
    moved = set(diff["nodes"]["moved"])
    diff["node_changes"] = {i: node_field_changes(nodes_a[i], nodes_b[i]) for i in diff["nodes"]["changed"]
                            if i not in moved and i in nodes_a and i in nodes_b}
    return {"from": a, "to": b, **diff}


def _nodes_by_id(spec) -> dict[str, dict]:
    nodes = spec.get("nodes") if isinstance(spec, dict) else None
    found: dict[str, dict] = {}
    for node in nodes if isinstance(nodes, list) else []:
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            found.setdefault(node["id"], node)
    return found
