"""Operating a run from the browser: dialogs, and the run page's buttons against the server's
``available_actions`` (the engine's action policy)."""
from __future__ import annotations

from playwright.sync_api import expect

Key = tuple  # (action, node_id, kind)


def confirm(page, reason: str, button: str) -> None:
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Reason").fill(reason)
    dialog.get_by_role("button", name=button, exact=True).click()


def api_get(page, path: str) -> dict:
    """GET an API path with the page's own session (what the console itself would read)."""
    return page.evaluate("""async (path) => {
        const r = await fetch(path, {credentials: 'same-origin', headers: {Accept: 'application/json'}});
        if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
        return await r.json();
    }""", path)


def enabled_buttons(page) -> set[Key]:
    """Every enabled action button on the page, keyed by (action, node, kind); an entry the page
    shows in several places (run bar, "Act on a step", the step panel, the why panel) counts once."""
    rows = page.locator("button[data-action]:not(:disabled)").evaluate_all(
        "bs => bs.map(b => [b.dataset.action, b.dataset.nodeId ?? null, b.dataset.kind ?? null])")
    return {tuple(r) for r in rows}


def allowed(detail: dict) -> set[Key]:
    return {(a["action"], a["node_id"], a["kind"]) for a in detail["available_actions"] if a["allowed"]}


def _run_bar(page) -> list[dict]:
    return page.get_by_test_id("run-actions").locator("button[data-action]").evaluate_all(
        """bs => bs.map(b => ({action: b.dataset.action, node_id: b.dataset.nodeId ?? null,
                              disabled: b.disabled, title: b.getAttribute('title'),
                              why: b.parentElement.querySelector('[data-testid="action-reason"]')?.textContent ?? null}))""")


def assert_buttons_match_policy(page, run_id, *, status: str | None = None, tries: int = 20) -> dict:
    """The set of enabled ``button[data-action]`` equals the set of allowed ``available_actions``
    of ``GET /api/runs/{id}/`` read at the same moment (the page read before and after the fetch,
    retried while the run moves), and every run-level entry is a button in the run bar,
    disabled exactly when refused, with the server's reason. Returns that detail."""
    expect(page.get_by_test_id("run-actions")).to_be_visible()
    seen = []
    for _ in range(tries):
        before = enabled_buttons(page)
        detail = api_get(page, f"/api/runs/{run_id}/")
        after = enabled_buttons(page)
        want = allowed(detail)
        if before == want == after and (status is None or detail["status"] == status):
            bar = {(b["action"], b["node_id"]): b for b in _run_bar(page)}
            run_level = [a for a in detail["available_actions"] if a["action"] not in
                         ("retry_step", "force_retry", "skip")]
            assert set(bar) == {(a["action"], a["node_id"]) for a in run_level}, (bar, run_level)
            for a in run_level:
                b = bar[(a["action"], a["node_id"])]
                assert b["disabled"] is (not a["allowed"]), (a, b)
                if not a["allowed"]:
                    assert a["reason"] and b["title"] == a["reason"] and b["why"] == a["reason"], (a, b)
            return detail
        seen.append((detail["status"], sorted(before, key=str), sorted(want, key=str), sorted(after, key=str)))
        page.wait_for_timeout(300)
    raise AssertionError("the page's enabled buttons never matched the server's available_actions "
                         f"(wanted status {status}); last reads (status, page before, server, page after): "
                         f"{seen[-3:]}")
