#!/usr/bin/env python
"""Chaos proof of the order saga: many orders, injected faults, killed
processes, restarted servers; then the shop's ledgers must add up.

    .venv/bin/python bench/chaos.py --orders 1000

Starts its own stack on free ports: an embedded PostgreSQL and Redis (data in
``--state-dir``, default ``.flowdeck/chaos/``, never the dev servers; a fresh
database each run), then web (daphne), 2 workers, the scheduler and the
shop, each logging to ``<state-dir>/logs/``. Starts the orders through the
REST API (``POST /api/runs/``; a closed loop keeps at most ``--concurrency``
orders unsettled) with shop faults injected, and meanwhile SIGKILLs a random
worker every ``--kill-interval`` seconds (and starts a new one), SIGKILLs and
restarts Redis once (when 35% of the orders are submitted) and restarts
PostgreSQL once (at 65%; ``pg_ctl stop -m immediate``: a crash, recovered
from the WAL). Large orders wait for approval: a third
are approved, a third rejected, a third left waiting.

When every run is terminal, failed or waiting, it checks strictly:

- no run lost: one run per order, no other runs, each in the status its
  order's faults call for (declined card: failed; out of stock or fraud:
  compensated; large: as approved; else completed), with no open step left;
- exactly one successful, unrefunded charge of the right amount per
  completed order, with one held reservation, one scheduled shipment and one
  email;
- every charge of a compensated order refunded exactly once, no reservation
  left held, no shipment left scheduled, no email; nothing at all for a
  failed or waiting order; no ledger row for an unknown order;
- every run's ``RunEvent.seq`` gapless from 1 and ``next_seq`` one past it.

Prints the violations (at most 50), then one summary line, and exits 1 on any
violation (2 when the stack could not start).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DB_NAME = "flowdeck_chaos"
DEFINITION = "order-saga"
SOLD_OUT_SKU = "SKU-SOLD-OUT"
DECLINED_AMOUNTS = [6660, 13130, 40400]
SETTLED = {"completed", "compensated", "cancelled", "failed", "compensation_failed"}

# kind -> (expected run status, expected error type)
EXPECTED = {
    "normal": ("completed", None),
    "declined": ("failed", "CardDeclined"),
    "out_of_stock": ("compensated", "OutOfStock"),
    "fraud": ("compensated", "FraudSuspected"),
    "large_approved": ("completed", None),
    "large_rejected": ("failed", "OrderRejected"),
    "large_waiting": ("waiting", None),
}
# One in 25 orders of each special kind; the rest are normal.
KIND_CYCLE = ["declined", "out_of_stock", "fraud", "large_approved", "large_rejected", "large_waiting"]


def log(msg: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- orders ------------------------------------------------------------------

def make_orders(n: int, seed: int, run_tag: str) -> list[dict]:
    rng = random.Random(seed)
    skus = [f"SKU-{i:03d}" for i in range(1, 41)]
    orders = []
    for i in range(n):
        kind = KIND_CYCLE[i % 25] if i % 25 < len(KIND_CYCLE) else "normal"
        items = [{"sku": sku, "qty": rng.randint(1, 3)} for sku in rng.sample(skus, rng.randint(1, 3))]
        amount = rng.randint(500, 90_000)
        while amount in DECLINED_AMOUNTS:
            amount += 1
        email = f"customer{i}@example.com"
        if kind == "declined":
            amount = DECLINED_AMOUNTS[i % len(DECLINED_AMOUNTS)]
        elif kind == "out_of_stock":
            items.append({"sku": SOLD_OUT_SKU, "qty": 1})
        elif kind == "fraud":
            email = f"customer{i}@fraud.test"
        elif kind.startswith("large"):
            amount = rng.randint(100_000, 400_000)
        order_id = f"CH-{run_tag}-{i:05d}"
        orders.append({"kind": kind, "order_id": order_id, "input": {
            "order_id": order_id, "amount_cents": amount, "currency": "EUR", "items": items,
            "customer": {"email": email, "name": f"Customer {i}"},
            "address": {"street": f"{i} Chaos Lane", "city": "Testville", "country": "DE"}}})
    return orders


def shop_faults(rate: float) -> dict:
    return {
        "*": {"failure_rate": rate, "latency_ms": 10, "hang_rate": round(rate / 6, 5), "hang_seconds": 8,
              "crash_rate": round(rate / 10, 5)},
        "charge": {"declined_amounts": DECLINED_AMOUNTS},
        "reserve": {"out_of_stock_skus": [SOLD_OUT_SKU]},
    }


# -- processes ---------------------------------------------------------------

class Proc:
    """A child in its own session, so a kill takes its whole process group."""

    def __init__(self, name: str, args: list[str], env: dict, logdir: Path):
        self.name, self.args, self.env, self.logdir = name, args, env, logdir
        self.generation = 0
        self.popen: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.generation += 1
        self.started_at = time.monotonic()
        logfile = open(self.logdir / f"{self.name}.log", "ab")
        logfile.write(f"\n==== start #{self.generation} {time.strftime('%H:%M:%S')} ====\n".encode())
        logfile.flush()
        self.popen = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=logfile, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        logfile.close()

    def signal(self, sig) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def kill_and_restart(self) -> None:
        self.signal(signal.SIGKILL)
        self.popen.wait()
        self.start()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self.signal(signal.SIGKILL)
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            pass


class Servers:
    """The embedded PostgreSQL and Redis of ``state`` (or given URLs, never restarted)."""

    def __init__(self, state: Path, database_url: str | None, redis_url: str | None):
        os.environ["FLOWDECK_STATE_DIR"] = str(state)  # devstack reads it at import: its own ports, its own data
        sys.path.insert(0, str(ROOT))
        from flowdeck import devstack
        self.devstack, self.state = devstack, state
        self.own_pg, self.own_redis = database_url is None, redis_url is None
        if self.own_pg:
            self.pg_port = devstack.pg_start(state / "pgdata")
            database_url = f"postgresql://postgres@127.0.0.1:{self.pg_port}/{DB_NAME}"
        if self.own_redis:
            self.redis_port = devstack.redis_start(state / "redis")
            redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.database_url, self.redis_url = database_url.replace("postgres://", "postgresql://", 1), redis_url

    def fresh_database(self) -> None:
        import psycopg
        admin = self.database_url.rsplit("/", 1)[0] + "/postgres"
        name = self.database_url.rsplit("/", 1)[1]
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        if self.own_redis:
            import redis
            redis.Redis.from_url(self.redis_url).flushall()

    def restart_redis(self) -> float:
        """SIGKILL (no final AOF flush) and start again on the same port."""
        began = time.monotonic()
        pid = int((self.state / "redis" / "redis.pid").read_text().strip())
        os.kill(pid, signal.SIGKILL)
        while self.devstack.redis_running(self.state / "redis"):
            time.sleep(0.05)
        time.sleep(1.0)  # down for a while
        port = self.devstack.redis_start(self.state / "redis")
        if port != self.redis_port:
            raise RuntimeError(f"Redis came back on port {port}, not {self.redis_port}")
        return time.monotonic() - began

    def restart_pg(self) -> float:
        """``pg_ctl stop -m immediate`` (a crash: recovery from the WAL), then start."""
        began = time.monotonic()
        self.devstack.pg_stop(self.state / "pgdata", mode="immediate")
        time.sleep(1.0)
        port = self.devstack.pg_start(self.state / "pgdata")
        if port != self.pg_port:
            raise RuntimeError(f"PostgreSQL came back on port {port}, not {self.pg_port}")
        return time.monotonic() - began

    def stop(self) -> None:
        if self.own_pg:
            self.devstack.pg_stop(self.state / "pgdata")
        if self.own_redis:
            self.devstack.redis_stop(self.state / "redis")


# -- HTTP --------------------------------------------------------------------

def http(method: str, url: str, body=None, *, token: str | None = None, timeout: float = 10) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else {})
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, {"raw": raw[:300].decode(errors="replace")}


def wait_http(url: str, timeout: float, procs: list[Proc]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if http("GET", url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        dead = [p.name for p in procs if p.popen.poll() is not None]
        if dead:
            raise RuntimeError(f"process(es) {', '.join(dead)} exited during start-up")
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


# -- the run -----------------------------------------------------------------

class Chaos:
    def __init__(self, args):
        self.args = args
        self.state = (ROOT / args.state_dir).resolve() if not Path(args.state_dir).is_absolute() \
            else Path(args.state_dir)
        self.logdir = self.state / "logs"
        self.procs: dict[str, Proc] = {}
        self.counts = Counter()
        self.run_ids: dict[str, str] = {}        # order id -> run id
        self.signalled: set[str] = set()
        self.stop_event = threading.Event()
        self.submitted = threading.Event()
        self.errors: list[str] = []
        self.rng = random.Random(args.seed)
        self.settled_count = 0

    # start-up

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if k not in ("BROKER_URL", "SHOP_DATABASE_URL", "FLOWDECK_TEST_DB", "DJANGO_SETTINGS_MODULE")}
        env.update({
            "DATABASE_URL": self.servers.database_url, "REDIS_URL": self.servers.redis_url,
            "DJANGO_SETTINGS_MODULE": "flowdeck.settings", "PYTHONUNBUFFERED": "1",
            "FLOWDECK_SHOP_URL": f"http://127.0.0.1:{self.shop_port}", "FLOWDECK_PORT": str(self.web_port),
            "FLOWDECK_REQUEUE_AFTER": "10", "FLOWDECK_SCHEDULER_INTERVAL": "0.5",
            "FLOWDECK_CHANNEL_PREFIX": "flowdeck-chaos", "FLOWDECK_ADMIN_USER": "chaos",
            "FLOWDECK_ADMIN_PASSWORD": "chaos-not-secret",
        })
        return env

    def manage(self, *argv: str) -> str:
        out = subprocess.run([PY, "manage.py", *argv], cwd=ROOT, env=self.env(), capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(f"manage.py {' '.join(argv)} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout

    def start_stack(self) -> None:
        self.logdir.mkdir(parents=True, exist_ok=True)
        for old in self.logdir.glob("*.log"):
            old.unlink()
        self.servers = Servers(self.state, self.args.database_url, self.args.redis_url)
        self.servers.fresh_database()
        self.shop_port, self.web_port = free_port(), free_port()
        log(f"servers: {self.servers.database_url} {self.servers.redis_url}; logs in {self.logdir}")
        self.manage("flowdeck_setup")
        self.token = re.search(r"Generated token (\w+)", self.manage("drf_create_token", "chaos")).group(1)
        env = self.env()
        spawn = lambda name, *argv: self.procs.__setitem__(name, Proc(name, list(argv), env, self.logdir))
        spawn("shop", PY, "manage.py", "shop_serve", "--port", str(self.shop_port))
        spawn("web", str(Path(PY).parent / "daphne"), "-b", "127.0.0.1", "-p", str(self.web_port),
              "flowdeck.asgi:application")
        spawn("scheduler", PY, "manage.py", "engine_scheduler")
        for i in (1, 2):
            spawn(f"worker{i}", PY, "manage.py", "rundramatiq", "--processes", "1", "--threads", "8")
        self.shop = f"http://127.0.0.1:{self.shop_port}"
        self.web = f"http://127.0.0.1:{self.web_port}"
        wait_http(self.shop + "/healthz", 60, list(self.procs.values()))
        wait_http(self.web + "/healthz", 60, list(self.procs.values()))
        status, body = http("PUT", self.shop + "/faults", shop_faults(self.args.fault_rate))
        if status != 200:
            raise RuntimeError(f"could not set the shop's faults: {status} {body}")
        self.faults = body

    # the three threads: submit, chaos, approve (in the monitor loop)

    def submit(self) -> None:
        """Closed loop: at most ``--concurrency`` orders unsettled at once, at most ``--submit-rate`` per second."""
        began = time.monotonic()
        for i, order in enumerate(self.orders):
            while len(self.run_ids) - self.settled_count >= self.args.concurrency and not self.stop_event.is_set():
                time.sleep(0.2)
            delay = began + i / self.args.submit_rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            body = {"definition": DEFINITION, "input": order["input"], "business_key": order["order_id"],
                    "reason": "chaos harness"}
            while not self.stop_event.is_set():
                try:
                    status, reply = http("POST", self.web + "/api/runs/", body, token=self.token)
                except OSError:
                    status, reply = 0, {}
                if status in (200, 201):
                    self.run_ids[order["order_id"]] = reply["id"]
                    break
                if status in (400, 401, 403, 404):
                    self.errors.append(f"POST /api/runs/ for {order['order_id']} answered {status}: {reply}")
                    self.stop_event.set()
                    return
                self.counts["submit_retries"] += 1  # web or database restarting: same business key, no duplicate
                time.sleep(0.5)
        self.submitted.set()

    def plan(self) -> list[tuple[str, float, str]]:
        """(trigger, threshold, action): "time" in seconds from the start, or "submitted" as a fraction."""
        events = [("time", 2.0 + i * self.args.kill_interval, "kill") for i in range(self.args.kills)]
        if not self.args.no_restarts:
            events += [("submitted", 0.35, "redis"), ("submitted", 0.65, "pg")]
        return events

    def due(self, trigger: str, threshold: float, began: float) -> bool:
        if trigger == "time":
            return time.monotonic() - began >= threshold
        return len(self.run_ids) >= threshold * len(self.orders)

    def chaos(self) -> None:
        began, pending = time.monotonic(), self.plan()
        while pending and not self.stop_event.is_set():
            ready = [e for e in pending if self.due(e[0], e[1], began)]
            if not ready:
                self.stop_event.wait(0.1)
                continue
            event = ready[0]
            action = event[2]
            # Kill only a worker that has been up for a kill interval: one still booting would die before it
            # did anything, and the run would measure start-up time instead of recovery.
            grown = [n for n in ("worker1", "worker2")
                     if time.monotonic() - self.procs[n].started_at >= self.args.kill_interval]
            if action == "kill" and not grown:
                self.stop_event.wait(0.2)
                continue
            pending.remove(event)
            try:
                if action == "kill":
                    name = self.rng.choice(grown)
                    self.procs[name].kill_and_restart()
                    self.counts["kills"] += 1
                    log(f"SIGKILLed {name}, started again")
                elif action == "redis" and self.servers.own_redis:
                    took = self.servers.restart_redis()
                    self.counts["redis_restarts"] += 1
                    log(f"Redis killed and restarted ({took:.1f}s)")
                elif action == "pg" and self.servers.own_pg:
                    took = self.servers.restart_pg()
                    self.counts["pg_restarts"] += 1
                    log(f"PostgreSQL crashed and restarted ({took:.1f}s)")
            except Exception as exc:
                self.errors.append(f"chaos action {action} failed: {exc}")
                log(f"chaos action {action} failed: {exc}")
        self.chaos_done_at = time.monotonic()

    def approve(self, statuses: dict[str, str]) -> None:
        for order in self.orders:
            kind, order_id = order["kind"], order["order_id"]
            if kind not in ("large_approved", "large_rejected") or order_id in self.signalled:
                continue
            run_id = self.run_ids.get(order_id)
            if run_id is None or statuses.get(run_id) != "waiting":
                continue
            try:
                status, reply = http("POST", f"{self.web}/api/runs/{run_id}/signal/",
                                     {"name": "order.approved", "payload": {"approved": kind == "large_approved"},
                                      "reason": "chaos harness reviewer"}, token=self.token)
            except OSError:
                continue
            if status == 200:
                self.signalled.add(order_id)
            elif status == 409 and "not waiting" not in json.dumps(reply):
                self.signalled.add(order_id)

    # monitoring

    def db(self):
        import psycopg
        return psycopg.connect(self.servers.database_url, autocommit=True, connect_timeout=5)

    def statuses(self) -> dict[str, str]:
        with self.db() as conn:
            return dict(conn.execute("SELECT r.id::text, r.status FROM engine_workflowrun r "
                                     "JOIN engine_workflowdefinition d ON d.id = r.definition_id WHERE d.key = %s",
                                     [DEFINITION]).fetchall())

    def settled(self, statuses: dict[str, str]) -> bool:
        """Every order submitted and its run terminal, failed, or waiting for an approval nobody will give."""
        count = 0
        for order in self.orders:
            status = statuses.get(self.run_ids.get(order["order_id"]))
            # waiting is final for the orders nobody approves
            count += status in SETTLED or (status == "waiting" and order["kind"] == "large_waiting")
        self.settled_count = count
        return self.submitted.is_set() and count == len(self.orders)

    def wait_settled(self) -> dict[str, str]:
        deadline = time.monotonic() + self.args.settle_timeout
        last_report, statuses = 0.0, {}
        while time.monotonic() < deadline and not self.stop_event.is_set():
            try:
                statuses = self.statuses()
                self.approve(statuses)
            except Exception as exc:  # the database is restarting
                log(f"monitor: {type(exc).__name__}: {str(exc).strip()[:120]}")
                time.sleep(1)
                continue
            if self.settled(statuses) and getattr(self, "chaos_done_at", None):
                return statuses
            if time.monotonic() - last_report > 10:
                last_report = time.monotonic()
                log(f"{len(self.run_ids)}/{len(self.orders)} submitted; " + " ".join(
                    f"{k}={v}" for k, v in sorted(Counter(statuses.values()).items())))
            time.sleep(0.5)
        self.errors.append(f"not settled within {self.args.settle_timeout}s")
        return statuses

    # the checks

    def check(self) -> tuple[list[str], Counter, dict]:
        violations: list[str] = []
        with self.db() as conn:
            q = lambda sql, *p: conn.execute(sql, p).fetchall()
            runs = q("SELECT r.business_key, r.id::text, r.status, r.error->>'type', r.next_seq FROM "
                     "engine_workflowrun r JOIN engine_workflowdefinition d ON d.id = r.definition_id "
                     "WHERE d.key = %s", DEFINITION)
            events = {run_id: (n, lo, hi, distinct) for run_id, n, lo, hi, distinct in q(
                "SELECT run_id::text, count(*), min(seq), max(seq), count(DISTINCT seq) FROM engine_runevent "
                "GROUP BY run_id")}
            open_steps = defaultdict(list)
            for run_id, node_id, kind, status in q(
                    "SELECT run_id::text, node_id, kind, status FROM engine_steprun "
                    "WHERE status IN ('scheduled', 'running', 'waiting')"):
                open_steps[run_id].append((node_id, kind, status))
            retries = q("SELECT coalesce(sum(attempt - 1), 0) FROM engine_steprun WHERE attempt > 1")[0][0]
            charges, reservations, shipments, emails = (defaultdict(list) for _ in range(4))
            for order_id, charge_id, amount, status in q("SELECT order_id, id, amount_cents, status FROM shop.charges"):
                charges[order_id].append((charge_id, amount, status))
            refunds = Counter(dict(q("SELECT charge_id, count(*) FROM shop.refunds GROUP BY charge_id")))
            for order_id, status in q("SELECT order_id, status FROM shop.reservations"):
                reservations[order_id].append(status)
            for order_id, status in q("SELECT order_id, status FROM shop.shipments"):
                shipments[order_id].append(status)
            for (order_id,) in q("SELECT order_id FROM shop.emails"):
                emails[order_id].append(1)
            replays = q("SELECT count(*) FROM shop.idempotency")[0][0]

        by_key = defaultdict(list)
        for business_key, run_id, status, error_type, next_seq in runs:
            by_key[business_key].append((run_id, status, error_type, next_seq))
        known = {o["order_id"] for o in self.orders}
        outcome = Counter()
        for extra in sorted(set(by_key) - known):
            violations.append(f"run(s) for an order the harness never started: {extra}")
        for order in self.orders:
            oid, kind = order["order_id"], order["kind"]
            found = by_key.get(oid, [])
            if len(found) != 1:
                violations.append(f"{oid}: {len(found)} runs (run lost)" if not found else f"{oid}: {len(found)} runs")
                outcome["lost"] += 1
                continue
            run_id, status, error_type, next_seq = found[0]
            outcome[status] += 1
            want_status, want_error = EXPECTED[kind]
            if status != want_status or (want_error and error_type != want_error):
                violations.append(f"{oid} ({kind}): run {run_id} is {status} ({error_type}), expected "
                                  f"{want_status}" + (f" ({want_error})" if want_error else ""))
            n, lo, hi, distinct = events.get(run_id, (0, None, None, 0))
            if not (n and lo == 1 and hi == n == distinct and next_seq == n + 1):
                violations.append(f"{oid}: run {run_id} events not gapless: count={n} min={lo} max={hi} "
                                  f"distinct={distinct} next_seq={next_seq}")
            opened = open_steps.get(run_id, [])
            if status == "waiting":
                if [s[:1] for s in opened] != [("approval",)]:
                    violations.append(f"{oid}: waiting run {run_id} has open steps {opened}, expected the approval")
            elif opened:
                violations.append(f"{oid}: {status} run {run_id} still has open steps {opened}")
            violations += self.ledger_violations(order, status, charges.pop(oid, []), refunds,
                                                 reservations.pop(oid, []), shipments.pop(oid, []),
                                                 emails.pop(oid, []))
        for name, rows in (("charges", charges), ("reservations", reservations), ("shipments", shipments),
                           ("emails", emails)):
            for oid in rows:
                violations.append(f"{name} for an unknown order {oid}")
        extra = {"retries": retries, "idempotency_keys": replays}
        return violations, outcome, extra

    @staticmethod
    def ledger_violations(order, status, charges, refunds, reservations, shipments, emails) -> list[str]:
        oid, amount = order["order_id"], order["input"]["amount_cents"]
        out = []
        for charge_id, _, _ in charges:
            if refunds.get(charge_id, 0) > 1:
                out.append(f"{oid}: charge {charge_id} refunded {refunds[charge_id]} times")
        if status == "completed":
            good = [c for c in charges if c[2] == "captured" and c[1] == amount and not refunds.get(c[0])]
            if len(charges) != 1 or len(good) != 1:
                out.append(f"{oid}: completed with charges {charges} (want exactly one captured charge of {amount})")
            if reservations != ["held"]:
                out.append(f"{oid}: completed with reservations {reservations} (want one held)")
            if shipments != ["scheduled"]:
                out.append(f"{oid}: completed with shipments {shipments} (want one scheduled)")
            if len(emails) != 1:
                out.append(f"{oid}: completed with {len(emails)} confirmation emails")
            return out
        if len(charges) > 1:
            out.append(f"{oid}: {status} with {len(charges)} charges")
        for charge_id, _, charge_status in charges:
            if charge_status != "refunded" or refunds.get(charge_id, 0) != 1:
                out.append(f"{oid}: {status} but charge {charge_id} is {charge_status} with "
                           f"{refunds.get(charge_id, 0)} refund(s)")
        if status in ("failed", "waiting") and charges:
            out.append(f"{oid}: {status} but was charged {charges}")
        if "held" in reservations:
            out.append(f"{oid}: {status} but a reservation is still held {reservations}")
        if "scheduled" in shipments:
            out.append(f"{oid}: {status} but a shipment is still scheduled {shipments}")
        if emails:
            out.append(f"{oid}: {status} but {len(emails)} confirmation email(s) were sent")
        return out

    # main

    def shop_crashes(self) -> int:
        path = self.logdir / "shop.log"
        return len(re.findall(r"server exited with code 70", path.read_text(errors="replace"))) if path.exists() else 0

    def run(self) -> int:
        began = time.monotonic()
        self.orders = make_orders(self.args.orders, self.args.seed, time.strftime("%H%M%S"))
        try:
            try:
                self.start_stack()
            except Exception as exc:
                log(f"the stack did not start: {exc}")
                return 2
            log(f"stack up in {time.monotonic() - began:.1f}s; {len(self.orders)} orders, at most "
                f"{self.args.concurrency} unsettled at once; faults {json.dumps(self.faults)}")
            for target in (self.submit, self.chaos):
                threading.Thread(target=target, daemon=True).start()
            self.wait_settled()
            self.stop_event.set()
            violations, outcome, extra = self.check()
        finally:
            self.stop_event.set()
            self.teardown()
        violations = self.errors + violations
        for line in violations[:50]:
            print(f"VIOLATION {line}", file=sys.stderr)
        if len(violations) > 50:
            print(f"... and {len(violations) - 50} more", file=sys.stderr)
        wall = time.monotonic() - began
        other = sum(v for k, v in outcome.items() if k not in ("completed", "compensated", "failed", "waiting"))
        print(f"chaos: orders={len(self.orders)} completed={outcome['completed']} compensated={outcome['compensated']} "
              f"failed={outcome['failed']} waiting={outcome['waiting']} other={other} "
              f"kills={self.counts['kills']} redis_restarts={self.counts['redis_restarts']} "
              f"pg_restarts={self.counts['pg_restarts']} shop_crashes={self.shop_crashes()} "
              f"step_retries={extra.get('retries', 0)} violations={len(violations)} wall={wall:.0f}s", flush=True)
        return 1 if violations else 0

    def teardown(self) -> None:
        for proc in self.procs.values():
            proc.stop()
        if hasattr(self, "servers") and not self.args.keep:
            self.servers.stop()


def _interrupt(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--kills", type=int, default=None, help="worker SIGKILLs (default: orders / 40, at least 2)")
    parser.add_argument("--kill-interval", type=float, default=6.0,
                        help="seconds between kills; a worker is never killed before it has been up this long")
    parser.add_argument("--fault-rate", type=float, default=0.03,
                        help="shop failure rate; hangs are a sixth of it, crashes a tenth")
    parser.add_argument("--submit-rate", type=float, default=20.0, help="at most this many orders per second")
    parser.add_argument("--concurrency", type=int, default=60,
                        help="at most this many orders unsettled at once (a closed loop: no unbounded backlog)")
    parser.add_argument("--no-restarts", action="store_true", help="no Redis or PostgreSQL restart")
    parser.add_argument("--settle-timeout", type=float, default=None, help="default 300 + orders / 2 seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--state-dir", default=".flowdeck/chaos")
    parser.add_argument("--database-url", help="use this PostgreSQL (no restart) instead of an embedded one")
    parser.add_argument("--redis-url", help="use this Redis (no restart) instead of an embedded one")
    parser.add_argument("--keep", action="store_true", help="leave the embedded servers running")
    args = parser.parse_args(argv)
    if args.kills is None:
        args.kills = max(2, args.orders // 40)
    if args.settle_timeout is None:
        args.settle_timeout = 300 + args.orders / 2
    # Also when started in the background (SIGINT ignored): stop the stack we started, then exit.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    return Chaos(args).run()


if __name__ == "__main__":
    sys.exit(main())
