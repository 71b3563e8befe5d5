"""Reads of webhooks and their deliveries. No read returns a secret: it is shown once, by the
service that makes it (engine/services/hooks.py)."""
from __future__ import annotations

from django.db.models import OuterRef, Subquery

from engine.errors import NotFound
from engine.models import WebhookDelivery, WebhookHook
from engine.store import clock

DELIVERY_FIELDS = ("id", "received_at", "outcome", "business_key", "run_id", "detail")


def _view(hook: WebhookHook) -> dict:
    previous_until = hook.previous_secret_expires_at
    if previous_until is not None and previous_until <= clock.now():
        previous_until = None
    return {"key": hook.definition.key, "definition_name": hook.definition.name, "enabled": hook.enabled,
            "business_key_from": hook.business_key_from, "rate_per_minute": hook.rate_per_minute,
            # Enough to tell which secret a sender holds, far too little to guess it (256 bits, 24 shown).
            "secret_hint": "..." + hook.secret[-4:], "secret_set_at": hook.secret_set_at,
            "previous_secret_valid_until": previous_until,
            "created_by": hook.created_by.get_username() if hook.created_by else None,
            "created_at": hook.created_at, "updated_at": hook.updated_at,
            "last_delivery_at": getattr(hook, "last_delivery_at", None),
            "last_outcome": getattr(hook, "last_outcome", None)}


def _hooks():
    # The latest delivery by hook_delivery_recent_idx: one index probe per hook, however many it has.
    last = WebhookDelivery.objects.filter(hook=OuterRef("pk")).order_by("-received_at", "-id")
    return (WebhookHook.objects.select_related("definition", "created_by")
            .annotate(last_delivery_at=Subquery(last.values("received_at")[:1]),
                      last_outcome=Subquery(last.values("outcome")[:1])))


def hook_list() -> list[dict]:
    return [_view(hook) for hook in _hooks().order_by("definition__key")]


def hook_get(*, key: str) -> dict:
    hook = _hooks().filter(definition__key=key).first()
    if hook is None:
        raise NotFound(f"no webhook for {key!r}")
    return _view(hook)


def hook_deliveries(*, key: str, limit: int = 50) -> list[dict]:
    """The hook's latest deliveries, newest first."""
    if not WebhookHook.objects.filter(definition__key=key).exists():
        raise NotFound(f"no webhook for {key!r}")
    return list(WebhookDelivery.objects.filter(hook__definition__key=key).order_by("-received_at", "-id")
                .values(*DELIVERY_FIELDS)[:max(1, min(limit, 500))])
