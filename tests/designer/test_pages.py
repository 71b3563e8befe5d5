"""The browser app's Django side: login required, index.html with the CSRF
cookie for every client-side route, a clear page when the build is missing,
and a login page that renders user input as text."""
import pytest
from django.contrib.auth import get_user_model

from designer import pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(tmp_path, settings):
    settings.BASE_DIR = tmp_path
    dist = tmp_path / "frontend" / "dist"
    dist.mkdir(parents=True)
    (dist / "index.html").write_text('<!doctype html><div id="root"></div><script src="/static/assets/index-abc.js"></script>')
    pages._cache.clear()
    yield dist
    pages._cache.clear()


def _user(name="dana", role="viewer"):
    from django.contrib.auth.models import Group
    user = get_user_model().objects.create_user(name, password="pw")
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def user_client(client):
    _user()
    client.login(username="dana", password="pw")
    return client


def test_a_user_without_a_role_is_sent_back_to_login(client, built):
    _user("norole", role=None)
    client.login(username="norole", password="pw")
    response = client.get("/designer/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    page = client.get(response["Location"])
    assert b"cannot open that page" in page.content


@pytest.mark.parametrize("url", ["/designer/", "/designer/orders", "/designer/orders?version=2", "/console/runs/abc"])
def test_spa_routes_need_login(client, url, built):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", ["/designer/", "/designer/orders", "/console/", "/console/runs/abc"])
def test_spa_routes_serve_index_with_csrf_cookie(user_client, url, built):
    response = user_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b'<div id="root">' in response.content
    assert "csrftoken" in response.cookies
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_index_is_reread_after_a_rebuild(user_client, built):
    assert b"index-abc.js" in user_client.get("/designer/").content
    import os
    import time
    (built / "index.html").write_text('<div id="root"></div><script src="/static/assets/index-new.js"></script>')
    later = time.time() + 5
    os.utime(built / "index.html", (later, later))
    assert b"index-new.js" in user_client.get("/designer/").content


def test_missing_build_explains_how_to_build(user_client, tmp_path, settings):
    settings.BASE_DIR = tmp_path
    pages._cache.clear()
    response = user_client.get("/designer/")
    assert response.status_code == 503
    assert b"make frontend" in response.content


def test_root_redirects_to_the_designer(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/designer/"


def test_login_page_escapes_user_text(client):
    page = client.get("/accounts/login/?next=/designer/%3Cscript%3Ealert(1)%3C/script%3E")
    assert page.status_code == 200
    assert b"<script>alert(1)" not in page.content
    assert b"&lt;script&gt;alert(1)" in page.content
    failed = client.post("/accounts/login/", {"username": "<img src=x onerror=alert(1)>", "password": "nope"})
    assert failed.status_code == 200
    assert b"<img src=x" not in failed.content and b"&lt;img src=x onerror=alert(1)&gt;" in failed.content
    assert b"didn't match" in failed.content


def test_login_then_lands_on_the_designer(client):
    _user()
    response = client.post("/accounts/login/", {"username": "dana", "password": "pw"})
    assert response.status_code == 302 and response["Location"] == "/designer/"
