"""Webhook starts: a signed POST to ``/hooks/<definition key>/`` starts a run (docs/operating-webhooks.md).

The signature is Stripe's scheme: ``Flowdeck-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
"<t>.<raw body>")>``. A request is checked in this order, each step refusing with its own error:
the hook exists and is enabled (NotFound), the signature matches and its time is within
FLOWDECK_HOOK_TOLERANCE (SignatureRefused), the hook's rate (RateLimited), then, for a signed
request only, the same signed request seen before (Replayed), the body and its business key
(InvalidInput) and whatever ``run_start`` refuses. Every signed request is recorded as a
WebhookDelivery, its outcome included; unsigned ones are not, so forgeries cannot fill the table.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import math
import re
import secrets
from typing import Any, Callable, Mapping

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from engine.errors import Conflict, EngineError, InvalidInput, NotFound
from engine.models import WebhookDelivery, WebhookHook, WorkflowDefinition
from engine.services.audit import audit_record
from engine.services.runs import run_start
from engine.spec.expressions import compile_expression, evaluate_expression
from engine.store import clock

SIGNATURE_HEADER = "Flowdeck-Signature"
SCHEME = "v1"
MAX_HEADER_CHARS = 1000            # a timestamp and a few signatures (one per secret while rotating)
MAX_KEEP_PREVIOUS = 24 * 3600      # seconds an old secret may stay valid after a rotation
MAX_RATE_PER_MINUTE = 100_000
MAX_BUSINESS_KEY = 200             # WorkflowRun.business_key
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}")   # an HTTP token (RFC 9110)


class SignatureRefused(EngineError):
    """The request is not signed with the hook's secret, or not recently (HTTP 401); ``code`` says which."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class RateLimited(EngineError):
    """The hook's rate is spent (HTTP 429); ``retry_after`` is in seconds."""
    code = "hook.rate_limited"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Replayed(Conflict):
    """This exact signed request was received before."""
    code = "hook.replayed"


@dataclasses.dataclass(frozen=True)
class Receipt:
    run_id: object
    created: bool
    business_key: str | None
    delivery_id: int


# -- signatures (pure) -----------------------------------------------------------

def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, body: bytes, timestamp: int) -> str:
    """The header a sender sends with ``body`` at ``timestamp`` (unix seconds)."""
    return f"t={timestamp},{SCHEME}={_mac(secret, timestamp, body)}"


def _malformed(why: str) -> SignatureRefused:
    return SignatureRefused("hook.signature_malformed",
                            f"the {SIGNATURE_HEADER} header {why}; expected t=<unix seconds>,v1=<hex HMAC-SHA256>")


def signature_parse(header: str | None) -> tuple[int, list[str]]:
    """The header's timestamp and its v1 signatures. Other schemes are ignored, as Stripe's are."""
    if not header or not header.strip():
        raise SignatureRefused("hook.signature_missing", f"the request has no {SIGNATURE_HEADER} header: sign it "
                                                         f"with the hook's secret (docs/operating-webhooks.md)")
    if len(header) > MAX_HEADER_CHARS:
        raise _malformed(f"is longer than {MAX_HEADER_CHARS} characters")
    timestamp, signatures = None, []
    for part in header.split(","):
        name, sep, value = (p.strip() for p in part.partition("="))
        if not sep:
            raise _malformed(f"has {part.strip()[:40]!r}, not name=value")
        if name == "t":
            if timestamp is not None or not _TIMESTAMP.fullmatch(value):
                raise _malformed("needs one t=, in whole unix seconds")
            timestamp = int(value)
        elif name == SCHEME:
            if not _HEX64.fullmatch(value):
                raise _malformed("has a v1= that is not 64 lowercase hex digits")
            signatures.append(value)
    if timestamp is None:
        raise _malformed("has no t=")
    if not signatures:
        raise _malformed("has no v1= signature")
    return timestamp, signatures


def signature_verify(*, header: str | None, body: bytes, keys: list[str], now: float, tolerance: int) -> str:
    """The digest of the signed ``<t>.<body>`` (what makes a replay a replay), or SignatureRefused."""
    timestamp, signatures = signature_parse(header)
    expected = [_mac(key, timestamp, body) for key in keys]
    # Every pair is compared (no early exit): the time taken says nothing about which was close.
    matches = [hmac.compare_digest(e, s) for e in expected for s in signatures]
    if not any(matches):
        raise SignatureRefused("hook.signature_mismatch", "the signature does not match: sign '<t>.<raw body>' "
                                                          "with HMAC-SHA256 and the hook's current secret")
    if abs(now - timestamp) > tolerance:
        raise SignatureRefused("hook.signature_expired", f"the signature's timestamp is {int(now - timestamp)} s "
                                                         f"from the server's time (tolerance {tolerance} s): too old, "
                                                         f"or a replay")
    return hashlib.sha256(f"{timestamp}.".encode() + body).hexdigest()


# -- business keys -----------------------------------------------------------------

