"""The console's run graph at 1440x900 on the order saga (16 nodes, 3000 px wide): its labels are
readable at the first view (panned to, not shrunk to fit), and the minimap, folded into a small
button, swallows no click: the last node, panned into the bottom-right corner, opens on a click."""
import json

import pytest
from playwright.sync_api import expect

from engine.services.runs import run_start
from tests.support.flows import publish
from tests.support.stack import ROOT
from tests.ui.helpers import node

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

SAGA = ROOT / "examples" / "definitions" / "order_saga.json"

# The size a label's text is drawn at on screen: its font size times the canvas's zoom.
ON_SCREEN_FONT = """el => {
  const r = el.getBoundingClientRect();
  return parseFloat(getComputedStyle(el).fontSize) * r.height / el.offsetHeight;
}"""

# A point of the bare pane (no node, edge, panel) near the pane's top edge, to drag the canvas by.
BARE_POINT = """() => {
  const pane = document.querySelector('.react-flow__pane').getBoundingClientRect();
  for (let y = pane.top + 8; y < pane.bottom - 8; y += 16)
    for (let x = pane.left + pane.width / 2; x < pane.right - 8; x += 24) {
      const el = document.elementFromPoint(x, y);
      if (el && el.classList.contains('react-flow__pane')) return {x, y};
    }
  return null;
}"""


def pan_by(page, dx: float, dy: float) -> None:
    """Drag the bare canvas by (dx, dy), in steps that keep the mouse inside the window."""
    while abs(dx) > 1 or abs(dy) > 1:
        step_x, step_y = max(-500, min(500, dx)), max(-150, min(150, dy))
        start = page.evaluate(BARE_POINT)
        assert start, "no bare spot of the canvas to drag"
        page.mouse.move(start["x"], start["y"])
        page.mouse.down()
        page.mouse.move(start["x"] + step_x, start["y"] + step_y, steps=6)
        page.mouse.up()
        dx, dy = dx - step_x, dy - step_y


def test_the_saga_graph_is_readable_and_its_last_node_opens_on_a_click(open_console, operator):
    publish("saga-graph", json.loads(SAGA.read_text())["spec"])
    # A large order waits at the manual approval: no activity runs, the graph holds still.
    run, _ = run_start(definition_key="saga-graph", input={"order_id": "ORD-G-1", "amount_cents": 150000})
    page = open_console(operator)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"/console/runs/{run.id}")
    approval = node(page, "approval").locator(".fd-node")
    expect(approval).to_have_attribute("data-status", "waiting", timeout=20000)

    # Readable at the first view: a 13 px label drawn at 11 px or more, the run's node in view.
    label = node(page, "approval").locator(".fd-node__label")
    expect(label).to_be_in_viewport()
    size = label.evaluate(ON_SCREEN_FONT)
    assert size >= 11, f"labels are drawn {size:.1f} px tall"

    # The minimap starts folded: one small button, nothing over the nodes.
    expect(page.locator(".react-flow__minimap")).to_have_count(0)
    toggle = page.get_by_test_id("minimap-toggle").bounding_box()
    assert toggle["width"] <= 32 and toggle["height"] <= 32

    # Pan until the last node sits in the bottom-right corner, where a minimap would be, and click it.
    pane = page.locator(".react-flow__pane").bounding_box()
    last = node(page, "done").bounding_box()
    pan_by(page, (pane["x"] + pane["width"] - 16) - (last["x"] + last["width"]),
           (pane["y"] + pane["height"] - 16) - (last["y"] + last["height"]))
    last = node(page, "done").bounding_box()
    assert last["x"] + last["width"] > pane["x"] + pane["width"] - 60, last
    assert last["y"] + last["height"] > pane["y"] + pane["height"] - 60, last
    node(page, "done").locator(".fd-node__label").click()
    expect(page.get_by_test_id("step-panel")).to_have_attribute("aria-label", "Step done")

    # Open, the minimap is small and takes clicks only on itself.
    page.get_by_test_id("minimap-toggle").click()
    minimap = page.locator(".react-flow__minimap")
    expect(minimap).to_be_visible()
    box = minimap.bounding_box()
    assert box["width"] <= 160 and box["height"] <= 110, box


def test_a_small_graph_is_fitted_and_centred(open_console, operator):
    from tests.support.flows import chain, task
    publish("small-graph", chain(task("charge", activity="flowdeck.noop")))
    run, _ = run_start(definition_key="small-graph")
    page = open_console(operator)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"/console/runs/{run.id}")
    expect(node(page, "end")).to_be_visible()
    page.wait_for_timeout(300)   # the first view is set once the nodes are measured
    pane = page.locator(".react-flow__pane").bounding_box()
    boxes = [node(page, n).bounding_box() for n in ("start", "charge", "end")]
    left, right = min(b["x"] for b in boxes), max(b["x"] + b["width"] for b in boxes)
    assert abs((left + right) / 2 - (pane["x"] + pane["width"] / 2)) < 30, (left, right, pane)
    assert node(page, "charge").locator(".fd-node__label").evaluate(ON_SCREEN_FONT) >= 11
