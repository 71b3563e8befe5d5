"""Reads of retention: how long each definition's runs are kept, and what a prune would delete now."""
from __future__ import annotations

from django.conf import settings
from django.db import connection

from engine.models import WorkflowDefinition
from engine.store import retention as store


def retention_default_days() -> int:
    """FLOWDECK_RETENTION_DAYS: days runs are kept after they end, for definitions without their own (0: forever)."""
    return int(getattr(settings, "FLOWDECK_RETENTION_DAYS", 30))


def retention_kept_days(*, definition: WorkflowDefinition) -> int:
    """The definition's effective retention in days (0: kept forever)."""
    return retention_default_days() if definition.retention_days is None else definition.retention_days


def retention_policy() -> dict:
    """What the console shows: the default, whether runs are archived before they go, when the daily
    prune starts, and each definition's own setting (null: the default) and effective days."""
    default = retention_default_days()
    rows = WorkflowDefinition.objects.order_by("key").values_list("key", "name", "retention_days")
    return {
        "default_days": default,
        "archived": bool((getattr(settings, "FLOWDECK_ARCHIVE_URL", "") or "").strip()),
        "daily_at": (getattr(settings, "FLOWDECK_RETENTION_AT", "") or "").strip() or None,
        "definitions": [{"key": key, "name": name, "retention_days": own,
                         "kept_days": default if own is None else own} for key, name, own in rows],
    }


def retention_counts(*, older_than_days: int | None = None) -> list[dict]:
    """Per definition whose runs are pruned: what a prune would delete now (a dry run). Counting the
    steps and events reads their indexes for every run due: seconds for millions of rows."""
    default = retention_default_days() if older_than_days is None else older_than_days
    out = []
    with connection.cursor() as cur:
        for definition_id, key, days in store.policies(default_days=default):
            out.append({"definition": key, "kept_days": days, **store.due_counts(cur, definition_id=definition_id,
                                                                                 days=days)})
    return out


__all__ = ["retention_counts", "retention_default_days", "retention_kept_days", "retention_policy"]
