"""Console at scale: generate 1,000,000 runs and 10,000,000 events, then time
the runs list API (in-process, through DRF, as the console calls it).

    python bench/console_data.py                 # generate (once) and measure
    python bench/console_data.py --runs 100000   # smaller
    python bench/console_data.py --keep          # leave the servers running (for the Chromium check)

Uses its own embedded PostgreSQL under .flowdeck/console-bench/ unless
DATABASE_URL is given. Prints p50/p95 per query and one summary line.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EVENTS_PER_RUN = 10
BIG_RUN_EVENTS = 10_000


def start_servers(state: Path, keep: bool):
    os.environ["FLOWDECK_STATE_DIR"] = str(state)
    from flowdeck import devstack
    devstack.STATE = state
    state.mkdir(parents=True, exist_ok=True)
    port = devstack.pg_start(state / "pgdata")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{port}/flowdeck"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:1/0")  # unused: no messages are sent
    if not keep:
        import atexit
        atexit.register(lambda: devstack.pg_stop(state / "pgdata"))
    return port


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdeck.settings")
    import django
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)


SPEC = {"schema_version": 1, "nodes": [
    {"id": "start", "type": "start"}, {"id": "charge", "type": "task", "activity": "flowdeck.noop"},
    {"id": "reserve", "type": "task", "activity": "flowdeck.noop"},
    {"id": "ship", "type": "task", "activity": "flowdeck.noop"}, {"id": "end", "type": "end"}],
    "edges": [{"id": "e1", "source": "start", "target": "charge"}, {"id": "e2", "source": "charge", "target": "reserve"},
              {"id": "e3", "source": "reserve", "target": "ship"}, {"id": "e4", "source": "ship", "target": "end"}]}


def generate(runs: int) -> str:
    """Bulk insert with generate_series (one statement per table); returns the big run's id."""
    from django.db import connection

    from engine.models import WorkflowDefinition
    from engine.services.definitions import definition_create, version_publish
    for key in ("orders-a", "orders-b", "orders-c"):
        if not WorkflowDefinition.objects.filter(key=key).exists():
            version_publish(definition=definition_create(key=key, name=key, spec=SPEC), number=1)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM engine_workflowrun")
        have = cur.fetchone()[0]
        if have >= runs:
            cur.execute("SELECT run_id FROM engine_runevent GROUP BY run_id HAVING count(*) >= %s LIMIT 1",
                        [BIG_RUN_EVENTS])
            row = cur.fetchone()
            print(f"data: {have} runs already there")
            return str(row[0])
        cur.execute("SELECT d.id, v.id FROM engine_workflowdefinition d JOIN engine_workflowversion v "
                    "ON v.definition_id = d.id ORDER BY d.id")
        pairs = cur.fetchall()
        started = time.perf_counter()
        cur.execute("""
            INSERT INTO engine_workflowrun (id, definition_id, version_id, business_key, status, input, data,
                next_seq, completions, stuck, stuck_reason, is_test, created_at, updated_at, last_progress_at,
                finished_at, error)
            SELECT gen_random_uuid(), (%(defs)s)[1 + i %% 3], (%(vers)s)[1 + i %% 3], 'order-' || lpad(i::text, 7, '0'),
                   (ARRAY['completed','completed','completed','completed','completed','completed','failed',
                          'compensated','waiting','running'])[1 + i %% 10],
                   jsonb_build_object('order_id', i, 'amount', i %% 5000), '{}'::jsonb, %(events)s + 1, 3,
                   i %% 997 = 0, CASE WHEN i %% 997 = 0 THEN 'ship: awaiting signal approve' ELSE '' END, false,
                   now() - make_interval(secs => (%(n)s - i) * 2.5),
                   now() - make_interval(secs => (%(n)s - i) * 2.5), now() - make_interval(secs => (%(n)s - i) * 2.5),
                   CASE WHEN i %% 10 < 8 THEN now() - make_interval(secs => (%(n)s - i) * 2.5) END,
                   CASE WHEN i %% 10 = 6 THEN jsonb_build_object('node_id', 'reserve', 'type', 'OutOfStock',
                        'message', 'sku ' || (i %% 50) || ' out of stock') END
            FROM generate_series(1, %(n)s) AS i""",
                    {"defs": [p[0] for p in pairs], "vers": [p[1] for p in pairs], "n": runs,
                     "events": EVENTS_PER_RUN})
        print(f"runs: {runs} in {time.perf_counter() - started:.1f}s", flush=True)
        started = time.perf_counter()
        cur.execute("""
            INSERT INTO engine_runevent (run_id, seq, type, node_id, payload, actor, reason, created_at)
            SELECT r.id, s, (ARRAY['run.created','run.started','step.scheduled','step.started','step.succeeded',
                                   'step.scheduled','step.started','step.succeeded','step.scheduled','run.completed'])[s],
                   '', jsonb_build_object('status', 'running'), 'system', '', r.created_at + make_interval(secs => s * 0.01)
            FROM engine_workflowrun r CROSS JOIN generate_series(1, %s) AS s""", [EVENTS_PER_RUN])
        print(f"events: {runs * EVENTS_PER_RUN} in {time.perf_counter() - started:.1f}s", flush=True)
        cur.execute("SELECT id FROM engine_workflowrun ORDER BY created_at DESC LIMIT 1")
        big = cur.fetchone()[0]
        cur.execute("""
            INSERT INTO engine_runevent (run_id, seq, type, node_id, payload, actor, reason, created_at)
            SELECT %s, s, 'step.retry_scheduled', 'charge', jsonb_build_object('attempt', s, 'status', 'scheduled'),
                   'system', '', now() + make_interval(secs => s * 0.001)
            FROM generate_series(%s, %s) AS s""", [big, EVENTS_PER_RUN + 1, BIG_RUN_EVENTS])
        cur.execute("UPDATE engine_workflowrun SET next_seq = %s WHERE id = %s", [BIG_RUN_EVENTS + 1, big])
        cur.execute("ANALYZE engine_workflowrun; ANALYZE engine_runevent")
    return str(big)


