"""Sending logged messages (after the transaction that wrote them commits). Each message is claimed
by a guarded update (``attempted_at`` from null), so two deliverers never both send it; its outcome
(sent, or failed with the response code or the error) is written back. Nothing here raises: one bad
receiver never stops the others, nor the evaluation loop."""
from __future__ import annotations

import datetime as dt
import functools
import logging

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from alerts.models import AlertMessage
from engine.httpcall import host_allowed

log = logging.getLogger("alerts.delivery")
MAX_ERROR = 1000


class DeliveryFailed(Exception):
    """A receiver refused or could not be reached; ``code`` is its HTTP status, if it answered."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


@functools.cache
def _client() -> httpx.Client:
    """One per process (thread-safe): building one (its TLS context) costs more than a post.
    No redirects: a receiver must not bounce the message to a host the allow-list does not name."""
    return httpx.Client(follow_redirects=False, headers={"User-Agent": "Flowdeck-Alerts"})


def _post(url: str, body: dict) -> int:
    if not host_allowed(url, settings.FLOWDECK_ALERT_ALLOWED_HOSTS):
        raise DeliveryFailed("the URL's host is not in FLOWDECK_ALERT_ALLOWED_HOSTS")
    try:
        response = _client().post(url, json=body, timeout=settings.FLOWDECK_ALERT_TIMEOUT)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:MAX_ERROR])
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"the receiver answered {response.status_code}: {response.text[:300]}",
                             code=response.status_code)
    return response.status_code


def _send(message: AlertMessage) -> int | None:
    if message.channel == "email":
        to = [a for a in message.target.split(",") if a]
        send_mail(message.body["subject"], message.body["text"], settings.FLOWDECK_ALERT_EMAIL_FROM, to,
                  fail_silently=False)
        return None
    return _post(message.target, message.body)


def message_deliver(*, message_id: int) -> str:
    """Send one message if nobody has tried yet; its status afterwards."""
    now = timezone.now()
    if not AlertMessage.objects.filter(pk=message_id, attempted_at__isnull=True).update(attempted_at=now):
        return "taken"
    message = AlertMessage.objects.get(pk=message_id)
    code, error = None, ""
    try:
        code = _send(message)
    except DeliveryFailed as exc:
        code, error = exc.code, str(exc)
    except Exception as exc:  # SMTP refusals, bad addresses, anything: logged on the message, never raised
        error = f"{type(exc).__name__}: {exc}"
    status = AlertMessage.FAILED if error else AlertMessage.SENT
    if error:
        log.warning("alert message %s to %s failed: %s", message.id, message.channel, error)
    AlertMessage.objects.filter(pk=message.id).update(status=status, response_code=code, error=error[:MAX_ERROR],
                                                      delivered_at=timezone.now())
    return status


def messages_deliver(*, message_ids) -> dict:
    """Each message in turn; {status: count}."""
    counts: dict[str, int] = {}
    for message_id in message_ids:
        try:
            status = message_deliver(message_id=message_id)
        except Exception:  # the database went away mid-way: the backstop sends it later
            log.exception("alert message %s: delivery not recorded", message_id)
            status = "error"
        counts[status] = counts.get(status, 0) + 1
    return counts


def messages_deliver_pending(*, older_than_seconds: float = 60.0) -> dict:
    """The backstop: messages whose process ended between commit and send."""
    since = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    ids = list(AlertMessage.objects.filter(attempted_at__isnull=True, created_at__lte=since)
               .order_by("id").values_list("id", flat=True)[:500])
    return messages_deliver(message_ids=ids) if ids else {}
