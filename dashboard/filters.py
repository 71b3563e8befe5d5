"""Query parameters -> engine.selectors.RunFilters, with clear 400s."""
from django.utils.dateparse import parse_datetime

from engine.errors import InvalidInput
from engine.selectors import RunFilters

_BOOL = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _bool(params, name):
    value = params.get(name)
    if value in (None, ""):
        return None
    if str(value).lower() not in _BOOL:
        raise InvalidInput(f"{name} must be true or false, not {value!r}")
    return _BOOL[str(value).lower()]


def _time(params, name):
    value = params.get(name)
    if not value:
        return None
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise InvalidInput(f"{name} must be an ISO-8601 time, not {value!r}")
    return parsed


def _int(params, name):
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a whole number, not {value!r}")


def run_filters(params) -> RunFilters:
    statuses = params.get("status") or ""
    if isinstance(statuses, (list, tuple)):
        statuses = ",".join(statuses)
    return RunFilters(
        definition=params.get("definition") or None,
        version=_int(params, "version"),
        statuses=tuple(s for s in str(statuses).split(",") if s),
        stuck=_bool(params, "stuck"),
        needs_operator=_bool(params, "needs_operator"),
        failed_at=params.get("failed_at") or None,
        created_after=_time(params, "created_after"),
        created_before=_time(params, "created_before"),
        q=(params.get("q") or "").strip() or None,
        include_test=bool(_bool(params, "include_test")),
    )
