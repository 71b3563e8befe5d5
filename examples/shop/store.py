"""The shop's ledgers: its own PostgreSQL schema ``shop``, created on start-up.

Every mutating call goes through ``idempotent()``: one transaction that first
claims (endpoint, Idempotency-Key), then performs the side effect and stores
the response. The unique key decides races: a second request with the same
key blocks on the first's insert until it commits, then replays its response
(or, if the first rolled back, goes ahead itself).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from typing import Callable

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)

DDL = """
CREATE SCHEMA IF NOT EXISTS shop;
CREATE TABLE IF NOT EXISTS shop.idempotency (
    id bigserial PRIMARY KEY,
    endpoint text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status int,
    body jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (endpoint, key));
-- The W3C traceparent of the first request (Flowdeck's trace of the step that made it).
ALTER TABLE shop.idempotency ADD COLUMN IF NOT EXISTS traceparent text;
CREATE TABLE IF NOT EXISTS shop.charges (
    id text PRIMARY KEY,
    order_id text NOT NULL,
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    currency text NOT NULL,
    status text NOT NULL CHECK (status IN ('captured', 'refunded')),
    idempotency_key text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS charges_order_idx ON shop.charges (order_id);
CREATE TABLE IF NOT EXISTS shop.refunds (
    id text PRIMARY KEY,
    charge_id text NOT NULL REFERENCES shop.charges (id),
    amount_cents bigint NOT NULL,
    idempotency_key text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS shop.reservations (
    id text PRIMARY KEY,
    order_id text NOT NULL,
    items jsonb NOT NULL,
    status text NOT NULL CHECK (status IN ('held', 'released')),
    idempotency_key text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    released_at timestamptz);
CREATE INDEX IF NOT EXISTS reservations_order_idx ON shop.reservations (order_id);
CREATE TABLE IF NOT EXISTS shop.shipments (
    id text PRIMARY KEY,
    order_id text NOT NULL,
    reservation_id text NOT NULL,
    address jsonb NOT NULL,
    status text NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    idempotency_key text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    cancelled_at timestamptz);
CREATE INDEX IF NOT EXISTS shipments_order_idx ON shop.shipments (order_id);
CREATE TABLE IF NOT EXISTS shop.emails (
    id text PRIMARY KEY,
    order_id text NOT NULL,
    recipient text NOT NULL,
    subject text NOT NULL,
    idempotency_key text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS emails_order_idx ON shop.emails (order_id);
CREATE TABLE IF NOT EXISTS shop.faults (
    endpoint text PRIMARY KEY,
    config jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now());
"""
LEDGER_TABLES = ("idempotency", "refunds", "charges", "reservations", "shipments", "emails")
_DDL_LOCK = 8_201_001  # advisory lock id: one DDL runner at a time


def schema_create(conn: psycopg.Connection) -> None:
    """Create the schema and tables if missing (safe to run concurrently)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [_DDL_LOCK])
        conn.execute(DDL)


def ledgers_truncate(conn: psycopg.Connection) -> None:
    """Empty every ledger (tests and the chaos harness); faults are kept."""
    with conn.transaction():
        conn.execute("TRUNCATE " + ", ".join(f"shop.{t}" for t in LEDGER_TABLES))


def pool_open(url: str, *, max_size: int = 20) -> ConnectionPool:
    # check: a connection broken by a database restart is replaced, not handed out.
    return ConnectionPool(url, min_size=1, max_size=max_size, open=True, timeout=5,
                          check=ConnectionPool.check_connection, kwargs={"autocommit": True})


@dataclasses.dataclass(frozen=True)
class Response:
    status: int
    body: dict
    replayed: bool = False


class KeyReused(Exception):
    """The same Idempotency-Key was sent with a different request body."""


def request_hash(body) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def idempotent(conn: psycopg.Connection, *, endpoint: str, key: str, body,
               effect: Callable[[psycopg.Connection], Response], traceparent: str | None = None) -> Response:
    """Run ``effect`` once per (endpoint, key); later calls replay its response.

    The claim, the side effect and the stored response commit together, so a
    crash anywhere before the commit leaves nothing behind, and a crash after
    it leaves a response to replay.
    """
    digest = request_hash(body)
    with conn.transaction():
        claimed = conn.execute(
            "INSERT INTO shop.idempotency (endpoint, key, request_hash, traceparent) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (endpoint, key) DO NOTHING RETURNING id", [endpoint, key, digest, traceparent]).fetchone()
        if claimed is None:
            stored_hash, status, stored = conn.execute(
                "SELECT request_hash, status, body FROM shop.idempotency WHERE endpoint = %s AND key = %s",
                [endpoint, key]).fetchone()
            if stored_hash != digest:
                raise KeyReused(f"Idempotency-Key {key!r} was first used with a different request to {endpoint}")
            return Response(status, stored, replayed=True)
        response = effect(conn)
        conn.execute("UPDATE shop.idempotency SET status = %s, body = %s WHERE id = %s",
                     [response.status, Jsonb(response.body), claimed[0]])
    return response


def faults_load(conn: psycopg.Connection) -> dict[str, dict]:
    return {endpoint: config for endpoint, config in conn.execute("SELECT endpoint, config FROM shop.faults")}


def faults_save(conn: psycopg.Connection, configs: dict[str, dict]) -> None:
    """Replace the stored fault configuration (an empty dict clears it)."""
    with conn.transaction():
        conn.execute("DELETE FROM shop.faults")
        for endpoint, config in configs.items():
            conn.execute("INSERT INTO shop.faults (endpoint, config) VALUES (%s, %s)", [endpoint, Jsonb(config)])
