"""Fixtures: real PostgreSQL (pytest-django's test database on the server
DATABASE_URL names), real Redis, real worker and scheduler processes."""
from __future__ import annotations

import os

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
