"""Writes: alert rules (audited) and the evaluation that fires, repeats and resolves their groups.

``alerts_evaluate`` takes each enabled rule in its own transaction, holding the rule's row
(``SELECT ... FOR UPDATE SKIP LOCKED``: a second evaluator skips a rule the first holds, and one
that comes after it sees what it wrote), asks the rule's source which groups fire now
(alerts/sources.py), lets alerts/decide.py say which message each group's change sends, and writes
the states and the messages (the alert log). Only after commit are the messages delivered
(alerts/delivery.py). A broken rule is logged and skipped; the others go on."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alerts import decide, rules
from alerts.delivery import messages_deliver, messages_deliver_pending
from alerts.messages import Alert, alert_for, body_for
from alerts.models import AlertMessage, AlertRule, AlertState
from alerts.selectors import rule_get
from alerts.sources import Group, groups_firing
from engine.errors import InvalidInput
from engine.services.audit import audit_record

log = logging.getLogger("alerts")
FIELDS = ("name", "kind", "params", "definition_key", "channels", "repeat_interval_seconds", "enabled")


def target_shown(channel: dict) -> str:
    """A channel's target as logs and non-admins see it: a webhook's URL is a secret (Slack's carries
    its token), so only its scheme and host; email addresses as they are."""
    if channel.get("type") == "email":
        return ", ".join(channel.get("to") or [])
    parts = urlsplit(str(channel.get("url", "")))
    return f"{parts.scheme}://{parts.hostname or ''}/…"


def _target(channel: dict) -> str:
    return ",".join(channel["to"]) if channel["type"] == "email" else channel["url"]


def _audited(fields: dict) -> dict:
    return {**fields, "channels": [{"type": c["type"], "target": target_shown(c)} for c in fields.get("channels", [])]}


def _checked(fields: dict) -> dict:
    clean, problems = rules.rule_check(fields)
    if problems:
        head = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
        raise InvalidInput(f"the rule is not valid: {head}", errors=problems)
    return clean


def rule_create(*, user, fields: dict, reason: str = "") -> AlertRule:
    clean = _checked({f: fields[f] for f in FIELDS if f in fields})
    with transaction.atomic():
        author = user if user is not None and user.is_authenticated else None
        rule = AlertRule.objects.create(**clean, created_by=author)
        audit_record(user=user, action="alert_rule.create", object_type="alert_rule", object_id=rule.id,
                     reason=reason, changes=_audited(clean))
    return rule


def rule_update(*, user, rule_id, fields: dict, reason: str = "") -> AlertRule:
    """Change some fields (the others kept). A new kind forgets the rule's groups: their keys meant
    something else, and resolving them would tell receivers of things that did not clear."""
    with transaction.atomic():
        rule = rule_get(rule_id=rule_id, lock=True)
        before = {f: getattr(rule, f) for f in FIELDS}
        merged = {**before, **{f: fields[f] for f in FIELDS if f in fields}}
        if "kind" in fields and fields["kind"] != before["kind"] and "params" not in fields:
            merged["params"] = {}   # the old kind's params do not fit the new one
        clean = _checked(merged)
        changed = {f: [before[f], clean[f]] for f in FIELDS if before[f] != clean[f]}
        if not changed:
            return rule
        for name, value in clean.items():
            setattr(rule, name, value)
        rule.save()
        if "kind" in changed:
            rule.states.all().delete()
        if "channels" in changed:
            changed["channels"] = [_audited({"channels": v})["channels"] for v in changed["channels"]]
        audit_record(user=user, action="alert_rule.update", object_type="alert_rule", object_id=rule.id,
                     reason=reason, changes=changed)
    return rule


def rule_delete(*, user, rule_id, reason: str = "") -> None:
    """The rule and its states go; its messages stay in the log (with the rule's name)."""
    with transaction.atomic():
        rule = rule_get(rule_id=rule_id, lock=True)
        audit_record(user=user, action="alert_rule.delete", object_type="alert_rule", object_id=rule.id,
                     reason=reason, changes=_audited({f: getattr(rule, f) for f in FIELDS}))
        rule.delete()


def _log(rule: AlertRule, alert: Alert) -> list[int]:
    """One message per channel, in the caller's transaction; returns their ids."""
    base = settings.FLOWDECK_PUBLIC_URL
    made = AlertMessage.objects.bulk_create([
        AlertMessage(rule=rule, rule_name=rule.name, group_key=alert.group, kind=alert.message, channel=c["type"],
                     target=_target(c), summary=alert.summary, body=body_for(c["type"], alert, base))
        for c in rule.channels if c.get("type") in rules.CHANNEL_TYPES])
    return [m.id for m in made]


def rule_test_send(*, user, rule_id, reason: str = "") -> list[AlertMessage]:
    """A test message to each of the rule's channels, now; the messages with how each went."""
    now = timezone.now()
    with transaction.atomic():
        rule = rule_get(rule_id=rule_id)
        alert = alert_for(rule=rule, message=AlertMessage.TEST, group="test", runs=(), console_path="/console/alerts",
                          summary=f"a test message from the alert rule {rule.name!r}", fired_at=now, sent_at=now,
                          base_url=settings.FLOWDECK_PUBLIC_URL)
        ids = _log(rule, alert)
        audit_record(user=user, action="alert_rule.test", object_type="alert_rule", object_id=rule.id, reason=reason,
                     changes={"messages": ids})
        transaction.on_commit(lambda: messages_deliver(message_ids=ids))
    return list(AlertMessage.objects.filter(pk__in=ids).order_by("id"))


def _message_of(rule: AlertRule, state: AlertState, kind: str, now) -> Alert:
    detail = state.detail or {}
    return alert_for(rule=rule, message=kind, group=state.group_key, summary=state.summary,
                     runs=detail.get("runs", ()), console_path=detail.get("console_path", "/console/"),
                     fired_at=state.first_seen, sent_at=now, base_url=settings.FLOWDECK_PUBLIC_URL)


def _seen(state: AlertState, group: Group, now) -> None:
    state.summary = group.summary
    state.detail = {**group.detail, "runs": list(group.runs), "console_path": group.console_path}
    state.last_seen = now


def rule_evaluate(*, rule_id: int, now=None) -> dict:
    """One rule: {firing, repeat, resolved: messages' groups}; {} when another evaluator holds it."""
    now = now or timezone.now()
    sent: dict[str, int] = {}
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update(skip_locked=True).filter(pk=rule_id, enabled=True).first()
        if rule is None:
            return sent
        rule.params = {**rules.DEFAULTS.get(rule.kind, {}), **(rule.params or {})}
        found = groups_firing(rule=rule, now=now)
        firing = {g.key: g for g in found.groups}
        states = {s.group_key: s for s in AlertState.objects.filter(rule=rule).filter(
            Q(status=AlertState.FIRING) | Q(group_key__in=list(firing)))}
        new, changed, ids = [], [], []
        for key in sorted(set(firing) | {k for k, s in states.items() if s.status == AlertState.FIRING}):
            state, group = states.get(key), firing.get(key)
            if group is None and not found.complete:
                continue   # capped: this group may fire still, beyond the cap
            if state is None:
                state = AlertState(rule=rule, group_key=key, status=AlertState.FIRING, first_seen=now, last_seen=now)
                new.append(state)
            elif group is not None and state.status == AlertState.RESOLVED:
                state.first_seen, state.resolved_at = now, None   # a new episode
            if state.pk is not None:
                changed.append(state)
            verdict = decide.decide(notified=state.notified, last_sent_at=state.last_sent_at,
                                    firing_now=group is not None, now=now, interval=rule.repeat_interval_seconds)
            if group is not None:
                _seen(state, group, now)
            elif state.status == AlertState.FIRING:
                state.resolved_at = now
            state.status = verdict.status
            if verdict.message:
                ids += _log(rule, _message_of(rule, state, verdict.message, now))
                state.notified = decide.RESOLVED if verdict.message == decide.RESOLVED else decide.FIRING
                state.last_sent_at = now
                sent[verdict.message] = sent.get(verdict.message, 0) + 1
        AlertState.objects.bulk_create(new)
        AlertState.objects.bulk_update(changed, ["status", "notified", "summary", "detail", "first_seen", "last_seen",
                                                 "last_sent_at", "resolved_at"])
        if ids:
            transaction.on_commit(lambda: messages_deliver(message_ids=ids))
    return sent


def alerts_evaluate(*, now=None) -> dict:
    """Every enabled rule, each on its own; then the messages an ended process left unsent.
    {"rules", "firing", "repeat", "resolved", "errors"}."""
    counts = {"rules": 0, "firing": 0, "repeat": 0, "resolved": 0, "errors": 0}
    for rule_id in AlertRule.objects.filter(enabled=True).order_by("id").values_list("id", flat=True):
        try:
            sent = rule_evaluate(rule_id=rule_id, now=now)
        except Exception:  # one rule's failure (a bad query, a lock timeout) never stops the others
            log.exception("alert rule %s: evaluation failed", rule_id)
            counts["errors"] += 1
            continue
        counts["rules"] += 1
        for kind, n in sent.items():
            counts[kind] += n
    try:
        messages_deliver_pending()
    except Exception:
        log.exception("alerts: delivering pending messages failed")
    return counts
