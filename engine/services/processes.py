"""Liveness beats of workers and schedulers (engine.models.EngineProcess).

Every time is the database's clock (statement_timestamp(), what Django's Now() is on
PostgreSQL), never the caller's: a process is judged alive or dead against one
clock, whichever host it runs on."""
from __future__ import annotations

import datetime as dt
import json

from django.db import connection
from django.db.models.functions import Coalesce, Now

from engine.models import EngineProcess

_TABLE = EngineProcess._meta.db_table
# One statement, so a beat costs one round trip. A first beat (started) opens a new
# incarnation: after a restart the same host:pid may come back (pids are reused).
_BEAT = f"""
INSERT INTO {_TABLE} AS p (kind, name, host, pid, threads, queues, in_hand, threads_busy, info,
                           started_at, beat_at, stopped_at)
VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s::jsonb, statement_timestamp(), statement_timestamp(), NULL)
ON CONFLICT (name) DO UPDATE SET
    kind = EXCLUDED.kind, host = EXCLUDED.host, pid = EXCLUDED.pid, threads = EXCLUDED.threads,
    queues = EXCLUDED.queues, in_hand = EXCLUDED.in_hand, threads_busy = EXCLUDED.threads_busy,
    info = EXCLUDED.info, beat_at = statement_timestamp(), stopped_at = NULL,
    started_at = CASE WHEN %s THEN statement_timestamp() ELSE p.started_at END
"""


def process_beat(*, kind: str, name: str, host: str, pid: int, threads: int = 0, queues=(), in_hand: int = 0,
                 threads_busy: int = 0, info: dict | None = None, started: bool = False) -> None:
    """The process is alive now. ``started``: its first beat since it started."""
    if kind not in (EngineProcess.WORKER, EngineProcess.SCHEDULER):
        raise ValueError(f"unknown process kind {kind!r}")
    with connection.cursor() as cur:
        cur.execute(_BEAT, [kind, name, host, pid, threads, json.dumps(sorted(queues)), in_hand, threads_busy,
                            json.dumps(info or {}), started])


def process_stop(*, name: str) -> bool:
    """A clean shutdown: the process is not dead, it is gone on purpose."""
    return bool(EngineProcess.objects.filter(name=name, stopped_at__isnull=True)
                .update(stopped_at=Now(), in_hand=0, threads_busy=0))


def process_prune(*, older_than_seconds: float) -> int:
    """Forget processes stopped or silent for longer than this, so restarts do not pile up."""
    cutoff = Now() - dt.timedelta(seconds=older_than_seconds)
    deleted, _ = (EngineProcess.objects.alias(last=Coalesce("stopped_at", "beat_at"))
                  .filter(last__lt=cutoff).delete())
    return deleted
