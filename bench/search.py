"""Search by an input field at scale: fill 1,000,000 runs with realistic order inputs (a
customer's email, an amount, 1-3 items), then time the runs list's selector for field searches.

    python bench/search.py                  # 1,000,000 runs (generated once), 20 searches per kind
    python bench/search.py --runs 20000     # smaller
    DATABASE_URL=postgres://... python bench/search.py   # on a database of your choice

Uses its own embedded PostgreSQL under .flowdeck/search-bench/ unless DATABASE_URL is given
(it generates there when the database has fewer runs than asked). The searches go through
``engine.selectors.run_list`` with filters read by ``dashboard.filters.run_filters``, as the
runs API does; each must find the run it looks for. The last line:

    search: runs=1000000 p50=Xms p99=Yms index=run_input_gin

(``index`` is what PostgreSQL's plan for the email search uses: run_input_gin, or none).
docs/benchmarks.md, "Search", records a run.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peers.common import percentile  # noqa: E402

KEY = "bench-orders"
INDEX = "run_input_gin"
CUSTOMERS = 250_000      # 4 orders per customer at 1,000,000 runs
SKUS = 500
BATCH = 100_000
REBUILD_AT = 100_000     # filling this many runs or more: the index is built after the rows (faster)
# The index as engine/migrations/0026_run_input_search.py makes it.
INDEX_SQL = f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON engine_workflowrun USING gin (input jsonb_path_ops)"

SPEC = {"schema_version": 1, "nodes": [
    {"id": "start", "type": "start"}, {"id": "charge", "type": "task", "activity": "flowdeck.noop"},
    {"id": "ship", "type": "task", "activity": "flowdeck.noop"}, {"id": "end", "type": "end"}],
    "edges": [{"id": "e1", "source": "start", "target": "charge"}, {"id": "e2", "source": "charge", "target": "ship"},
              {"id": "e3", "source": "ship", "target": "end"}]}

# Order i: customer i % CUSTOMERS, an amount from 1.00 to 999.99, 1-3 items of SKUS skus.
FILL = """
    INSERT INTO engine_workflowrun (id, definition_id, version_id, business_key, status, input, data, next_seq,
        completions, stuck, stuck_reason, is_test, created_at, updated_at, last_progress_at, finished_at)
    SELECT gen_random_uuid(), %(definition)s, %(version)s, 'bench-order-' || lpad(i::text, 8, '0'),
           (ARRAY['completed','completed','completed','completed','completed','completed','completed','failed',
                  'waiting','running'])[1 + i %% 10],
           jsonb_build_object(
               'order_id', 'ORD-' || i,
               'customer', jsonb_build_object('email', 'customer' || (i %% %(customers)s) || '@shop.example',
                                              'name', 'Customer ' || (i %% %(customers)s),
                                              'country', (ARRAY['FR','DE','ES','IT','NL'])[1 + i %% 5]),
               'amount_cents', 100 + (i::bigint * 7919) %% 99900,
               'currency', 'EUR',
               'items', (SELECT jsonb_agg(jsonb_build_object('sku', 'SKU-' || ((i * 31 + k * 17) %% %(skus)s),
                                                             'qty', 1 + (i + k) %% 3))
                         FROM generate_series(1, 1 + i %% 3) AS k)),
           '{}'::jsonb, 8, 2, false, '', false,
           now() - make_interval(secs => (%(total)s - i) * 2.5), now() - make_interval(secs => (%(total)s - i) * 2.5),
           now() - make_interval(secs => (%(total)s - i) * 2.5),
           CASE WHEN i %% 10 < 7 THEN now() - make_interval(secs => (%(total)s - i) * 2.5) END
    FROM generate_series(%(first)s, %(last)s) AS i"""


def start_servers(state: Path) -> None:
    os.environ["FLOWDECK_STATE_DIR"] = str(state)
    from flowdeck import devstack
    devstack.STATE = state
    state.mkdir(parents=True, exist_ok=True)
    port = devstack.pg_start(state / "pgdata")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{port}/flowdeck"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:1/0")  # unused: nothing is sent
    import atexit
    atexit.register(lambda: devstack.pg_stop(state / "pgdata"))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdeck.settings")
    import django
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)


def say(text: str) -> None:
    print(text, flush=True)


def fill(runs: int) -> int:
    """Add bench orders until the table has ``runs`` runs; returns how many it has."""
    from django.db import connection

    from engine.models import WorkflowDefinition, WorkflowVersion
    from engine.services.definitions import definition_create, version_publish
    if not WorkflowDefinition.objects.filter(key=KEY).exists():
        version_publish(definition=definition_create(key=KEY, name="Benchmark: orders", spec=SPEC), number=1)
    version = WorkflowVersion.objects.filter(definition__key=KEY, number=1).get()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM engine_workflowrun")
        have = cur.fetchone()[0]
        cur.execute("SELECT coalesce(max(substr(business_key, 13)::bigint), 0) FROM engine_workflowrun "
                    "WHERE business_key LIKE 'bench-order-%%'")
        done = cur.fetchone()[0]
    missing = runs - have
    if missing <= 0:
        say(f"data: {have} runs already there")
        return have
    rebuild = missing >= REBUILD_AT
    if rebuild:  # maintaining a GIN index row by row is slower than building it once
        with connection.cursor() as cur:
            cur.execute(f"DROP INDEX IF EXISTS {INDEX}")
    started = time.perf_counter()
    first = done + 1
    while first <= done + missing:
        last = min(done + missing, first + BATCH - 1)
        with connection.cursor() as cur:
            cur.execute(FILL, {"definition": version.definition_id, "version": version.id, "first": first,
                               "last": last, "total": done + missing, "customers": CUSTOMERS, "skus": SKUS})
        say(f"runs: {last - done}/{missing} ({time.perf_counter() - started:.0f}s)")
        first = last + 1
    if rebuild:
        started = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(INDEX_SQL)
        say(f"index: {INDEX} built in {time.perf_counter() - started:.1f}s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE engine_workflowrun")
        cur.execute("SELECT count(*), pg_size_pretty(pg_relation_size(%s)) FROM engine_workflowrun", [INDEX])
        have, size = cur.fetchone()
    say(f"data: {have} runs; {INDEX} is {size}")
    return have


def targets(n: int, rng: random.Random) -> list[tuple[str, dict]]:
    """``n`` bench orders picked at random: (run id, input)."""
    from django.db import connection
    with connection.cursor() as cur:
        cur.execute("SELECT id, input FROM engine_workflowrun TABLESAMPLE SYSTEM (1) "
                    "WHERE business_key LIKE 'bench-order-%%' LIMIT 2000")
        rows = cur.fetchall()
        if len(rows) < n:   # a small table: sample it whole
            cur.execute("SELECT id, input FROM engine_workflowrun WHERE business_key LIKE 'bench-order-%%' LIMIT 2000")
            rows = cur.fetchall()
    if not rows:
        raise SystemExit("no bench orders to search for")
    return [(str(run_id), data if isinstance(data, dict) else json.loads(data))
            for run_id, data in rng.sample(rows, min(n, len(rows)))]


def plan_index(query: dict) -> str:
    """The index PostgreSQL's plan of the runs list's query uses for ``query``, or "none"."""
    from django.db import connection

    from dashboard.filters import run_filters
    from engine.models import WorkflowRun
    qs = run_filters(query).apply(WorkflowRun.objects.all()).order_by("-created_at", "-id")[:51]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    return INDEX if INDEX in plan else "none"


def measure(searches: int, seed: int) -> dict[str, list[float]]:
    """Milliseconds per search kind, through the selector the runs API calls."""
    from dashboard.filters import run_filters
    from engine.selectors import run_list
    rng = random.Random(seed)
    picked = targets(searches, rng)
    kinds = {
        "email": lambda d: {"q": f"customer.email={d['customer']['email']}"},
        "email + amount": lambda d: {"q": f"customer.email={d['customer']['email']} amount_cents={d['amount_cents']}"},
        "input object": lambda d: {"input": '{"order_id": "%s"}' % d["order_id"]},
        "item sku (1 in 500)": lambda d: {"q": f"items[].sku={d['items'][0]['sku']}"},
    }
    out: dict[str, list[float]] = {}
    for name, query_of in kinds.items():
        timings = []
        for run_id, data in picked:
            query = query_of(data)
            started = time.perf_counter()
            rows, _ = run_list(filters=run_filters(query), limit=50)
            timings.append((time.perf_counter() - started) * 1000)
            if name != "item sku (1 in 500)" and run_id not in {str(r.id) for r in rows}:
                raise SystemExit(f"{name}: {query} did not find run {run_id}")
        out[name] = timings
    return out


def wildcard_ms(email: str) -> float:
    """One "any field equals" search (what a plain email in the box would need): jsonb_path_ops
    serves no wildcard path, so PostgreSQL reads every run."""
    from django.db import connection
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM engine_workflowrun WHERE input @? %s::jsonpath ORDER BY created_at DESC LIMIT 51",
                    ['$.** ? (@ == "%s")' % email])
        cur.fetchall()
    return (time.perf_counter() - started) * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1_000_000, help="runs in the table (default 1,000,000)")
    parser.add_argument("--searches", type=int, default=20, help="searches per kind (default 20)")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--wildcard", action="store_true",
                        help="also time one any-field search (no index; reads every run)")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        start_servers(ROOT / ".flowdeck" / "search-bench")
    setup_django()
    runs = fill(args.runs)
    index = plan_index({"q": "customer.email=customer1@shop.example"})
    results = measure(args.searches, args.seed)
    say(f"{'search':22s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for name, timings in results.items():
        say(f"{name:22s} {percentile(timings, 50):8.1f} {percentile(timings, 99):8.1f}")
    if args.wildcard:
        say(f"{'any field (no index)':22s} {wildcard_ms('customer7@shop.example'):8.1f}")
    email = results["email"]
    say(f"search: runs={runs} p50={percentile(email, 50):.1f}ms p99={percentile(email, 99):.1f}ms index={index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
