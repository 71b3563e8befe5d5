"""Recording audit entries (inside the caller's transaction)."""
from engine.models import AuditEntry


def audit_record(*, user, action: str, object_type: str, object_id, reason: str = "", changes=None) -> AuditEntry:
    return AuditEntry.objects.create(user=user if user is not None and user.is_authenticated else None,
                                     username=user.get_username() if user is not None else "system",
                                     action=action, object_type=object_type, object_id=str(object_id),
                                     reason=reason or "", changes=changes or {})
