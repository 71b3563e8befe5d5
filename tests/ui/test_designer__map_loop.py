"""Map and loop nodes in headless Chromium against the running stack (issue 16): each built
from the palette on a new definition, its fields and its sub-flow's JSON edited in the
inspector, the sub-flow's problems shown on the node and gone once fixed, published, and the
published spec read back; then a map of five slow items watched live in the console, down to
one item run's own page."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.support.flows import chain, node as spec_node, publish, task
from tests.ui.helpers import connect, drop, node, pane_box_of, select_node

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

SLOW = 60000  # generous: a shared, noisy machine


def sub_flow(inner: dict, *, with_end: bool = True) -> dict:
    """start -> inner -> end (its output the inner step's), or without the end node."""
    nodes = [{"id": "start", "type": "start"}, inner]
    edges = [{"id": "e1", "source": "start", "target": inner["id"]}]
    if with_end:
        nodes.append({"id": "end", "type": "end", "output": f"data.{inner['id']}"})
        edges.append({"id": "e2", "source": inner["id"], "target": "end"})
    return {"nodes": nodes, "edges": edges}


def new_definition_with(page, name: str, key: str, palette_testid: str, node_id: str) -> None:
    """A new definition, its start -> end draft rewired as start -> <palette node> -> end."""
    page.goto("/designer/")
    page.get_by_label("Name", exact=True).fill(name)
    expect(page.get_by_label("Key", exact=True)).to_have_value(key)
    page.get_by_role("button", name="Create").click()
    expect(page).to_have_url(re.compile(rf"/designer/{key}$"))
    expect(node(page, "start")).to_be_visible()
    expect(node(page, "end")).to_be_visible()

    # Take the end away (its edge goes with it), then lay out start, the node, a new end.
    node(page, "end").click()
    page.keyboard.press("Delete")
    expect(node(page, "end")).to_have_count(0)
    page.get_by_role("button", name="Fit", exact=True).click()
    page.wait_for_timeout(400)  # the fit animation
    start = pane_box_of(page, "start")
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    drop(page, palette_testid, x0 + 250, y0)
    expect(node(page, node_id)).to_be_visible()
    expect(page.get_by_label("Node id", exact=True)).to_have_value(node_id)  # a dropped node is selected
    drop(page, "palette-end", x0 + 250, y0 + 170)  # below it: the inspector now takes the right
    expect(node(page, "end")).to_be_visible()
    connect(page, "start", node_id)
    connect(page, node_id, "end")
    expect(page.locator(".react-flow__edge")).to_have_count(2)
    select_node(page, node_id)
    expect(page.get_by_label("Node id", exact=True)).to_have_value(node_id)


def edit_sub_flow(page, text: str) -> None:
    """Type the sub-flow's JSON and leave the field (which is when it is applied)."""
    box = page.get_by_label("Sub-flow JSON", exact=True)
    box.fill(text)
    box.blur()


def check_sub_flow_problems_on_the_node(page, node_id: str, good_flow: dict) -> None:
    """Invalid JSON is refused in the field (the node keeps its sub-flow); a sub-flow without an
    end is the server's problem, shown on the node; the good sub-flow clears it."""
    inspector = page.get_by_role("complementary", name="Inspector")
    badge_before = page.get_by_test_id(f"badge-{node_id}-sub-flow: 2 nodes")
    expect(badge_before).to_be_visible()  # the default sub-flow: start -> end

    edit_sub_flow(page, '{"nodes": [')
    expect(inspector.locator(".fd-field__error", has_text="Not valid JSON")).to_be_visible()
    expect(badge_before).to_be_visible()  # not applied
    expect(page.get_by_label("Sub-flow JSON", exact=True)).to_have_value('{"nodes": [')  # kept, to fix

    broken = sub_flow(good_flow["nodes"][1], with_end=False)
    edit_sub_flow(page, json.dumps(broken))
    expect(inspector.locator(".fd-field__error", has_text="Not valid JSON")).to_have_count(0)
    expect(page.get_by_test_id(f"badge-{node_id}-sub-flow: 2 nodes")).to_be_visible()  # start + the task
    expect(page.get_by_test_id(f"subflow-node-{good_flow['nodes'][1]['id']}")).to_be_visible()
    errors = page.get_by_test_id(f"errors-{node_id}")
    expect(errors).to_be_visible(timeout=SLOW)
    expect(page.get_by_test_id(f"problem-{node_id}").first).to_be_visible()
    expect(page.get_by_test_id("problem-count")).not_to_have_text("0")
    expect(inspector.get_by_role("status")).to_contain_text("The sub-flow needs an end node")
    expect(page.get_by_role("button", name="Publish…")).to_be_disabled()

    edit_sub_flow(page, json.dumps(good_flow))
    expect(page.get_by_test_id(f"badge-{node_id}-sub-flow: 3 nodes")).to_be_visible()
    expect(errors).to_have_count(0, timeout=SLOW)
    expect(page.get_by_test_id("problem-count")).to_have_text("0", timeout=SLOW)
    expect(inspector.get_by_role("status")).to_have_count(0)
    expect(page.get_by_test_id("subflow-node-end")).to_be_visible()


def publish_v1(page, api, key: str) -> dict:
    expect(page.get_by_test_id("save-state")).to_have_text("All changes saved", timeout=SLOW)
    page.get_by_role("button", name="Publish…").click()
    expect(page.get_by_test_id("publish-preview")).to_contain_text("first published version")
    page.get_by_role("button", name="Publish v1").click()
    expect(page.get_by_test_id("toast")).to_contain_text("Published v1", timeout=SLOW)
    version = api.get(f"/api/definitions/{key}/versions/1/").json()
    assert version["status"] == "published", version
    return version["spec"]


def test_build_a_map_from_the_palette_with_its_sub_flow_and_publish_it(page, api):
    new_definition_with(page, "Reserve lines", "reserve-lines", "palette-map", "map")
    view = node(page, "map")
    expect(view.locator(".fd-node__type")).to_have_text("Map")

    page.get_by_label("Items", exact=True).fill("input.lines")
    page.get_by_label("Max concurrency", exact=True).fill("2")
    page.get_by_label("Tolerated failures", exact=True).fill("20")
    page.get_by_label("Tolerated failures kind", exact=True).select_option("percent")
    expect(view.locator(".fd-node__summary")).to_have_text("for each input.lines · ×2 at once")
    expect(page.get_by_test_id("badge-map-tolerates 20% failures")).to_be_visible()

    good = sub_flow({"id": "reserve", "type": "task", "activity": "test.record",
                     "input": {"line": "input.item", "index": "input.index"}})
    check_sub_flow_problems_on_the_node(page, "map", good)

    # A field out of range is a problem on the node too, until put right.
    page.get_by_label("Max concurrency", exact=True).fill("101")
    expect(page.get_by_test_id("errors-map")).to_be_visible(timeout=SLOW)
    page.get_by_label("Max concurrency", exact=True).fill("2")
    expect(page.get_by_test_id("errors-map")).to_have_count(0, timeout=SLOW)
    expect(page.get_by_test_id("problem-count")).to_have_text("0", timeout=SLOW)

    spec = publish_v1(page, api, "reserve-lines")
    by_id = {n["id"]: n for n in spec["nodes"]}
    mapped = by_id["map"]
    assert mapped["type"] == "map"
    assert mapped["items"] == "input.lines"
    assert mapped["max_concurrency"] == 2
    assert mapped["tolerated_failures"] == "20%"
    assert mapped["flow"] == good
    assert {(e["source"], e["target"]) for e in spec["edges"]} == {("start", "map"), ("map", "end")}


def test_build_a_loop_from_the_palette_with_its_sub_flow_and_publish_it(page, api):
    new_definition_with(page, "Await pickup", "await-pickup", "palette-loop", "loop")
    view = node(page, "loop")
    expect(view.locator(".fd-node__type")).to_have_text("Loop")

    page.get_by_label("Max iterations", exact=True).fill("288")
    expect(page.get_by_label("Repeat", exact=True)).to_have_value("until")
    page.get_by_label("Condition field", exact=True).fill("iteration.output.picked_up")
    page.get_by_label("Condition operator", exact=True).select_option("is_true")
    expect(page.get_by_test_id("loop-condition-summary")).to_have_text("Ends when iteration.output.picked_up is true")
    page.get_by_label("Delay", exact=True).fill("5")
    page.get_by_label("Delay unit", exact=True).select_option("60")
    expect(view.locator(".fd-node__summary")).to_contain_text("≤ 288 iterations")

    good = sub_flow({"id": "check", "type": "task", "activity": "test.record",
                     "input": {"iteration": "input.iteration"}})
    check_sub_flow_problems_on_the_node(page, "loop", good)

    # No limit is a problem on the node until one is set again.
    page.get_by_label("Max iterations", exact=True).fill("")
    expect(page.get_by_test_id("errors-loop")).to_be_visible(timeout=SLOW)
    page.get_by_label("Max iterations", exact=True).fill("288")
    expect(page.get_by_test_id("errors-loop")).to_have_count(0, timeout=SLOW)
    expect(page.get_by_test_id("problem-count")).to_have_text("0", timeout=SLOW)

    spec = publish_v1(page, api, "await-pickup")
    by_id = {n["id"]: n for n in spec["nodes"]}
    loop = by_id["loop"]
    assert loop["type"] == "loop"
    assert loop["max_iterations"] == 288
    assert loop["until"] == {"field": "iteration.output.picked_up", "op": "is_true"}
    assert "while" not in loop
    assert loop["delay"] == 300
    assert loop["flow"] == good
    assert {(e["source"], e["target"]) for e in spec["edges"]} == {("start", "loop"), ("loop", "end")}


@pytest.fixture
def ledger_tables(transactional_db):
    """The test activities create their ledger tables on first use; worker threads doing that at
    once race in PostgreSQL's catalog. Create them first (as test_console.py does)."""
    from django.db import connection

    from tests.support.activities import DDL, EFFECTS
    with connection.cursor() as cur:
        cur.execute(DDL)
        cur.execute(EFFECTS)


def test_a_map_run_shows_its_progress_live_and_opens_an_item_run(open_console, operator, own_stack, ledger_tables):
    from engine.services.runs import run_start
    from tests.support.flows import wait_status
    from tests.ui.helpers import node as graph_node

    nap = task("nap", "test.sleep", input={"seconds": "input.item"}, retry={"max_attempts": 1})
    flow = chain(nap)
    flow["nodes"][-1]["output"] = "data.nap"
    publish("slow-map", chain(spec_node("lines", "map", label="Nap per line", items="input.lines", max_concurrency=2,
                                        flow={"nodes": flow["nodes"], "edges": flow["edges"]})))
    # No worker until the page is watching: the map starts its first two items and waits there.
    own_stack.pause("worker")
    run, _ = run_start(definition_key="slow-map", input={"lines": [1, 2, 2, 2, 2]}, business_key="order-map-1")

    page = open_console(operator)
    page.goto(f"/console/runs/{run.id}")
    expect(page.get_by_test_id("run-title")).to_have_text("order-map-1")
    expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
    lines = graph_node(page, "lines").locator(".fd-node")
    expect(lines).to_have_attribute("data-status", "waiting")  # on its item runs
    lines.click()
    panel = page.get_by_test_id("step-panel")
    progress = panel.get_by_test_id("step-map-progress")
    expect(progress).to_have_text("0 of 5 done, 2 running")
    expect(panel.get_by_test_id("step-iterations").get_by_role("link")).to_have_count(2)

    # Every text the progress line shows from now on, to see it only ever counts up.
    page.evaluate("""() => {
        window.__consoleMarker = 'same page';
        const seen = window.__progressSeen = [];
        const note = () => {
            const el = document.querySelector('[data-testid="step-map-progress"]');
            const text = el ? el.textContent : null;
            if (text !== null && seen[seen.length - 1] !== text) seen.push(text);
        };
        note();
        new MutationObserver(note).observe(document.body, {subtree: true, childList: true, characterData: true});
    }""")
    own_stack.worker(threads=4)

    # Items end from about 1 s after the worker starts until about 5 s (2 at once: 1+2+2, 2+2):
    # the open panel counts them as they end, by the events the run page follows.
    expect(progress).to_have_text(re.compile(r"^[1-4] of 5 done"), timeout=SLOW)
    expect(progress).to_have_text("5 of 5 done", timeout=SLOW)
    expect(page.get_by_test_id("run-status")).to_have_text("completed", timeout=SLOW)
    expect(lines).to_have_attribute("data-status", "succeeded")
    assert page.evaluate("window.__consoleMarker") == "same page", "the page was reloaded"
    seen = page.evaluate("window.__progressSeen")
    done = [int(re.match(r"(\d+) of 5 done", text).group(1)) for text in seen]
    assert seen[0] == "0 of 5 done, 2 running" and seen[-1] == "5 of 5 done", seen
    assert done == sorted(done), seen  # never counts back
    assert all(int(m) <= 2 for text in seen for m in re.findall(r"(\d+) running", text)), seen  # max_concurrency

    items = panel.get_by_test_id("step-iterations")
    expect(items.get_by_role("heading")).to_have_text("Item runs (5)")
    links = items.get_by_role("link")
    expect(links).to_have_count(5)
    expect(links).to_have_text([f"item {n}" for n in range(5)])
    output = panel.get_by_test_id("step-output")
    expect(output).to_contain_text('"count": 5')
    expect(output).to_contain_text('"succeeded": 5')

    from engine.models import WorkflowRun
    first = WorkflowRun.objects.get(parent_run=run, iteration=0)
    assert wait_status(run.id, "completed").status == "completed"
    links.first.click()
    expect(page).to_have_url(re.compile(rf"/console/runs/{first.id}$"))
    expect(page.get_by_test_id("run-page")).to_have_attribute("data-run-id", str(first.id))
    expect(page.get_by_test_id("run-status")).to_have_text("completed")
    # Its graph is the map's sub-flow, not the parent's: start -> nap -> end, nap done.
    graph = page.get_by_test_id("run-graph")
    expect(graph.locator(".react-flow__node")).to_have_count(3)
    expect(graph_node(page, "nap").locator(".fd-node")).to_have_attribute("data-status", "succeeded")
    expect(graph_node(page, "lines")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(r"\(step lines\)"))).to_be_visible()
    graph_node(page, "nap").locator(".fd-node").click()
    expect(page.get_by_test_id("step-panel").get_by_test_id("step-output")).to_contain_text('"slept": 1')
