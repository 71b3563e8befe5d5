"""Saved views of the runs list: console state, not engine state, so plain and thin.

A view is a name and the runs list's filters (the API's query parameters), its owner's, and
everyone's when shared. Everyone sees their own and the shared ones; only the owner renames,
shares or deletes a view.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q

from dashboard.filters import run_filters
from dashboard.models import SavedView
from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import WorkflowRun

# The runs list's query parameters a view may keep (dashboard/filters.py run_filters reads these).
FILTER_KEYS = ("definition", "version", "status", "stuck", "needs_operator", "failed_at", "error_type",
               "created_after", "created_before", "q", "include_test", "sla", "input")
MAX_VIEWS = 100   # per user


def _name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("a view needs a name")
    name = " ".join(name.split())
    if len(name) > 100:
        raise InvalidInput(f"the name is {len(name)} characters; at most 100")
    return name


def _filters(filters) -> dict:
    """Only the runs list's parameters, as strings, each one the list accepts (a bad one is a 400 now,
    not when the view is opened)."""
    if not isinstance(filters, dict):
        raise InvalidInput("filters must be an object of the runs list's query parameters")
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise InvalidInput(f"unknown filter {', '.join(unknown)}; one of {', '.join(FILTER_KEYS)}")
    kept = {key: value for key, value in filters.items() if value not in (None, "")}
    if any(not isinstance(value, str) for value in kept.values()):
        raise InvalidInput("each filter is a string, as in the runs list's query string")
    run_filters(kept).apply(WorkflowRun.objects.none())   # builds the query only: unknown statuses and the like
    return {key: kept[key] for key in FILTER_KEYS if key in kept}


def saved_view_list(*, user) -> list[SavedView]:
    """The user's views, then the ones others shared, each by name."""
    views = SavedView.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")
    return sorted(views, key=lambda v: (v.owner_id != user.pk, v.name.lower(), v.id))


def _own(user, view_id) -> SavedView:
    view = SavedView.objects.filter(Q(owner=user) | Q(shared=True), pk=view_id).select_related("owner").first()
    if view is None:
        raise NotFound(f"no view {view_id}")
    if view.owner_id != user.pk:
        raise PermissionDenied(f"view {view.name!r} is {view.owner.get_username()}'s: only its owner may change it")
    return view


def _saved(view: SavedView, fields=None) -> SavedView:
    try:
        with transaction.atomic():
            view.save(update_fields=fields)
    except IntegrityError:
        raise Conflict(f"you already have a view named {view.name!r}")
    return view


def saved_view_create(*, user, name, filters, shared: bool = False) -> SavedView:
    if SavedView.objects.filter(owner=user).count() >= MAX_VIEWS:
        raise Conflict(f"you have {MAX_VIEWS} views, the most one may keep: delete one first")
    return _saved(SavedView(owner=user, name=_name(name), filters=_filters(filters), shared=bool(shared)))


def saved_view_update(*, user, view_id, name=None, shared: bool | None = None, filters=None) -> SavedView:
    """Rename, share or stop sharing, or keep other filters: the owner only."""
    view = _own(user, view_id)
    if name is not None:
        view.name = _name(name)
    if shared is not None:
        view.shared = bool(shared)
    if filters is not None:
        view.filters = _filters(filters)
    return _saved(view, ["name", "shared", "filters", "updated_at"])


def saved_view_delete(*, user, view_id) -> None:
    _own(user, view_id).delete()
