"""Console at scale, in the browser: open the run with 10,000 events (made by
bench/console_data.py) in headless Chromium and time it from navigation start
until the timeline shows the run's last event; also the runs list's first rows
at 1,000,000 runs.

    .venv/bin/python bench/console_data.py --keep          # once: 1M runs, 10M events, servers left running
    .venv/bin/python bench/console_browser.py               # same embedded PostgreSQL (.flowdeck/console-bench)
    DATABASE_URL=postgres://... .venv/bin/python bench/console_browser.py --repeat 5

Starts daphne itself against DATABASE_URL (signed in as a superuser it makes,
bench/bench-pw) unless --url names a running server. Each repetition is a
fresh browser context (cold: no cached script, no session state) followed by
a second, warm navigation in the same context. Prints one JSON line per
repetition and the medians; docs/benchmarks.md records them.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.webserver import start_daphne  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
USER, PASSWORD = "bench", "bench-pw"


def servers_env() -> dict:
    """DATABASE_URL and REDIS_URL: as given, else console_data.py's embedded servers (left running)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "flowdeck.settings")}
    state = ROOT / ".flowdeck" / "console-bench"
    if not env.get("DATABASE_URL") or not env.get("REDIS_URL"):
        from flowdeck import devstack
        devstack.STATE = state
        state.mkdir(parents=True, exist_ok=True)
    if not env.get("DATABASE_URL"):
        port = devstack.pg_start(state / "pgdata")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{port}/flowdeck"
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = f"redis://127.0.0.1:{devstack.redis_start(state / 'redis')}/0"
    return env


def prepare(env: dict) -> tuple[str, int]:
    """Migrated; a superuser to sign in with; the run with the most events and its last seq."""
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    script = (
        "from django.contrib.auth import get_user_model as g; from django.db import connection; U=g(); "
        f"u=U.objects.filter(username='{USER}').first() or U.objects.create_superuser('{USER}', '', '{PASSWORD}'); "
        f"u.set_password('{PASSWORD}'); u.save(); cur=connection.cursor(); "
        "cur.execute('SELECT id, next_seq - 1 FROM engine_workflowrun ORDER BY next_seq DESC LIMIT 1'); "
        "print('BIG', *cur.fetchone())")
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("BIG "))
    _, run_id, last_seq = line.split()
    return run_id, int(last_seq)


# performance.now() (ms since this document's navigation started) the first
# animation frame the row is in the DOM.
SEEN = """([selector]) => { const el = document.querySelector(selector); return el ? performance.now() : false; }"""


def api_ms(page, fragment: str, exact: bool = False) -> float:
    """responseEnd (ms since navigation start) of the last API call whose URL contains (or ends with) `fragment`."""
    return page.evaluate("""([f, exact]) => Math.max(0, ...performance.getEntriesByType('resource')
        .filter(e => exact ? e.name.endsWith(f) : e.name.includes(f)).map(e => e.responseEnd))""", [fragment, exact])


def open_run(page, url: str, run_id: str, last_seq: int) -> dict:
    page.goto(f"{url}/console/runs/{run_id}", wait_until="commit")
    row = f'[data-testid="timeline-row"][data-seq="{last_seq}"]'
    shown = page.wait_for_function(SEEN, arg=[row], polling="raf", timeout=60000).json_value()
    graph = page.wait_for_function(SEEN, arg=['.react-flow__node[data-id="charge"] [data-status]'],
                                   polling="raf", timeout=60000).json_value()
    return {
        "last_event_shown_ms": round(shown),
        "graph_drawn_ms": round(graph),
        "detail_api_done_ms": round(api_ms(page, f"/api/runs/{run_id}/", exact=True)),
        "events_api_done_ms": round(api_ms(page, "/events/")),
        "events": page.locator('[data-testid="timeline"]').get_attribute("data-last-seq"),
        "rows_in_dom": page.locator('[data-testid="timeline-row"]').count(),
    }


def open_list(page, url: str) -> dict:
    page.goto(f"{url}/console/runs", wait_until="commit")
    first = page.wait_for_function(SEEN, arg=['[data-testid^="run-row-"]'], polling="raf", timeout=60000).json_value()
    counts = page.wait_for_function(
        """() => { const el = document.querySelector('[data-testid="count-completed"] .fc-count__n');
                   return el && el.textContent !== '…' ? performance.now() : false; }""",
        polling="raf", timeout=60000).json_value()
    return {"list_rows_ms": round(first), "list_counts_ms": round(counts)}


def measure(browser, url: str, run_id: str, last_seq: int) -> dict:
    login = browser.new_context()
    page = login.new_page()
    page.goto(f"{url}/accounts/login/?next=/console/")
    page.fill("#id_username", USER)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    session = login.storage_state()
    login.close()
    # Cold: a fresh context with only the session cookie, so nothing is cached.
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, storage_state=session)
    page = context.new_page()
    result = {f"cold_{k}": v for k, v in open_run(page, url, run_id, last_seq).items()}
    # Warm: the same run opened again (scripts cached, as an operator going back and forth).
    page.goto("about:blank")
    result.update({f"warm_{k}": v for k, v in open_run(page, url, run_id, last_seq).items()})
    result.update(open_list(page, url))
    context.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running Flowdeck on the bench database (default: start daphne)")
    parser.add_argument("--run", help="the run to open (default: the one with the most events)")
    parser.add_argument("--last-seq", type=int, help="with --run: its last seq")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    env = servers_env()
    run_id, last_seq = (args.run, args.last_seq) if args.run and args.last_seq else prepare(env)
    server, url = (None, args.url) if args.url else start_daphne(env)
    try:
        from playwright.sync_api import sync_playwright
        results = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
            for _ in range(args.repeat):
                results.append(measure(browser, url, run_id, last_seq))
                print(json.dumps(results[-1]), flush=True)
            browser.close()
        keys = [k for k, v in results[0].items() if isinstance(v, (int, float))]
        summary = {k: statistics.median(r[k] for r in results) for k in keys}
        print("median:", json.dumps(summary))
        print(f"console_browser: run={run_id} events={last_seq} "
              f"open_cold_ms={summary['cold_last_event_shown_ms']:.0f} open_warm_ms={summary['warm_last_event_shown_ms']:.0f} "
              f"list_rows_ms={summary['list_rows_ms']:.0f}")
    finally:
        if server:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
