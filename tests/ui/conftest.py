"""Browser tests: the real stack (daphne, a dramatiq worker, the scheduler) on
the pytest-django test database, driven by the system Chromium through Python
Playwright. Skipped only when /usr/bin/chromium is missing."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.stack import ROOT, Proc, Stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FRONTEND = ROOT / "frontend"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    for item in items:
        if "tests/ui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_frontend_built() -> None:
    if (FRONTEND / "dist" / "index.html").exists():
        return
    if not (FRONTEND / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)
    subprocess.run(["npm", "run", "build"], cwd=FRONTEND, check=True)


def _daphne(env: dict, port: int) -> Proc:
    # The web server as `make run` starts it (flowdeck/supervisord.conf): daphne with bounded protocols.
    return Proc("daphne", [sys.executable, "-m", "flowdeck.daphne_server", "-b", "127.0.0.1", "-p", str(port),
                           "flowdeck.asgi:application"], env)


def _wait_listening(proc: Proc, port: int, others=()) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline or not proc.alive():
                for p in (proc, *others):
                    p.stop()
                raise RuntimeError(f"daphne did not start:\n{proc.output()[-3000:]}")
            time.sleep(0.2)


@pytest.fixture(scope="session")
def live_stack(stack_env):
    """daphne + worker + scheduler against the test database; yields the base URL."""
    _ensure_frontend_built()
    port = _free_port()
    procs = [
        _daphne(stack_env, port),
        Proc("worker", [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "4"], stack_env),
        Proc("scheduler", [sys.executable, "manage.py", "engine_scheduler", "--interval", "0.2"], stack_env),
    ]
    _wait_listening(procs[0], port, procs[1:])
    yield {"url": f"http://127.0.0.1:{port}", "procs": procs}
    for p in procs:
        p.stop()


class OwnStack(Stack):
    """Processes of one test, next to the session's live stack: ``pause("worker")``
    stops the session's worker (so no step runs elsewhere) until the test ends;
    ``daphne(env)`` starts a web server with its own settings (e.g. liveness
    thresholds) and returns its URL."""

    def __init__(self, env: dict, live: dict):
        super().__init__(env)
        self.live = live
        self.paused: list[tuple[int, Proc]] = []

    def pause(self, *names: str) -> None:
        for i, proc in enumerate(self.live["procs"]):
            if proc.name in names and proc.alive():
                proc.stop()
                self.paused.append((i, proc))

    def daphne(self, env: dict | None = None) -> str:
        port = _free_port()
        proc = _daphne({**self.env, **(env or {})}, port)
        self.procs.append(proc)
        _wait_listening(proc, port)
        return f"http://127.0.0.1:{port}"

    def restore(self) -> None:
        self.stop_all()
        for i, proc in self.paused:
            self.live["procs"][i] = Proc(proc.name, list(proc.popen.args), self.env)
        self.paused = []


@pytest.fixture
def own_stack(live_stack, stack_env, transactional_db, request):
    """An OwnStack; everything it started is stopped after the test and whatever it paused
    of the session's stack is started again."""
    s = OwnStack(stack_env, live_stack)
    yield s
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        print(s.logs())
    s.restore()


@pytest.fixture(scope="session")
def shop_server(stack_env):
    """The demo shop (examples/shop) on the test database, started when a test first needs it."""
    from tests.examples.conftest import ShopProcess
    proc = ShopProcess(stack_env)
    yield proc
    proc.stop()


@pytest.fixture
def shop(shop_server):
    shop_server.reset()
    yield shop_server
    shop_server.reset()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    # Sync Playwright keeps an event loop running in this thread; Django's ORM
    # (used by the tests to arrange data) would refuse to run next to it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    try:
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield b
            b.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def designer_user(transactional_db):
    from django.contrib.auth.models import Group
    from django.contrib.auth import get_user_model
    user = get_user_model().objects.create_user("dana", password="pw")
    user.groups.add(Group.objects.get_or_create(name="designer")[0])
    return user


@pytest.fixture
def page(browser, live_stack, designer_user, request):
    """A logged-in page (session cookie made in-process) whose console errors fail the test."""
    from django.test import Client
    client = Client()
    client.force_login(designer_user)
    context = browser.new_context(base_url=live_stack["url"], viewport={"width": 1700, "height": 1000},
                                  accept_downloads=True)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_stack["url"]}])
    pg = context.new_page()
    pg.set_default_timeout(15000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.errors = errors
    yield pg
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        shot = Path("/tmp") / f"flowdeck-ui-{request.node.name}.png"
        pg.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}\n" + "\n".join(p.output()[-2000:] for p in live_stack["procs"]))
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def open_console(browser, live_stack, request):
    """open_console(user, login=False, base_url=None): a page for `user`, signed in
    through the login form or with a session made in-process, on the live stack (or
    on the server at `base_url`). Uncaught page errors and any
    JavaScript dialog fail the test."""
    opened = []

    def open_as(user, *, login: bool = False, base_url: str | None = None):
        url = base_url or live_stack["url"]
        context = browser.new_context(base_url=url, viewport={"width": 1600, "height": 1000})
        if not login:
            from django.test import Client
            client = Client()
            client.force_login(user)
            context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}])
        page = context.new_page()
        page.set_default_timeout(15000)
        page.errors, page.dialogs = [], []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        opened.append((context, page))
        return page

    yield open_as
    failed = request.node.rep_call.failed if hasattr(request.node, "rep_call") else False
    for i, (context, page) in enumerate(opened):
        if failed:
            shot = Path("/tmp") / f"flowdeck-ui-{request.node.name}-{i}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}\n" + "\n".join(p.output()[-2000:] for p in live_stack["procs"]))
        context.close()
        assert not page.errors, f"uncaught errors in the page: {page.errors}"
        assert not page.dialogs, f"a dialog fired: {page.dialogs}"


@pytest.fixture
def operator(transactional_db):
    from tests.support.users import make_user
    return make_user("olga", "operator")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def api(designer_user):
    """DRF's test client as the same user, for arranging data behind the browser's back."""
    from rest_framework.test import APIClient
    client = APIClient()
    client.force_authenticate(designer_user)
    return client
