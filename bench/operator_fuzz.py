"""Operator fuzz: thousands of random operator sequences on a real stack, workers SIGKILLed.

    .venv/bin/python bench/operator_fuzz.py --sequences 300

Starts its own stack: a fresh database (dropped and created) on the PostgreSQL of
``--database-url``, its own Redis database (``--redis-url``), ``--workers`` dramatiq worker
processes and one scheduler (``--interval 0.2``); publishes a pool of random definitions
(tests/support/operator_model.py; ``--code-share`` of the runs are code runs of ``fz-code``, a random
plan in each run's input); then plays ``--sequences`` sequences, ``--concurrency`` at a
time, sequence i drawn from seed ``--seed + i``: a few runs with random faults and an operator
acting on them (every action of the policy, bulk included, mostly allowed ones, sometimes
refused or malformed ones), then settles and checks every run. Meanwhile a worker is SIGKILLed
and restarted every ``--kill-every`` seconds, and every ``--scheduler-every``-th kill the
scheduler too (down for 1-3 s).

Prints one line:

    operator_fuzz: sequences=N runs=M code_runs=C actions=A refused=R kills=K violations=V wall=Ts

then the actions by outcome and the runs by final status; the first ``--show`` violations in
detail (seed, run, what, the sequence's log, the runs' steps and events). Exit status 1 on any
violation. ``--seed S --sequences 1`` (with the same ``--pool`` and ``--pool-seed``) plays sequence S
again: the same definitions, faults and operator choices; timing, and so what the choices meet, differ.

Flags:
  --sequences N        sequences to play (default 100)
  --concurrency C      sequences at once (default 80), played by
  --harness-threads H  threads of this process (default 16; one database connection each)
  --seed S             first sequence's seed (default 1)
  --pool D             definitions in the pool (default 200; plus 4 child definitions)
  --pool-seed P        seed of the pool (default 1)
  --code-share F       share of the runs started that are code runs (default 0.25; 0: graph runs only)
  --workers W          worker processes (default 2), --threads T threads each (default 24)
  --kill-every S       seconds between worker SIGKILLs (default 8; 0: none)
  --scheduler-every K  every K-th kill takes the scheduler down too (default 5; 0: never)
  --settle-timeout S   a sequence not settled after this is a violation (default 120)
  --database-url URL   server and database to use (default postgres://postgres@127.0.0.1:5432/flowdeck_fuzz;
                       the database is dropped and created)
  --redis-url URL      broker (default redis://127.0.0.1:6379/5, flushed)
  --state-dir DIR      process logs (default .flowdeck/fuzz)
  --show K             violations shown in detail (default 3); every violating sequence's report goes to
                       DIR/violations.log
"""
from __future__ import annotations

import argparse
import collections
import heapq
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chaos_stack import Proc  # noqa: E402


def _args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--sequences", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=80)
    parser.add_argument("--harness-threads", dest="threads_harness", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pool", type=int, default=200)
    parser.add_argument("--pool-seed", type=int, default=1)
    parser.add_argument("--code-share", type=float, default=0.25)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=24)
    parser.add_argument("--kill-every", type=float, default=8.0)
    parser.add_argument("--scheduler-every", type=int, default=5)
    parser.add_argument("--settle-timeout", type=float, default=120.0)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/flowdeck_fuzz")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--state-dir", default=".flowdeck/fuzz")
    parser.add_argument("--show", type=int, default=3)
    return parser.parse_args(argv)


def _fresh_database(url: str) -> None:
    import psycopg
    url = url.replace("postgres://", "postgresql://", 1)
    admin, name = url.rsplit("/", 1)[0] + "/postgres", url.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class Chaos(threading.Thread):
    """SIGKILLs a worker every ``every`` seconds and starts it again; now and then the scheduler."""

    def __init__(self, workers: list[Proc], scheduler: Proc, *, every: float, scheduler_every: int, seed: int):
        super().__init__(name="chaos", daemon=True)
        self.workers, self.scheduler, self.every, self.scheduler_every = workers, scheduler, every, scheduler_every
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.kills = self.scheduler_kills = 0

    def run(self):
        while not self.stop.wait(self.every * self.rng.uniform(0.7, 1.3)):
            victim = self.rng.choice(self.workers)
            victim.kill_and_restart()
            self.kills += 1
            if self.scheduler_every and self.kills % self.scheduler_every == 0:
                self.scheduler.signal(signal.SIGKILL)
                self.scheduler.popen.wait()
                self.scheduler_kills += 1
                if self.stop.wait(self.rng.uniform(1.0, 3.0)):
                    self.scheduler.start()
                    return
                self.scheduler.start()


