"""Database connections in the worker: django_dramatiq's middleware, less a ping per message.

django_dramatiq treats each message as a request: Django's connection hygiene
before and after it (close a connection that broke or outlived CONN_MAX_AGE),
and with CONN_HEALTH_CHECKS a ``SELECT 1`` before the message's first query.
A busy worker thread takes its next message a moment after the last one used
the connection, so that ping was one round trip per message for nothing. A
connection idle for longer than FRESH_SECONDS is pinged as before; one that
breaks even so fails its next query, which the engine rides out (a record
retries, an unclaimed step is re-sent by the scheduler).
"""
import threading
import time

from django import db
from django_dramatiq.middleware import DbConnectionsMiddleware as _DbConnectionsMiddleware

FRESH_SECONDS = 1.0


class DbConnectionsMiddleware(_DbConnectionsMiddleware):
    def __init__(self):
        self._ended = threading.local()  # when this worker thread's last message ended

    def before_process_message(self, broker, message):
        fresh = time.monotonic() - getattr(self._ended, "at", float("-inf")) < FRESH_SECONDS
        for conn in db.connections.all(initialized_only=True):
            conn.close_if_unusable_or_obsolete()
            if fresh and conn.connection is not None and not conn.errors_occurred:
                conn.health_check_done = True  # the previous message used it a moment ago

    def after_process_message(self, broker, message, *, result=None, exception=None):
        db.close_old_connections()
        self._ended.at = time.monotonic()
