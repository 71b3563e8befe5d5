"""What a rule may say, checked before it is saved (the API's 400s, the admin's form errors): each
kind's params as a JSON Schema, the channels, the interval. Pure: returns every problem, raises nothing."""
from __future__ import annotations

import re

import jsonschema
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from alerts.models import AlertRule
from engine.httpcall import host_allowed

CHANNEL_TYPES = ("webhook", "slack", "email")
MAX_CHANNELS = 10
MAX_ADDRESSES = 20
MAX_INTERVAL = 7 * 86400
_KEY = re.compile(r"^[-a-zA-Z0-9_]+$")
_INCIDENT_KINDS = ["failed", "stuck", "sla_breached"]

# Each kind's params, and the defaults filled in for what is left out.
PARAMS = {
    AlertRule.INCIDENT_GROUP: {
        "type": "object", "additionalProperties": False,
        "properties": {"min_count": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
                       "kinds": {"type": "array", "items": {"enum": _INCIDENT_KINDS}, "minItems": 1,
                                 "uniqueItems": True}}},
    AlertRule.STUCK: {
        "type": "object", "additionalProperties": False,
        "properties": {"older_than_seconds": {"type": "number", "minimum": 0, "maximum": 30 * 86400}}},
    AlertRule.SLA_BREACH: {"type": "object", "additionalProperties": False, "properties": {}},
    AlertRule.FAILURE_RATE: {
        "type": "object", "additionalProperties": False, "required": ["threshold"],
        "properties": {"window_seconds": {"type": "number", "minimum": 60, "maximum": 7 * 86400},
                       "threshold": {"type": "number", "minimum": 0, "maximum": 1},
                       "min_runs": {"type": "integer", "minimum": 1, "maximum": 1_000_000}}},
}
DEFAULTS = {
    AlertRule.INCIDENT_GROUP: {"min_count": 1, "kinds": list(_INCIDENT_KINDS)},
    AlertRule.STUCK: {"older_than_seconds": 0},
    AlertRule.SLA_BREACH: {},
    AlertRule.FAILURE_RATE: {"window_seconds": 900, "min_runs": 10},
}


def _problem(field: str, message: str) -> dict:
    return {"field": field, "message": message}


def params_check(kind, params) -> tuple[dict, list[dict]]:
    """(params with defaults filled in, problems)."""
    if kind not in PARAMS:
        return {}, [_problem("kind", f"kind must be one of {', '.join(AlertRule.KINDS)}")]
    params = {} if params is None else params
    if not isinstance(params, dict):
        return {}, [_problem("params", "params must be an object")]
    problems = []
    for error in sorted(jsonschema.Draft202012Validator(PARAMS[kind]).iter_errors(params), key=lambda e: list(e.path)):
        where = ".".join(str(p) for p in error.path)
        if error.validator == "additionalProperties":
            allowed = ", ".join(PARAMS[kind]["properties"]) or "none"
            message = f"unknown parameter for {kind} (allowed: {allowed})"
            for name in sorted(set(params) - set(PARAMS[kind]["properties"])):
                problems.append(_problem(f"params.{str(name)[:60]}", message))
            continue
        problems.append(_problem(f"params.{where}" if where else "params", error.message[:300]))
    return {**DEFAULTS[kind], **params}, problems


def _addresses(to) -> list:
    if isinstance(to, str):
        return [a.strip() for a in to.split(",") if a.strip()]
    return to if isinstance(to, list) else None


def _channel_check(i: int, channel) -> tuple[dict | None, list[dict]]:
    field = f"channels.{i}"
    if not isinstance(channel, dict) or channel.get("type") not in CHANNEL_TYPES:
        return None, [_problem(f"{field}.type", f"each channel needs a type: {', '.join(CHANNEL_TYPES)}")]
    if channel["type"] == "email":
        extra = set(channel) - {"type", "to"}
        to = _addresses(channel.get("to"))
        if extra or not to or len(to) > MAX_ADDRESSES:
            return None, [_problem(f"{field}.to", f"an email channel is {{type, to}}: 1 to {MAX_ADDRESSES} addresses")]
        problems = []
        for address in to:
            try:
                validate_email(address)
                if "," in address:   # the log keeps the addresses comma-separated
                    raise ValidationError("a comma")
            except (ValidationError, TypeError):
                problems.append(_problem(f"{field}.to", f"not an email address: {str(address)[:100]!r}"))
        return {"type": "email", "to": to}, problems
    url = channel.get("url")
    if set(channel) - {"type", "url"} or not isinstance(url, str) or not url.strip() or len(url) > 2000:
        return None, [_problem(f"{field}.url", f"a {channel['type']} channel is {{type, url}} with a URL")]
    if not host_allowed(url.strip(), settings.FLOWDECK_ALERT_ALLOWED_HOSTS):
        return None, [_problem(f"{field}.url", "only http(s) URLs to a host in FLOWDECK_ALERT_ALLOWED_HOSTS "
                                               "may receive alerts")]
    return {"type": channel["type"], "url": url.strip()}, []


def channels_check(channels) -> tuple[list[dict], list[dict]]:
    if not isinstance(channels, list) or not channels or len(channels) > MAX_CHANNELS:
        return [], [_problem("channels", f"channels must be a list of 1 to {MAX_CHANNELS} channels")]
    clean, problems = [], []
    for i, channel in enumerate(channels):
        ok, found = _channel_check(i, channel)
        problems += found
        if ok is not None:
            clean.append(ok)
    return clean, problems


def rule_check(fields: dict) -> tuple[dict, list[dict]]:
    """A whole rule's fields (name, kind, params, definition_key, channels, repeat_interval_seconds,
    enabled) as they will be saved, and every problem with them."""
    problems = []
    name = fields.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        problems.append(_problem("name", "a name of 1 to 200 characters is required"))
    params, found = params_check(fields.get("kind"), fields.get("params"))
    problems += found
    channels, found = channels_check(fields.get("channels"))
    problems += found
    key = fields.get("definition_key") or ""
    if not isinstance(key, str) or (key and (len(key) > 100 or not _KEY.match(key))):
        problems.append(_problem("definition_key", "a definition key (letters, digits, - and _), or empty for all"))
    interval = fields.get("repeat_interval_seconds", 3600)
    if isinstance(interval, bool) or not isinstance(interval, int) or not 0 <= interval <= MAX_INTERVAL:
        problems.append(_problem("repeat_interval_seconds", f"a whole number of seconds, 0 to {MAX_INTERVAL}"))
    enabled = fields.get("enabled", True)
    if not isinstance(enabled, bool):
        problems.append(_problem("enabled", "true or false"))
    clean = {"name": name.strip() if isinstance(name, str) else name, "kind": fields.get("kind"), "params": params,
             "definition_key": key, "channels": channels, "repeat_interval_seconds": interval, "enabled": enabled}
    return clean, problems