def measure(big_run: str, reps: int) -> list[tuple[str, float, float]]:
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient
    user = get_user_model().objects.filter(username="bench").first() or \
        get_user_model().objects.create_superuser("bench", "bench@example.com", "bench")
    client = APIClient()
    client.force_authenticate(user)
    first = client.get("/api/runs/?limit=50").json()
    deep_cursor = first["next_cursor"]
    for _ in range(200):  # walk 200 pages deep for a realistic "later page"
        deep_cursor = client.get(f"/api/runs/?limit=50&cursor={deep_cursor}").json()["next_cursor"]
    queries = {
        "first page": "/api/runs/?limit=50",
        "status=failed": "/api/runs/?limit=50&status=failed",
        "definition=orders-b": "/api/runs/?limit=50&definition=orders-b",
        "stuck=true": "/api/runs/?limit=50&stuck=true",
        "needs_operator": "/api/runs/?limit=50&needs_operator=true",
        "failed_at=reserve": "/api/runs/?limit=50&status=failed&failed_at=reserve",
        "business key": "/api/runs/?limit=50&q=order-0500000",
        "page 200 (cursor)": f"/api/runs/?limit=50&cursor={deep_cursor}",
        "time range": "/api/runs/?limit=50&created_after=2026-01-01T00:00:00Z&created_before=2099-01-01T00:00:00Z",
        "run detail": f"/api/runs/{big_run}/",
        "10k events": f"/api/runs/{big_run}/events/?after_seq=0&limit=5000",
    }
    results = []
    for name, url in queries.items():
        timings = []
        for _ in range(reps):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])
        timings.sort()
        results.append((name, statistics.median(timings), timings[int(len(timings) * 0.95) - 1]))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="leave the embedded PostgreSQL running")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        start_servers(ROOT / ".flowdeck" / "console-bench", args.keep)
    setup_django()
    big = generate(args.runs)
    results = measure(big, args.reps)
    print(f"{'query':24s} {'p50 ms':>8s} {'p95 ms':>8s}")
    for name, p50, p95 in results:
        print(f"{name:24s} {p50:8.1f} {p95:8.1f}")
    from django.db import connection
    with connection.cursor() as cur:
        cur.execute("SELECT (SELECT count(*) FROM engine_workflowrun), (SELECT count(*) FROM engine_runevent)")
        runs, events = cur.fetchone()
    worst = max(p95 for name, _, p95 in results if name not in ("10k events", "run detail"))
    print(f"console: runs={runs} events={events} list_p95_max_ms={worst:.1f} big_run={big}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