def business_key_source_check(text: str) -> str:
    """``text`` as stored: "", "header:<Name>" or "body:<JMESPath>" (InvalidInput otherwise)."""
    text = (text or "").strip()
    if not text:
        return ""
    kind, sep, where = (p.strip() for p in text.partition(":"))
    if sep and kind == "header" and _HEADER_NAME.fullmatch(where):
        return f"header:{where}"
    if sep and kind == "body" and where:
        compile_expression(where)   # the spec's limits on length, nesting and functions
        return f"body:{where}"
    raise InvalidInput("business_key_from must be empty, 'header:<Header-Name>' or 'body:<JMESPath expression>'")


def business_key_of(source: str, body: dict, headers: Mapping[str, str]) -> str | None:
    """The delivery's business key from where the hook says (None when it names none)."""
    if not source:
        return None
    kind, _, where = source.partition(":")
    if kind == "header":
        value, looked = headers.get(where.lower()), f"the {where} header"
    else:
        value, looked = evaluate_expression(where, body), f"the body at {where!r}"
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or value == "":
        raise InvalidInput(f"no business key: {looked} is missing or empty")
    if not isinstance(value, str):
        raise InvalidInput(f"the business key ({looked}) must be a string or an integer, not {type(value).__name__}")
    if len(value) > MAX_BUSINESS_KEY:
        raise InvalidInput(f"the business key ({looked}) is {len(value)} characters long (max {MAX_BUSINESS_KEY})")
    return value


# -- the rate limit ------------------------------------------------------------------

# A token bucket per hook, as one time on its own row (GCRA: when the bucket is full again). Each
# request moves it 1/rate of a minute later and is refused if that is more than a minute ahead: a
# burst of ``rate_per_minute``, then that many per minute, with no window edge that lets twice
# through. PostgreSQL rather than Redis: the hook's row is the unit, one conditional UPDATE is atomic
# under concurrent requests (the second re-checks the row the first wrote), the clock is the
# database's like every other time here, and hooks' per-minute rates are far below what a row
# update costs; Redis would be a second store to be down, for no gain. Autocommit: held for one statement.
_RATE_TAKE = """
UPDATE engine_webhookhook
SET rate_full_at = GREATEST(rate_full_at, statement_timestamp()) + interval '60 seconds' / rate_per_minute
WHERE id = %s AND GREATEST(rate_full_at, statement_timestamp()) + interval '60 seconds' / rate_per_minute
                  <= statement_timestamp() + interval '60 seconds'
RETURNING id
"""
_RATE_WAIT = """
SELECT EXTRACT(EPOCH FROM GREATEST(rate_full_at, statement_timestamp()) + interval '60 seconds' / rate_per_minute
                          - statement_timestamp() - interval '60 seconds')
FROM engine_webhookhook WHERE id = %s
"""


def _rate_take(hook: WebhookHook) -> None:
    with connection.cursor() as cur:
        cur.execute(_RATE_TAKE, [hook.id])
        if cur.fetchone() is not None:
            return
        cur.execute(_RATE_WAIT, [hook.id])
        row = cur.fetchone()
    wait = max(1, math.ceil(float(row[0]))) if row else 60
    raise RateLimited(f"the hook {hook.definition.key!r} takes {hook.rate_per_minute} requests a minute; "
                      f"retry in {wait} s", retry_after=wait)


# -- receiving -----------------------------------------------------------------------

def _keys(hook: WebhookHook, now: dt.datetime) -> list[str]:
    keys = [hook.secret]
    if hook.previous_secret and hook.previous_secret_expires_at and hook.previous_secret_expires_at > now:
        keys.append(hook.previous_secret)
    return keys


def hook_receive(*, key: str, raw: bytes, headers: Mapping[str, str], parse: Callable[[bytes], Any]) -> Receipt:
    """Start a run of definition ``key`` from a signed request: ``raw`` is its body as sent (the bytes
    signed), ``parse`` turns it into JSON or raises InvalidInput. With a business key, the same key
    again returns the run it started (``created`` False)."""
    hook = WebhookHook.objects.select_related("definition").filter(definition__key=key, enabled=True).first()
    if hook is None:
        raise NotFound(f"no enabled webhook for {key!r}")
    headers = {name.lower(): value for name, value in headers.items()}
    now = clock.now()
    digest = signature_verify(header=headers.get(SIGNATURE_HEADER.lower()), body=raw, keys=_keys(hook, now),
                              now=now.timestamp(), tolerance=settings.FLOWDECK_HOOK_TOLERANCE)
    _rate_take(hook)
    business_key = None
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    delivery = WebhookDelivery.objects.create(hook=hook, digest=digest, received_at=now,
                                                              outcome=WebhookDelivery.STARTED)
            except IntegrityError:
                raise Replayed("this signed request was received before (replayed): sign each new request "
                               "with the current time") from None
            body = parse(raw)
            if not isinstance(body, dict):
                raise InvalidInput(f"the body must be a JSON object, not {_json_type(body)}")
            business_key = business_key_of(hook.business_key_from, body, headers)
            run, created = run_start(definition_key=key, input=body, business_key=business_key,
                                     reason=f"webhook delivery {delivery.id}")
            delivery.run_id, delivery.business_key = run.id, business_key
            delivery.outcome = WebhookDelivery.STARTED if created else WebhookDelivery.EXISTING
            delivery.save(update_fields=["run", "business_key", "outcome"])
    except Replayed:
        raise
    except (InvalidInput, NotFound, Conflict) as exc:
        # Kept outside the rolled-back start, so the operator sees why, and a replay of it is still one.
        WebhookDelivery.objects.bulk_create([WebhookDelivery(
            hook=hook, digest=digest, received_at=now, business_key=business_key, outcome=WebhookDelivery.REFUSED,
            detail=str(exc)[:500])], ignore_conflicts=True)
        raise
    return Receipt(run_id=run.id, created=created, business_key=business_key, delivery_id=delivery.id)


