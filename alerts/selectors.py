"""Reads for the API and the console: rules, the groups firing now, the alert log newest first."""
from __future__ import annotations

from alerts.models import AlertMessage, AlertRule, AlertState
from engine.errors import InvalidInput, NotFound


def rule_list() -> list[AlertRule]:
    return list(AlertRule.objects.select_related("created_by").order_by("name", "id"))


def rule_get(*, rule_id, lock: bool = False) -> AlertRule:
    """The rule (``lock``: its row held to the end of the caller's transaction), or NotFound."""
    try:
        pk = int(rule_id)
    except (TypeError, ValueError, OverflowError):
        pk = -1
    qs = AlertRule.objects.select_for_update() if lock else AlertRule.objects.select_related("created_by")
    rule = qs.filter(pk=pk).first() if 0 < pk < 2 ** 63 else None
    if rule is None:
        raise NotFound(f"no alert rule {str(rule_id)[:40]}")
    return rule


def state_list(*, status: str | None = AlertState.FIRING, limit: int = 500) -> list[AlertState]:
    """Groups firing now (``status`` None: every group still remembered), most recently seen first."""
    qs = AlertState.objects.select_related("rule")
    if status:
        if status not in (AlertState.FIRING, AlertState.RESOLVED):
            raise InvalidInput("status must be firing or resolved")
        qs = qs.filter(status=status)
    return list(qs.order_by("-last_seen", "-id")[: max(1, min(int(limit), 1000))])


def whole_number(value, name: str) -> int:
    """``value`` as a non-negative 64-bit whole number, or InvalidInput naming ``name``."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        number = -1
    if not 0 <= number < 2 ** 63:
        raise InvalidInput(f"{name} must be a whole number", errors=[{"field": name, "message": "a whole number"}])
    return number


def message_list(*, cursor=None, limit: int = 50, rule_id=None) -> tuple[list[AlertMessage], str | None]:
    """Newest first, keyset-paged on id: ``cursor`` is the last id of the page before."""
    limit = max(1, min(int(limit), 200))
    qs = AlertMessage.objects.all()
    if rule_id not in (None, ""):
        qs = qs.filter(rule_id=whole_number(rule_id, "rule"))
    if cursor not in (None, ""):
        qs = qs.filter(id__lt=whole_number(cursor, "cursor"))
    rows = list(qs.order_by("-id")[: limit + 1])
    return rows[:limit], (str(rows[limit - 1].id) if len(rows) > limit else None)
