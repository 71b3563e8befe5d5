"""What each channel is sent, pure (docs/operating-alerts.md "Bodies"): the generic webhook's JSON,
Slack's ``{"text", "blocks"}`` (user text escaped, so a run's error cannot make links or mentions),
and an email's subject and plain-text body."""
from __future__ import annotations

import dataclasses

from alerts.models import AlertMessage

_STATUS = {AlertMessage.FIRING: "firing", AlertMessage.REPEAT: "firing", AlertMessage.RESOLVED: "resolved",
           AlertMessage.TEST: "test"}
_HEADLINE = {AlertMessage.FIRING: "FIRING", AlertMessage.REPEAT: "STILL FIRING", AlertMessage.RESOLVED: "RESOLVED",
             AlertMessage.TEST: "TEST"}


@dataclasses.dataclass(frozen=True)
class Alert:
    """One message's facts, whatever the channel."""
    rule_id: int | None
    rule_name: str
    rule_kind: str
    message: str           # firing, repeat, resolved, test
    group: str
    summary: str
    runs: tuple[str, ...]
    console_url: str
    fired_at: str          # when the group started firing (ISO 8601)
    sent_at: str


def _url(base: str, path: str) -> str:
    return base.rstrip("/") + path


def alert_for(*, rule, message: str, group: str, summary: str, runs, console_path: str, fired_at, sent_at,
              base_url: str) -> Alert:
    return Alert(rule_id=rule.id, rule_name=rule.name, rule_kind=rule.kind, message=message, group=group,
                 summary=summary, runs=tuple(runs), console_url=_url(base_url, console_path),
                 fired_at=fired_at.isoformat(), sent_at=sent_at.isoformat())


def webhook_body(alert: Alert, base_url: str) -> dict:
    return {"rule": {"id": alert.rule_id, "name": alert.rule_name}, "kind": alert.rule_kind,
            "status": _STATUS[alert.message], "message": alert.message, "group": alert.group,
            "summary": alert.summary,
            "runs": [{"id": run_id, "console_url": _url(base_url, f"/console/runs/{run_id}")} for run_id in alert.runs],
            "console_url": alert.console_url, "fired_at": alert.fired_at, "sent_at": alert.sent_at}


def slack_escape(text: str) -> str:
    """Slack's mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def headline(alert: Alert) -> str:
    return f"[{_HEADLINE[alert.message]}] {alert.rule_name}"


def slack_body(alert: Alert, base_url: str) -> dict:
    head = slack_escape(headline(alert))
    summary = slack_escape(alert.summary)
    links = [f"<{alert.console_url}|Open in the console>",
             *(f"<{_url(base_url, f'/console/runs/{r}')}|run {r[:8]}>" for r in alert.runs)]
    return {"text": f"{head}: {summary}",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{head}*\n{summary}"}},
                       {"type": "context", "elements": [
                           {"type": "mrkdwn", "text": " · ".join(links)},
                           {"type": "mrkdwn", "text": slack_escape(f"{alert.rule_kind}, since {alert.fired_at}")}]}]}


def email_parts(alert: Alert, base_url: str) -> dict:
    """{"subject", "text"}: the subject on one line (a header), the body plain text."""
    subject = " ".join(f"Flowdeck {headline(alert)}: {alert.summary}".split())[:200]
    lines = [headline(alert), "", alert.summary, "", f"Rule: {alert.rule_name} ({alert.rule_kind})",
             f"Group: {alert.group}", f"Firing since: {alert.fired_at}", f"Console: {alert.console_url}"]
    lines += [f"Run: {_url(base_url, f'/console/runs/{r}')}" for r in alert.runs]
    return {"subject": subject, "text": "\n".join(lines) + "\n"}


def body_for(channel: str, alert: Alert, base_url: str) -> dict:
    if channel == "slack":
        return slack_body(alert, base_url)
    if channel == "email":
        return email_parts(alert, base_url)
    return webhook_body(alert, base_url)