def _json_type(value) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")


# -- management (admins; audited) ------------------------------------------------------

def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _rate(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RATE_PER_MINUTE:
        raise InvalidInput(f"rate_per_minute must be a whole number from 1 to {MAX_RATE_PER_MINUTE}")
    return value


def _locked(key: str) -> WebhookHook:
    hook = (WebhookHook.objects.select_for_update(of=("self",)).select_related("definition")
            .filter(definition__key=key).first())   # the hook's row only: definition edits go on
    if hook is None:
        raise NotFound(f"no webhook for {key!r}")
    return hook


def _audit(hook_key: str, action: str, *, user, reason: str, changes: dict) -> None:
    audit_record(user=user, action=f"hook.{action}", object_type="hook", object_id=hook_key, reason=reason,
                 changes=changes)


def hook_create(*, definition_key: str, business_key_from: str = "", rate_per_minute: int = 60, enabled: bool = True,
                user=None, reason: str = "") -> tuple[WebhookHook, str]:
    """A webhook for the definition, and its secret: returned here once, never shown again."""
    definition = WorkflowDefinition.objects.filter(key=definition_key).first()
    if definition is None:
        raise NotFound(f"no definition with key {definition_key!r}")
    fields = {"business_key_from": business_key_source_check(business_key_from),
              "rate_per_minute": _rate(rate_per_minute), "enabled": bool(enabled)}
    secret = _new_secret()
    try:
        with transaction.atomic():
            hook = WebhookHook.objects.create(definition=definition, secret=secret, secret_set_at=clock.now(),
                                              created_by=user if user is not None and user.is_authenticated else None,
                                              **fields)
            _audit(definition_key, "create", user=user, reason=reason, changes=fields)
    except IntegrityError:
        raise Conflict(f"{definition_key!r} already has a webhook: update it, or rotate its secret") from None
    return hook, secret


def hook_rotate_secret(*, key: str, keep_previous_for: int = 0, user=None, reason: str = "") -> tuple[WebhookHook, str]:
    """A new secret (returned once). ``keep_previous_for`` seconds the old one is still accepted, so
    a sender can switch without a refused request."""
    if isinstance(keep_previous_for, bool) or not isinstance(keep_previous_for, int) or \
            not 0 <= keep_previous_for <= MAX_KEEP_PREVIOUS:
        raise InvalidInput(f"keep_previous_for must be a whole number of seconds from 0 to {MAX_KEEP_PREVIOUS}")
    secret = _new_secret()
    with transaction.atomic():
        hook = _locked(key)
        now = clock.now()
        hook.previous_secret = hook.secret if keep_previous_for else ""
        hook.previous_secret_expires_at = now + dt.timedelta(seconds=keep_previous_for) if keep_previous_for else None
        hook.secret, hook.secret_set_at = secret, now
        hook.save(update_fields=["secret", "secret_set_at", "previous_secret", "previous_secret_expires_at",
                                 "updated_at"])
        _audit(key, "rotate_secret", user=user, reason=reason, changes={"keep_previous_for": keep_previous_for})
    return hook, secret


def hook_update(*, key: str, enabled: bool | None = None, business_key_from: str | None = None,
                rate_per_minute: int | None = None, user=None, reason: str = "") -> WebhookHook:
    """Change what is given (None: unchanged); the audit entry records each change, before and after."""
    wanted = {"enabled": None if enabled is None else bool(enabled),
              "business_key_from": None if business_key_from is None else business_key_source_check(business_key_from),
              "rate_per_minute": None if rate_per_minute is None else _rate(rate_per_minute)}
    with transaction.atomic():
        hook = _locked(key)
        changes = {name: [getattr(hook, name), value] for name, value in wanted.items()
                   if value is not None and getattr(hook, name) != value}
        if changes:
            for name, (_, value) in changes.items():
                setattr(hook, name, value)
            hook.save(update_fields=[*changes, "updated_at"])
            _audit(key, "update", user=user, reason=reason, changes=changes)
    return hook


def hook_delete(*, key: str, user=None, reason: str = "") -> None:
    """Remove the webhook and its delivery records; its runs stay."""
    with transaction.atomic():
        hook = _locked(key)
        deliveries = hook.deliveries.count()
        hook.delete()
        _audit(key, "delete", user=user, reason=reason, changes={"deliveries": deliveries})
