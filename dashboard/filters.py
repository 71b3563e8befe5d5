"""Query parameters -> engine.selectors.RunFilters, with clear 400s."""
from django.utils.dateparse import parse_datetime

from engine.errors import InvalidInput
from engine.selectors import RunFilters
from engine.selectors.search import input_filter, search_parse

_BOOL = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _bool(params, name):
    value = params.get(name)
    if value in (None, ""):
        return None
    if str(value).lower() not in _BOOL:
        raise InvalidInput(f"{name} must be true or false, not {str(value)[:60]!r}")
    return _BOOL[str(value).lower()]


def _text(params, name):
    """A string parameter (bulk filters come from a JSON body and may be anything)."""
    value = params.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string")
    return value


def _time(params, name):
    value = _text(params, name)
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:   # well formed but not a date, e.g. month 13
        parsed = None
    if parsed is None:
        raise InvalidInput(f"{name} must be an ISO-8601 time, not {value[:60]!r}")
    return parsed


def _int(params, name):
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a whole number, not {str(value)[:60]!r}")


BIGINT_MAX = 2**63 - 1


def whole_number(params, name: str, default: int, maximum: int = BIGINT_MAX) -> int:
    """A non-negative whole-number query parameter up to ``maximum`` (ASCII digits only:
    "²".isdigit() is true; at most 19 of them: int() of 5,000 digits raises, and PostgreSQL
    refuses a number past bigint)."""
    value = params.get(name) or str(default)
    if not (value.isascii() and value.isdigit() and len(value) <= 19 and int(value) <= maximum):
        raise InvalidInput(f"{name} must be a whole number from 0 to {maximum}, not {value[:60]!r}")
    return int(value)


def run_filters(params) -> RunFilters:
    statuses = params.get("status") or ""
    if isinstance(statuses, (list, tuple)) and all(isinstance(s, str) for s in statuses):
        statuses = ",".join(statuses)
    if not isinstance(statuses, str):
        raise InvalidInput("status must be a comma-separated string or a list of strings")
    return RunFilters(
        definition=_text(params, "definition"),
        version=_int(params, "version"),
        statuses=tuple(s for s in statuses.split(",") if s),
        stuck=_bool(params, "stuck"),
        needs_operator=_bool(params, "needs_operator"),
        failed_at=_text(params, "failed_at"),
        error_type=_text(params, "error_type"),
        created_after=_time(params, "created_after"),
        created_before=_time(params, "created_before"),
        q=_search(params),
        include_test=bool(_bool(params, "include_test")),
        sla=_text(params, "sla"),
        input=input_filter(params.get("input")),
    )


def _search(params) -> str | None:
    """q: a business-key prefix or run id, and/or field terms (engine/selectors/search.py); a bad term is a 400 now."""
    q = (_text(params, "q") or "").strip() or None
    search_parse(q)
    return q
