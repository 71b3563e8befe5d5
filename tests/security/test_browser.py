"""The browser-facing side, server half: security headers on every kind of
response, no inline script in any page we serve, CSRF on every session write,
websocket origins, and HTML in data staying data. (The Playwright half, that
the designer and console render such data as text, is in tests/ui.)"""
from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.authtoken.models import Token

from flowdeck.asgi import application
from tests.security.conftest import assert_refused
from tests.security.test_hostile_bodies import ENDPOINTS
from tests.support.users import make_user

XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"

PAGES = [   # path, logged in
    ("/api/definitions/", True), ("/api/runs/", True), ("/api/schema/", True), ("/api/docs/", True),
    ("/api/docs/?script=", True), ("/accounts/login/", False), ("/designer/", True), ("/console/", True),
    ("/admin/login/", False), ("/healthz", False), ("/no/such/page/", False), ("/api/runs/%00/", True),
    ("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", False),
]


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.partition(" ")[2] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.django_db
@pytest.mark.parametrize("path,logged_in", PAGES, ids=[p for p, _ in PAGES])
def test_security_headers_on_every_kind_of_response(path, logged_in):
    client = Client()
    if logged_in:
        client.force_login(make_user("hdr", "viewer"))
    response = client.get(path)
    csp = _csp(response)
    assert csp["script-src"] == "'self'"                         # no 'unsafe-inline', no 'unsafe-eval', no CDN
    assert "unsafe" not in csp["default-src"]
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'" and csp["base-uri"] == "'self'"
    assert csp["form-action"] == "'self'"
    assert "ws://testserver" in csp["connect-src"] and "wss://testserver" in csp["connect-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
_INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/designer/", "/api/docs/", "/admin/login/",
                                  "/api/definitions/?format=api"])
def test_pages_have_no_inline_script_the_csp_would_block(path):
    client = Client()
    client.force_login(make_user("pages", "admin"))
    response = client.get(path, HTTP_ACCEPT="text/html")
    html = response.content.decode()
    assert response.status_code in (200, 503), response.status_code   # 503: the frontend is not built
    assert not _INLINE_SCRIPT.search(html), _INLINE_SCRIPT.search(html).group(0)
    assert not _INLINE_HANDLER.search(html), _INLINE_HANDLER.search(html).group(0)


@pytest.mark.django_db
def test_swagger_ui_is_served_from_our_origin():
    client = Client()
    client.force_login(make_user("docs", "viewer"))
    html = client.get("/api/docs/").content.decode()
    sources = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html)
    assert sources and all(src.startswith("/") and not src.startswith("//") for src in sources), sources
    init = client.get(next(src for src in sources if "script" in src))
    assert init.status_code == 200 and "SwaggerUIBundle" in init.content.decode()


# --- CSRF -------------------------------------------------------------------------------

WRITES = sorted(ENDPOINTS)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", WRITES)
def test_every_session_write_needs_the_csrf_token(world, endpoint):
    method, path, _ = ENDPOINTS[endpoint]
    path = path.format(**world)
    make_user("csrf_admin", "admin")
    client = Client(enforce_csrf_checks=True)
    client.login(username="csrf_admin", password="pw")
    refused = client.generic(method.upper(), path, data=b'{"reason": "x"}', content_type="application/json")
    body = assert_refused(refused)
    assert refused.status_code == 403 and "CSRF" in body["detail"]
    # A cross-site form post (the classic CSRF) is refused the same way, before the body is even parsed.
    form = client.post(path, data="reason=x", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 403
    # The page the app loads sets the cookie; with it echoed in X-CSRFToken the write gets through the check.
    client.get("/designer/")
    token = client.cookies["csrftoken"].value
    allowed = client.generic(method.upper(), path, data=b'{"reason": "x"}', content_type="application/json",
                             HTTP_X_CSRFTOKEN=token)
    assert allowed.status_code != 403 or "CSRF" not in allowed.json().get("detail", ""), allowed.content


@pytest.mark.django_db
def test_token_auth_writes_need_no_csrf_token_and_carry_no_cookie(world):
    user = make_user("tok_admin", "admin")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    response = client.post(f"/api/runs/{world['run']}/cancel/", {"reason": "api"}, content_type="application/json")
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_login_needs_csrf_and_does_not_redirect_off_site():
    make_user("login_user", "viewer")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/accounts/login/", {"username": "login_user", "password": "pw"}).status_code == 403
    client = Client()
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"]:
        response = client.post(f"/accounts/login/?next={target}", {"username": "login_user", "password": "pw",
                                                                    "next": target})
        assert response.status_code == 302 and response["Location"] == "/designer/", (target, response["Location"])


@database_sync_to_async
def _session_cookie(role):
    make_user("ws_user", role)
    client = Client()
    client.login(username="ws_user", password="pw")
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("origin,accepted", [
    (b"http://localhost", True), (b"http://testserver", True), (b"https://evil.example", False),
    (b"http://localhost.evil.example", False), (b"null", False),
])
async def test_websockets_refuse_foreign_origins(origin, accepted):
    """Cross-site websocket hijacking: a page on another origin cannot ride the session cookie."""
    cookie = await _session_cookie("viewer")
    comm = WebsocketCommunicator(application, "/ws/runs/", headers=[(b"origin", origin), (b"cookie", cookie)])
    connected, _ = await comm.connect()
    assert connected is accepted, origin
    await comm.disconnect()


# --- HTML in data stays data ----------------------------------------------------------------

@pytest.mark.django_db
def test_html_in_data_comes_back_as_json_never_as_a_page(client, world):
    """Labels, reasons, errors and run data holding markup: the API answers JSON
    (nosniff), the browsable API and the admin escape it, the exports are attachments."""
    spec = {"schema_version": 1, "nodes": [
        {"id": "start", "type": "start", "label": XSS},
        {"id": "end", "type": "end", "label": XSS, "description": XSS}],
        "edges": [{"id": "e", "source": "start", "target": "end", "label": XSS}]}
    created = client.post("/api/definitions/", {"key": "xss", "name": XSS, "description": XSS, "spec": spec},
                          content_type="application/json")
    assert created.status_code == 201 and created["Content-Type"] == "application/json"
    run = client.post("/api/runs/", {"definition": "flow", "input": {"html": XSS}, "business_key": XSS,
                                     "reason": XSS}, content_type="application/json").json()
    client.post(f"/api/runs/{run['id']}/cancel/", {"reason": XSS}, content_type="application/json")
    bad = client.post("/api/runs/", {"definition": XSS}, content_type="application/json")
    assert bad.status_code == 400 and bad["Content-Type"] == "application/json"

    for path in ["/api/definitions/xss/versions/1/", f"/api/runs/{run['id']}/", f"/api/runs/{run['id']}/events/",
                 "/api/runs/?q=%3Cscript%3E", "/api/definitions/"]:
        response = client.get(path, HTTP_ACCEPT="application/json")
        assert response["Content-Type"].startswith("application/json"), path
        assert response["X-Content-Type-Options"] == "nosniff"

    browsable = client.get("/api/definitions/", HTTP_ACCEPT="text/html").content.decode()
    assert "<script>alert(" not in browsable and "&lt;script&gt;alert(" in browsable
    admin = client.get("/admin/engine/workflowdefinition/").content.decode()
    assert "<script>alert(" not in admin
    audit = client.get("/api/audit/export/")
    assert audit["Content-Disposition"].startswith("attachment")
    export = client.get("/api/definitions/xss/export/")
    assert export["Content-Disposition"].startswith("attachment")
