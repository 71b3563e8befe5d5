#!/usr/bin/env python
"""Chaos proof of the order saga: many orders, injected faults, killed
processes, restarted servers; then the shop's ledgers must add up. By default
the extended saga (``order-saga-lines``: stock reserved line by line by a map,
each line undone on its own); ``--classic`` the one-reservation saga,
``--code`` that one written as a code workflow.

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
  completed order, with one held reservation per line item (per order with
  ``--classic``/``--code``), one scheduled shipment and one email;
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
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chaos_checks as checks  # noqa: E402
import chaos_checks  # noqa: E402
from chaos_checks import SETTLED, make_orders, shop_faults  # noqa: E402
from chaos_stack import ROOT, Proc, Servers, free_port, http, wait_http  # noqa: E402

PY = sys.executable


def log(msg: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


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
            "DJANGO_SETTINGS_MODULE": "flowdeck.settings_shop", "PYTHONUNBUFFERED": "1",
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
        spawn("web", PY, "-m", "flowdeck.daphne_server", "-b", "127.0.0.1", "-p", str(self.web_port),
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
            body = {"definition": chaos_checks.DEFINITION, "input": order["input"], "business_key": order["order_id"],
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
                                     "JOIN engine_workflowdefinition d ON d.id = r.definition_id WHERE d.key = %s "
                                     "AND r.parent_run_id IS NULL", [chaos_checks.DEFINITION]).fetchall())

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

    def check(self) -> tuple[list[str], Counter, int]:
        with self.db() as conn:
            state = checks.state_read(conn)
        found, outcome = checks.violations(self.orders, state)
        return found, outcome, state.retries

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
            violations, outcome, retries = self.check()
        finally:
            self.stop_event.set()
            self.teardown()
        violations = self.errors + violations
        for line in violations[:50]:
            print(f"VIOLATION {line}", file=sys.stderr)
        if len(violations) > 50:
            print(f"... and {len(violations) - 50} more", file=sys.stderr)
        wall = time.monotonic() - began
        other = sum(v for k, v in outcome.items() if k not in ("completed", "compensated", "aborted", "waiting"))
        print(f"chaos: orders={len(self.orders)} completed={outcome['completed']} compensated={outcome['compensated']} "
              f"aborted={outcome['aborted']} waiting={outcome['waiting']} other={other} "
              f"kills={self.counts['kills']} redis_restarts={self.counts['redis_restarts']} "
              f"pg_restarts={self.counts['pg_restarts']} shop_crashes={self.shop_crashes()} "
              f"step_retries={retries} violations={len(violations)} wall={wall:.0f}s", flush=True)
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
    parser.add_argument("--classic", action="store_true",
                        help="the saga with one reservation per order (order-saga) instead of one per line item "
                             "(order-saga-lines, a map)")
    parser.add_argument("--code", action="store_true",
                        help="the classic saga written as a code workflow (order-saga-code) instead of a graph")
    args = parser.parse_args(argv)
    if args.code or args.classic:
        chaos_checks.use_classic(code=args.code)
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