class Multiplexer:
    """Plays up to ``concurrency`` sequences at once on ``threads`` threads (one database connection
    each): a sequence is a generator (``Sequence.play_steps``) that yields how long to wait before it
    goes on; a thread takes whichever sequence is due next."""

    def __init__(self, *, threads: int, concurrency: int):
        self.threads, self.concurrency = threads, concurrency
        self.heap: list = []
        self.cond = threading.Condition()
        self.in_flight = 0
        self.exhausted = False
        self.counter = 0

    def _push(self, due: float, seq, steps) -> None:
        self.counter += 1
        heapq.heappush(self.heap, (due, self.counter, seq, steps))
        self.cond.notify()

    def _admit(self, next_sequence) -> None:
        """Under the lock: start sequences until ``concurrency`` are in flight."""
        while not self.exhausted and self.in_flight < self.concurrency:
            seq = next_sequence()
            if seq is None:
                self.exhausted = True
                return
            self.in_flight += 1
            self._push(time.monotonic(), seq, None)

    def run(self, next_sequence, finished) -> None:
        with self.cond:
            self._admit(next_sequence)
        threads = [threading.Thread(target=self._loop, args=(next_sequence, finished), name=f"mux{i}", daemon=True)
                   for i in range(self.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def _loop(self, next_sequence, finished) -> None:
        from django.db import connection
        try:
            while True:
                with self.cond:
                    while True:
                        if not self.heap and self.exhausted and self.in_flight == 0:
                            self.cond.notify_all()
                            return
                        if self.heap and self.heap[0][0] <= time.monotonic():
                            _, _, seq, steps = heapq.heappop(self.heap)
                            break
                        wait = self.heap[0][0] - time.monotonic() if self.heap else 0.5
                        self.cond.wait(max(0.001, min(wait, 0.5)))
                if steps is None:
                    steps = seq.play_steps()
                delay = self._advance(seq, steps)
                with self.cond:
                    if delay is None:
                        self.in_flight -= 1
                        finished(seq)
                        self._admit(next_sequence)
                    else:
                        self._push(time.monotonic() + delay, seq, steps)
        finally:
            connection.close()

    @staticmethod
    def _advance(seq, steps):
        """Run ``seq`` until it waits (the seconds) or ends (None); a harness error is a violation."""
        try:
            return next(steps)
        except StopIteration:
            return None
        except Exception as exc:
            import traceback
            seq.violation(seq.runs[0] if seq.runs else None, "harness error",
                          f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-1500:]}")
            from django.db import connection
            connection.close()
            return None


def main(argv=None) -> int:
    args = _args(argv)
    state = ROOT / args.state_dir
    state.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url,
           "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONUNBUFFERED": "1",
           # Liveness that an operator can act on within a sequence: beats every 0.5 s, dead after 6 s.
           "FLOWDECK_BEAT_INTERVAL": "0.5", "FLOWDECK_WORKER_DEAD_AFTER": "6"}
    env.pop("BROKER_URL", None)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE",
                                           "FLOWDECK_BEAT_INTERVAL", "FLOWDECK_WORKER_DEAD_AFTER")})
    began = time.monotonic()
    for old in state.glob("*.log"):  # this run's process logs and violations only
        old.unlink()
    _fresh_database(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django
    django.setup()
    import dramatiq
    from django.db import connection

    from tests.support import fuzz_activities
    from tests.support.operator_model import Pool, Sequence, Stats
    from tests.support.users import make_user

    dramatiq.get_broker().flush_all()
    fuzz_activities.tables_create()
    user = make_user("fuzz-operator", "operator")
    pool = Pool.publish(seed=args.pool_seed, size=args.pool, code_share=args.code_share)
    connection.close()
    setup = time.monotonic() - began

    workers = [Proc(f"worker{i}", [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads",
                                   str(args.threads)], env, state) for i in range(args.workers)]
    scheduler = Proc("scheduler", [sys.executable, "manage.py", "engine_scheduler", "--interval", "0.2"], env, state)
    chaos = Chaos(workers, scheduler, every=args.kill_every, scheduler_every=args.scheduler_every, seed=args.seed)
    stats, violations, reports = Stats(), [], []
    progress = {"done": 0, "last": time.monotonic()}

    def finished(seq: Sequence) -> None:
        progress["done"] += 1
        stats.merge(seq.stats)
        if seq.violations:
            violations.extend(seq.violations)
            report = seq.report()
            if len(reports) < args.show:
                reports.append(report)
            with open(state / "violations.log", "a") as out:
                out.write(report + "\n\n")
        if time.monotonic() - progress["last"] > 15:
            progress["last"] = time.monotonic()
            elapsed = time.monotonic() - started
            print(f"  ... {progress['done']}/{args.sequences} sequences, {stats.runs} runs, {stats.actions} actions, "
                  f"{len(violations)} violations, {progress['done'] / elapsed:.1f} seq/s", file=sys.stderr, flush=True)

    seeds = iter(range(args.seed, args.seed + args.sequences))

    def next_sequence():
        seed = next(seeds, None)
        if seed is None:
            return None
        return Sequence(seed=seed, pool=pool, tag=f"q{seed}-", user=user, settle_timeout=args.settle_timeout)

    started = time.monotonic()
    try:
        time.sleep(2.0)  # workers boot
        if args.kill_every > 0:
            chaos.start()
        Multiplexer(threads=args.threads_harness, concurrency=args.concurrency).run(next_sequence, finished)
    finally:
        chaos.stop.set()
        if chaos.is_alive():
            chaos.join(10)
        for proc in [*workers, scheduler]:
            proc.stop()
    done = progress["done"]
    wall = time.monotonic() - started
    by_what = collections.Counter(v.what for v in violations)
    print(f"operator_fuzz: sequences={done} runs={stats.runs} code_runs={stats.code_runs} "
          f"actions={stats.actions + stats.bulk} "
          f"refused={stats.refused} kills={chaos.kills} violations={len(violations)} wall={wall:.0f}s")
    print(f"  {done / wall:.1f} sequences/s; setup {setup:.0f}s; pool {args.pool} definitions "
          f"(seed {args.pool_seed}); scheduler kills {chaos.scheduler_kills}; probes {stats.probes}")
    print("  actions: " + ", ".join(f"{k}={v}" for k, v in sorted(stats.per_action.items())))
    print("  outcomes: " + ", ".join(f"{k}={v}" for k, v in sorted(stats.outcomes.items())))
    print("  final run statuses: " + ", ".join(f"{k}={v}" for k, v in sorted(stats.statuses.items())))
    if violations:
        print("  violations by kind: " + ", ".join(f"{k}={v}" for k, v in by_what.most_common()))
        for v in violations[:20]:
            print(f"  - {v}"[:600])
        for report in reports:
            print("\n" + report)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
