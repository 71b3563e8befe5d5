"""Designer canvas benchmark: open a 300-node definition in headless Chromium,
measure the time to first render and the frame times while dragging a node.

    # against a running server (make run), as its demo superuser:
    .venv/bin/python bench/designer_canvas.py --url http://127.0.0.1:8000 --user admin --password admin
    # or let the script start daphne itself on DATABASE_URL (migrated first):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flowdeck_bench .venv/bin/python bench/designer_canvas.py

Needs frontend/dist (make frontend) and /usr/bin/chromium. Prints one JSON line
per repetition and a summary; docs/benchmarks.md records the numbers.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.webserver import start_daphne  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def big_spec(n_nodes: int = 300, per_row: int = 20) -> dict:
    """start -> (n-2) tasks -> end, snaking over a grid: n nodes, n-1 edges."""
    tasks = n_nodes - 2
    nodes = [{"id": "start", "type": "start", "label": "Start", "position": {"x": 0, "y": 0}}]
    for i in range(tasks):
        row, col = divmod(i + 1, per_row)
        col = col if row % 2 == 0 else per_row - 1 - col
        nodes.append({"id": f"t{i}", "type": "task", "label": f"Step {i}", "activity": "flowdeck.noop",
                      "input": {"step": f"`{i}`"}, "retry": {"max_attempts": 2},
                      "position": {"x": col * 240, "y": row * 130}})
    row, col = divmod(tasks + 1, per_row)
    col = col if row % 2 == 0 else per_row - 1 - col
    nodes.append({"id": "end", "type": "end", "label": "End", "position": {"x": col * 240, "y": row * 130}})
    ids = [n["id"] for n in nodes]
    edges = [{"id": f"e{i}", "source": a, "target": b} for i, (a, b) in enumerate(zip(ids, ids[1:]))]
    return {"schema_version": 1, "nodes": nodes, "edges": edges}


def start_server(env: dict) -> tuple[subprocess.Popen, str, str, str]:
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    user, password = "bench", "bench-pw"
    subprocess.run([py, "manage.py", "shell", "-c",
                    "from django.contrib.auth import get_user_model as g; U=g(); "
                    f"u=U.objects.filter(username='{user}').first() or U.objects.create_superuser('{user}', '', '{password}'); "
                    f"u.set_password('{password}'); u.save()"], cwd=ROOT, env=env, check=True)
    proc, url = start_daphne(env)
    return proc, url, user, password


FRAME_RECORDER = """() => {
  window.__frames = [];
  let last = performance.now();
  const tick = (t) => { window.__frames.push(t - last); last = t; if (window.__recording) requestAnimationFrame(tick); };
  window.__recording = true;
  requestAnimationFrame(tick);
}"""


def measure(browser, url: str, user: str, password: str, key: str) -> dict:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}/accounts/login/?next=/designer/")
    page.fill("#id_username", user)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/designer/")
    # Cold navigation to the editor: HTML, JS, API calls, first canvas paint.
    page.goto(f"{url}/designer/{key}")
    page.wait_for_function("() => document.querySelectorAll('.react-flow__node').length > 0", timeout=60000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    first_render_ms = page.evaluate("() => performance.now()")
    # fitView runs once the nodes are measured; then every node is on screen.
    page.wait_for_function("() => document.querySelectorAll('.react-flow__node').length >= 300", timeout=60000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    all_rendered_ms = page.evaluate("() => performance.now()")
    rendered = page.locator(".react-flow__node").count()
    api_done_ms = page.evaluate("""() => Math.max(...performance.getEntriesByType('resource')
        .filter(e => e.name.includes('/api/')).map(e => e.responseEnd))""")
    page.wait_for_function("() => document.querySelector('[data-testid=problem-count]')?.textContent === '0'", timeout=60000)
    validated_ms = page.evaluate("() => performance.now()")

    # Drag one node along a path of 120 mouse moves, recording every frame.
    target = page.locator(".react-flow__node").nth(min(5, rendered - 1)).locator(".fd-node__label")
    box = target.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.evaluate(FRAME_RECORDER)
    start = time.perf_counter()
    for i in range(1, 121):
        page.mouse.move(x + i * 2, y + (i % 30) * 2)
    page.mouse.up()
    drag_wall_ms = (time.perf_counter() - start) * 1000
    frames = page.evaluate("() => { window.__recording = false; return window.__frames.slice(1); }")
    context.close()
    frames = sorted(frames) or [0.0]
    return {
        "nodes": 300, "nodes_rendered": rendered,
        "api_done_ms": round(api_done_ms), "first_render_ms": round(first_render_ms),
        "all_nodes_ms": round(all_rendered_ms), "validated_ms": round(validated_ms),
        "drag_frames": len(frames), "drag_frame_ms_mean": round(statistics.fmean(frames), 1),
        "drag_frame_ms_p95": round(frames[int(0.95 * (len(frames) - 1))], 1),
        "drag_frame_ms_max": round(frames[-1], 1), "drag_wall_ms": round(drag_wall_ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running Flowdeck (default: start daphne on DATABASE_URL)")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "flowdeck.settings")}
    server = None
    url, user, password = args.url, args.user, args.password
    if not url:
        server, url, user, password = start_server(env)
    try:
        import httpx
        from playwright.sync_api import sync_playwright
        key = f"bench-canvas-{uuid.uuid4().hex[:8]}"
        with httpx.Client(base_url=url) as http:
            login = http.get("/accounts/login/")
            token = http.cookies["csrftoken"]
            http.post("/accounts/login/", data={"username": user, "password": password, "csrfmiddlewaretoken": token},
                      headers={"Referer": f"{url}/accounts/login/"})
            created = http.post("/api/definitions/", json={"key": key, "name": "Canvas benchmark (300 nodes)",
                                                           "spec": big_spec()},
                                headers={"X-CSRFToken": http.cookies["csrftoken"], "Referer": url})
            created.raise_for_status()
        results = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
            for _ in range(args.repeat):
                results.append(measure(browser, url, user, password, key))
                print(json.dumps(results[-1]), flush=True)
            browser.close()
        summary = {k: statistics.median(r[k] for r in results) for k in
                   ("api_done_ms", "first_render_ms", "all_nodes_ms", "validated_ms", "drag_frame_ms_mean", "drag_frame_ms_p95", "drag_frame_ms_max")}
        print("median:", json.dumps(summary))
    finally:
        if server:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
