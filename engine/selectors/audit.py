"""Reads of the audit log."""
from engine.models import AuditEntry

FIELDS = ("id", "created_at", "username", "action", "object_type", "object_id", "reason", "changes")


def audit_entries(*, after_id: int = 0, chunk: int = 2000):
    """Every entry after ``after_id`` in order, streamed in chunks."""
    last = after_id
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last).order_by("id").values(*FIELDS)[:chunk])
        if not rows:
            return
        yield from rows
        last = rows[-1]["id"]


def definition_history(*, key: str, limit: int = 500) -> list[dict]:
    return list(AuditEntry.objects.filter(object_type="definition", object_id=key)
                .order_by("-id").values(*FIELDS)[:limit])
