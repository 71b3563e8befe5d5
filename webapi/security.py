"""Browser-facing security headers, and a guard against null bytes in URLs.

Django's own middleware sets nosniff, the referrer policy, Cross-Origin-Opener-Policy
and X-Frame-Options from settings; this adds the Content-Security-Policy they do
not cover (and X-Frame-Options where Django's never ran). Scripts come only from our origin
(the Vite build, the admin, the self-hosted Swagger UI): no inline script, no
eval, no other host. Inline *styles* stay allowed: React Flow positions nodes
with style attributes, and a style cannot run code.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import JsonResponse

DEFAULT_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",          # plus ws(s)://<this host>, added per request
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def content_security_policy(host: str | None = None) -> str:
    """The policy as a header value; ``host`` adds its websocket origins to connect-src."""
    directives = dict(DEFAULT_CSP, **getattr(settings, "FLOWDECK_CSP", {}))
    if host:
        directives["connect-src"] += f" ws://{host} wss://{host}"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every response that has none yet, and
    X-Frame-Options on those that never reached Django's clickjacking
    middleware (static files, early refusals). Installed outermost."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            try:
                host = request.get_host()
            except DisallowedHost:
                host = None
            response["Content-Security-Policy"] = content_security_policy(host)
        if "X-Frame-Options" not in response and not getattr(response, "xframe_options_exempt", False):
            response["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
        return response


class NullByteGuardMiddleware:
    """400 for a NUL in the path or the query string: PostgreSQL text cannot hold
    one, so it would otherwise fail as a 500 deep inside whichever query used it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = None
        if "\x00" in request.path:
            where = "path"
        elif any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            where = "query"
        if where is not None:
            message = f"the URL {where} contains a null byte"
            return JsonResponse({"code": "invalid", "detail": message,
                                 "errors": [{"code": "url.null_byte", "message": message}]}, status=400)
        return self.get_response(request)
