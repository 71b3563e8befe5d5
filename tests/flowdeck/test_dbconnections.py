"""flowdeck/dbconnections.py: no health-check ping before a message that follows another at once."""
import pytest
from django.db import connection

from engine.models import WorkflowRun
from flowdeck import dbconnections

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pings(monkeypatch):
    connection.ensure_connection()
    calls = []
    real = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: calls.append(1) or real())
    return calls


def _message(middleware):
    middleware.before_process_message(None, None)
    WorkflowRun.objects.exists()  # the message's first query
    middleware.after_process_message(None, None)


def test_a_message_right_after_another_is_not_preceded_by_a_ping(pings):
    middleware = dbconnections.DbConnectionsMiddleware()
    _message(middleware)  # the thread's first message: its connection is checked
    assert len(pings) == 1
    _message(middleware)
    _message(middleware)
    assert len(pings) == 1


def test_a_connection_idle_for_a_while_is_pinged_again(pings, monkeypatch):
    middleware = dbconnections.DbConnectionsMiddleware()
    _message(middleware)
    monkeypatch.setattr(dbconnections, "FRESH_SECONDS", 0.0)
    _message(middleware)
    assert len(pings) == 2


def test_a_connection_that_had_an_error_is_checked_whatever_its_age(pings):
    middleware = dbconnections.DbConnectionsMiddleware()
    _message(middleware)
    connection.errors_occurred = True
    _message(middleware)
    assert len(pings) == 2 and connection.errors_occurred is False
