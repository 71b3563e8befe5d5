"""The browser app: Django serves the Vite build's index.html for the designer's
(and the console's) client-side routes, behind login, with the CSRF cookie set
so the app can send X-CSRFToken on writes. Assets come from /static/ (whitenoise)."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required, user_passes_test
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from engine.roles import user_can

_cache: dict[str, tuple[float, str]] = {}


def spa_index_path() -> Path:
    return Path(settings.BASE_DIR) / "frontend" / "dist" / "index.html"


def _index_html() -> str | None:
    """The built index.html, re-read only when the file changes (a rebuild)."""
    path = spa_index_path()
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _cache.get("index")
    if cached is None or cached[0] != mtime:
        cached = (mtime, path.read_text(encoding="utf-8"))
        _cache["index"] = cached
    return cached[1]


@never_cache
@login_required
@user_passes_test(lambda user: user_can(user, "view"))  # no role: back to the login page, which says so
@ensure_csrf_cookie
def spa(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any /designer/... or /console/... URL: the client-side router takes it from here."""
    html = _index_html()
    if html is None:
        return render(request, "designer/not_built.html", status=503)
    return HttpResponse(html, content_type="text/html; charset=utf-8")
