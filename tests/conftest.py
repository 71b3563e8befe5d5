"""Fixtures: real PostgreSQL (pytest-django's test database on the server
DATABASE_URL names), real Redis, real worker and scheduler processes."""
from __future__ import annotations

import os
import time

import pytest
from django.db import connection

from tests.support.stack import Stack


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, then at the end: close the persistent (CONN_MAX_AGE) connections
    that threads of the tests left open, so the test database can be dropped."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(scope="session")
def broker_flushed():
    import dramatiq
    broker = dramatiq.get_broker()
    broker.flush_all()
    return broker


@pytest.fixture(scope="session")
def stack_env(django_db_setup, django_db_blocker, broker_flushed) -> dict:
    """Environment for spawned processes: the test database, same Redis."""
    from django.conf import settings
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return env


@pytest.fixture
def stack(stack_env, transactional_db):
    """Start workers and schedulers as needed; everything is stopped after the test."""
    import dramatiq
    dramatiq.get_broker().flush_all()  # messages left by in-process tests
    s = Stack(stack_env)
    yield s
    s.stop_all()
    _clean_ledgers()


@pytest.fixture
def ledger(transactional_db):
    from tests.support.ledger import Ledger
    yield Ledger()
    _clean_ledgers()


def _clean_ledgers():
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS test_ledger; DROP TABLE IF EXISTS test_effects")


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each async test runs on its own event loop, but Channels caches one Redis layer per
    process whose receive lock binds to the loop that first waited on it; a test that ends
    with a receive still pending leaves that lock held for the next loop ("bound to a
    different event loop"). A layer per test keeps the tests apart, as daphne's one loop does."""
    from channels.layers import channel_layers
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(scope="session", autouse=True)
def _flush_outlives_deadlocks():
    """A transactional test ends with one TRUNCATE of every table while the live stack keeps
    reading (a scheduler sweep, a page's poll): a statement that takes its share locks in
    another order than TRUNCATE deadlocks with it, and PostgreSQL aborts the TRUNCATE. Only
    the test's clean-up is in the way, so try the flush again (it is all or nothing). Session
    scope: pytest-django's database fixtures are set up before any function-scoped one."""
    from django.core.management.base import CommandError
    from django.db import OperationalError
    from django.test import TransactionTestCase
    original = TransactionTestCase._fixture_teardown

    def teardown(self):
        for attempt in range(5):
            try:
                return original(self)
            except (CommandError, OperationalError) as exc:
                if attempt == 4 or "deadlock detected" not in f"{exc} {exc.__cause__}":
                    raise
                time.sleep(0.2 * (attempt + 1))

    TransactionTestCase._fixture_teardown = teardown
    yield
    TransactionTestCase._fixture_teardown = original
