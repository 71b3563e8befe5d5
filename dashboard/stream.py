"""Run events as websocket messages bounded in bytes.

The catch-up read and the live batches are cut the same way, so no message a
console gets is over ``FLOWDECK_WS_MESSAGE_BYTES`` (256 KiB), whatever a run
holds. An event whose payload's JSON is over ``FLOWDECK_WS_PAYLOAD_BYTES``
(64 KiB) goes without it: it keeps the fields the console's graph reads
(``KEPT``) and says ``"payload_omitted": true, "payload_bytes": N``; the client
fetches it from ``GET /api/runs/<id>/events/?after_seq=<seq - 1>&limit=1``.
A payload's size is that of its JSON as sent: ASCII-escaped for live events
(Python's ``json.dumps``), UTF-8 for a catch-up (``octet_length(payload::text)``).

An event travels as ``(seq, doc)``: ``doc`` is its JSON text, encoded once
(by PostgreSQL for a catch-up, by the broadcaster for live events), so each
socket only joins strings.
"""
from __future__ import annotations

import json

from django.conf import settings
from django.db import connection

KEPT = ("status", "kind", "attempt")  # what runStatus.ts derives a step's state from
ROWS = 500  # events per catch-up query, before the byte cut
MAX_SEQ = 2**31 - 1  # RunEvent.seq is a PostgreSQL integer
_HEAD = '{"type": "events", "events": ['
_TAIL = "]}"


def payload_limit() -> int:
    return settings.FLOWDECK_WS_PAYLOAD_BYTES


def message_limit() -> int:
    return settings.FLOWDECK_WS_MESSAGE_BYTES


def parse_seq(value) -> int | None:
    """A seq from a client (query string or message): a whole number 0..MAX_SEQ, else None.
    Strict: ASCII digits only ("²".isdigit() is true), at most 10 of them, never a bool."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_SEQ else None
    if isinstance(value, str) and 0 < len(value) <= 10 and value.isascii() and value.isdigit():
        number = int(value)
        return number if number <= MAX_SEQ else None
    return None


def slim(event: dict, limit: int | None = None) -> dict:
    """The event, without its payload when the payload's JSON is over ``limit`` bytes."""
    limit = payload_limit() if limit is None else limit
    if event.get("payload_omitted"):
        return event
    size = len(json.dumps(event.get("payload"), default=str))  # ASCII: characters are bytes
    return event if size <= limit else _omitted(event, size)


def _omitted(event: dict, size: int) -> dict:
    payload = event.get("payload")
    kept = {k: payload[k] for k in KEPT if isinstance(payload, dict) and payload.get(k) is not None}
    return {**event, "payload": kept, "payload_omitted": True, "payload_bytes": size}


def encode(event: dict, limit: int | None = None) -> tuple[int, str]:
    """``(seq, doc)`` for a live event (an ``engine.events.event_dict``), its payload encoded once."""
    limit = payload_limit() if limit is None else limit
    if event.get("payload_omitted"):
        return event["seq"], json.dumps(event, default=str)
    payload = json.dumps(event.get("payload"), default=str)
    if len(payload) > limit:
        return event["seq"], json.dumps(_omitted(event, len(payload)), default=str)
    head = json.dumps({k: v for k, v in event.items() if k != "payload"}, default=str)
    return event["seq"], head[:-1] + (", " if len(head) > 2 else "") + '"payload": ' + payload + "}"


def _size(doc: str) -> int:
    return len(doc) if doc.isascii() else len(doc.encode("utf-8", "surrogatepass"))


def cut(docs: list[tuple[int, str]], limit: int | None = None) -> list[list[tuple[int, str]]]:
    """``docs`` in order, as pages whose message (``message(page)``) is at most ``limit`` bytes;
    an event that is bigger on its own (never, with the default limits) goes alone."""
    limit = message_limit() if limit is None else limit
    pages: list[list[tuple[int, str]]] = []
    page: list[tuple[int, str]] = []
    used = len(_HEAD) + len(_TAIL)
    for seq, doc in docs:
        size = _size(doc) + 1  # the comma
        if page and used + size > limit:
            pages.append(page)
            page, used = [], len(_HEAD) + len(_TAIL)
        page.append((seq, doc))
        used += size
    if page:
        pages.append(page)
    return pages


def message(page: list[tuple[int, str]]) -> str:
    """The ``{"type": "events", "events": [...]}`` message of one page."""
    return _HEAD + ",".join(doc for _, doc in page) + _TAIL


def events_after(*, run_id, after_seq: int) -> tuple[list[tuple[int, str]], bool]:
    """The next page of a run's events after ``after_seq``, rendered and cut by PostgreSQL (no
    payload over the limit leaves the database), and whether more may follow."""
    pmax, budget = payload_limit(), message_limit() - len(_HEAD) - len(_TAIL)
    with connection.cursor() as cur:
        cur.execute("""
            WITH e AS (
                SELECT seq, doc, octet_length(doc) + 1 AS size FROM (
                    SELECT seq, (jsonb_build_object(
                        'run_id', run_id, 'seq', seq, 'type', type, 'node_id', node_id,
                        'payload', CASE WHEN n <= %(pmax)s THEN payload ELSE jsonb_strip_nulls(jsonb_build_object(
                            'status', payload->'status', 'kind', payload->'kind', 'attempt', payload->'attempt')) END,
                        'actor', actor, 'reason', reason, 'created_at', created_at)
                        || CASE WHEN n > %(pmax)s THEN jsonb_build_object('payload_omitted', true, 'payload_bytes', n)
                           ELSE '{}'::jsonb END)::text AS doc
                    FROM (SELECT *, octet_length(payload::text) AS n FROM engine_runevent
                          WHERE run_id = %(run)s AND seq > %(after)s ORDER BY seq LIMIT %(rows)s) r
                ) d
            )
            SELECT seq, doc, (SELECT count(*) FROM e) FROM (
                SELECT seq, doc, sum(size) OVER (ORDER BY seq) AS upto, row_number() OVER (ORDER BY seq) AS n FROM e
            ) p WHERE upto <= %(budget)s OR n = 1 ORDER BY seq""",
                    {"pmax": pmax, "run": run_id, "after": after_seq, "rows": ROWS, "budget": budget})
        rows = cur.fetchall()
    if not rows:
        return [], False
    return [(seq, doc) for seq, doc, _ in rows], len(rows) < rows[0][2] or rows[0][2] == ROWS
