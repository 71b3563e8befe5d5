"""The designer in Chromium for a definition's life: test runs named for their draft (and not taking
its version numbers), the drawers beside the inspector, the publish dialog with field changes and a
note, SVG node icons, choice exits below the summary, archive and delete on the list."""
import pytest
from playwright.sync_api import expect

from tests.support.flows import chain, edge, node as spec_node, task
from tests.ui.helpers import node

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def boxes_overlap(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_a_test_run_is_named_for_its_draft_and_publishing_keeps_the_numbers_and_the_note(page, api):
    api.post("/api/definitions/", {"key": "refund", "name": "Refund", "spec": chain(task("charge"))}, format="json")
    api.post("/api/definitions/refund/versions/1/publish/")
    api.post("/api/definitions/refund/versions/", {"spec": chain(task("charge", label="Charge the card",
                                                                       timeout=30))}, format="json")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/designer/refund")
    expect(page.get_by_test_id("editing-what")).to_have_text("draft v2")
    node(page, "charge").locator(".fd-node__label").click()

    # The Test-run drawer opens beside the inspector, which stays in view and usable.
    page.get_by_role("button", name="Test run", exact=True).click()
    drawer = page.get_by_role("complementary", name="Test run")
    inspector = page.get_by_role("complementary", name="Inspector")
    expect(drawer).to_be_visible()
    expect(inspector).to_be_visible()
    assert not boxes_overlap(drawer.bounding_box(), inspector.bounding_box())
    expect(page.get_by_label("Node id", exact=True)).to_be_in_viewport()
    expect(page.get_by_label("Node id", exact=True)).to_have_value("charge")

    page.get_by_role("button", name="Start test run").click()   # a test run of the canvas
    expect(page.get_by_test_id("run-source")).to_have_text("test of draft v2")
    expect(page.get_by_test_id("run-status")).to_have_text("completed", timeout=30000)

    # Publishing: what changed inside the node, an optional note; the next draft is v3 all the same.
    page.get_by_role("button", name="Test run", exact=True).click()
    page.get_by_role("button", name="Publish…").click()
    changes = page.get_by_test_id("changes-charge")
    expect(changes).to_contain_text("Charge the card")
    expect(changes.locator("tbody tr").filter(has_text="timeout")).to_contain_text("(not set)")
    expect(changes.locator("tbody tr").filter(has_text="label")).to_contain_text('"Charge the card"')
    page.get_by_label("Publish note").fill("charge times out after 30 s")
    page.get_by_role("button", name="Publish v2").click()
    expect(page.get_by_test_id("toast")).to_contain_text("Published v2. Further edits start draft v3.")
    assert api.get("/api/definitions/refund/versions/2/").json()["note"] == "charge times out after 30 s"
    saved = api.post("/api/definitions/refund/versions/", {"spec": chain(task("charge"))}, format="json").json()
    assert saved["number"] == 3

    # History, beside the inspector, shows the note.
    page.reload()
    page.get_by_role("button", name="History").click()
    expect(page.get_by_test_id("version-note-2")).to_have_text("charge times out after 30 s")
    expect(page.get_by_role("complementary", name="Inspector")).to_be_visible()


def test_node_icons_are_svgs_and_choice_exits_sit_below_the_summary(page, api):
    rules = [{"id": "big", "label": "amount over 500: a manager approves",
              "condition": {"field": "input.amount", "op": "gt", "value": 500}},
             {"id": "abroad", "label": "ships abroad", "condition": {"field": "input.country", "op": "ne",
                                                                      "value": "FR"}}]
    spec = {"schema_version": 1,
            "nodes": [spec_node("start", "start"), spec_node("route", "choice", label="Route the refund", rules=rules),
                      task("a"), task("b"), task("c"), spec_node("end", "end")],
            "edges": [edge("start", "route"), edge("route", "a", "big"), edge("route", "b", "abroad"),
                      edge("route", "c", "default"), edge("a", "end"), edge("b", "end"), edge("c", "end")]}
    api.post("/api/definitions/", {"key": "icons", "name": "Icons", "spec": spec}, format="json")
    page.goto("/designer/icons")
    for kind in ("parallel", "wait", "subworkflow", "task", "choice"):
        icon = page.get_by_test_id(f"palette-{kind}").locator(".fd-palette__icon svg")
        expect(icon).to_be_visible()
        box = icon.bounding_box()
        assert box["width"] >= 12 and box["height"] >= 12, (kind, box)
        # Drawn strokes, not an empty box: the SVG has shapes and no text glyph beside it.
        assert icon.locator("path, circle, rect, line, polyline").count() > 0
        assert page.get_by_test_id(f"palette-{kind}").locator(".fd-palette__icon").inner_text() == ""
    route = node(page, "route")
    summary = route.locator(".fd-node__summary").bounding_box()
    label = route.locator(".fd-node__label").bounding_box()
    exits = route.locator(".fd-node__exit-label")
    expect(exits).to_have_count(3)
    for i in range(3):
        box = exits.nth(i).bounding_box()
        assert not boxes_overlap(box, summary) and not boxes_overlap(box, label), (i, box, summary)
        handle = route.locator(".fd-node__exit").nth(i).locator(".react-flow__handle").bounding_box()
        assert abs((handle["y"] + handle["height"] / 2) - (box["y"] + box["height"] / 2)) < 4   # on its row


def test_archive_hides_a_definition_and_delete_removes_one_that_never_ran(page, api):
    from engine.errors import Conflict
    from engine.services.runs import run_start
    for key in ("orders", "scratch"):
        api.post("/api/definitions/", {"key": key, "name": key.title(), "spec": chain(task("a"))}, format="json")
        api.post(f"/api/definitions/{key}/versions/1/publish/")
    run_start(definition_key="orders")
    page.goto("/designer/")
    expect(page.get_by_test_id("definition-orders")).to_be_visible()
    # One that ran cannot be deleted, and says why.
    expect(page.get_by_test_id("delete-orders")).to_be_disabled()
    expect(page.get_by_test_id("delete-orders")).to_have_attribute("title", "orders has 1 run(s), which are kept: "
                                                                            "archive it instead")
    page.get_by_test_id("archive-orders").click()
    expect(page.get_by_role("status").filter(has_text="Archived orders")).to_be_visible()
    expect(page.get_by_test_id("definition-orders")).to_have_count(0)
    with pytest.raises(Conflict, match="orders is archived"):
        run_start(definition_key="orders")
    page.get_by_label("Show archived (1)").check()
    expect(page.get_by_test_id("archived-badge-orders")).to_be_visible()
    # One that never ran: asked first, then gone.
    page.get_by_test_id("delete-scratch").click()
    page.get_by_role("button", name="Delete scratch").click()
    expect(page.get_by_test_id("definition-scratch")).to_have_count(0)
    assert api.get("/api/definitions/scratch/").status_code == 404
