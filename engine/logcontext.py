"""What every engine log line says it is about: the run, the node, the attempt and the worker.

The executor (and anything else acting on one run) sets the context with ``bound(...)``; the
``ContextFilter`` (installed on the handler by settings.LOGGING) copies it onto each record, so the
JSON lines of ``LOG_FORMAT=json`` (python-json-logger) carry ``run_id``, ``node``, ``attempt`` and
``worker`` as fields, and the human format shows them in brackets when set.
"""
from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import socket
import threading

_HOST = socket.gethostname()
_context: contextvars.ContextVar[dict] = contextvars.ContextVar("flowdeck_log_context", default={})
FIELDS = ("run_id", "node", "attempt")


@contextlib.contextmanager
def bound(**fields):
    """Within the block, log records carry ``fields`` (merged over any already bound)."""
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def current() -> dict:
    return dict(_context.get())


class ContextFilter(logging.Filter):
    """Adds run_id, node, attempt (empty when not about a run) and worker (host:pid:thread) to records."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get()
        for name in FIELDS:
            if not hasattr(record, name):
                setattr(record, name, context.get(name, ""))
        if not hasattr(record, "worker"):
            record.worker = f"{_HOST}:{os.getpid()}:{threading.current_thread().name}"
        record.about = " ".join(f"{name}={context[name]}" for name in FIELDS if name in context)
        record.about = f"[{record.about}] " if record.about else ""
        return True
