"""The designer in headless Chromium against the running stack: build the
order saga from an empty canvas, validation as you edit, publish, a live test
run, a stale-save conflict, and user text that stays text."""
import json
import re

import pytest
from playwright.sync_api import expect

from tests.ui.helpers import connect, drop, node, pane_box_of, rename_selected, select_node

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

SAGA = [("charge", "Charge card", "test.compensate"), ("reserve", "Reserve stock", "test.compensate"),
        ("ship", "Ship parcel", "test.compensate"), ("email", "Email customer", None)]


def test_build_the_order_saga_by_drag_and_drop_publish_and_watch_a_test_run(page, api):
    page.goto("/designer/")
    page.get_by_label("Name", exact=True).fill("Order saga")
    expect(page.get_by_label("Key", exact=True)).to_have_value("order-saga")
    page.get_by_role("button", name="Create").click()
    expect(page).to_have_url(re.compile(r"/designer/order-saga$"))
    expect(node(page, "start")).to_be_visible()

    # The new definition's draft is start -> end; take the end away (its edge goes with it).
    node(page, "end").click()
    page.keyboard.press("Delete")
    expect(node(page, "end")).to_have_count(0)

    # Four activity steps from the palette, searched and dropped, renamed in the inspector.
    # Snake the steps around the start node (centred by "Fit"): right, up, left, left, down.
    page.get_by_role("button", name="Fit", exact=True).click()
    page.wait_for_timeout(400)
    start = pane_box_of(page, "start")
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    spots = [(x0 + 240, y0), (x0 + 240, y0 - 170), (x0, y0 - 170), (x0 - 240, y0 - 170)]
    page.get_by_label("Search the palette").fill("test.rec")
    for (node_id, label, compensation), (x, y) in zip(SAGA, spots):
        drop(page, "palette-activity-test.record", x, y)
        expect(page.get_by_label("Node id", exact=True)).to_have_value(re.compile(r"^record"))
        rename_selected(page, node_id, label)
        expect(node(page, node_id)).to_be_visible()
        if compensation:
            page.get_by_label("Retry max attempts").fill("4")
            page.get_by_label("Retry initial interval").fill("0.5")
            expect(page.get_by_test_id("retry-preview").first).to_contain_text("4 attempts; waits before retries: 0.5s, 1s, 2s")
            page.get_by_label("Undo with a compensation activity").check()
            page.get_by_label("Compensation activity", exact=True).select_option(compensation)
    page.get_by_label("Search the palette").fill("")
    drop(page, "palette-end", x0 - 240, y0)
    expect(node(page, "end")).to_be_visible()

    # Connect everything but ship -> email: email is unreachable, and the canvas says so on the node.
    for source, target in [("start", "charge"), ("charge", "reserve"), ("reserve", "ship"), ("email", "end")]:
        connect(page, source, target)
    expect(page.locator(".react-flow__edge")).to_have_count(4)
    expect(page.get_by_test_id("errors-email")).to_be_visible()
    expect(page.get_by_test_id("problem-email").first).to_be_visible()
    expect(page.get_by_role("button", name="Publish…")).to_be_disabled()
    page.get_by_test_id("problem-email").first.click()
    expect(page.get_by_label("Node id", exact=True)).to_have_value("email")
    page.wait_for_timeout(500)  # the focus animation

    connect(page, "ship", "email")
    expect(page.get_by_test_id("errors-email")).to_have_count(0)
    expect(page.get_by_test_id("problem-count")).to_have_text("0")
    expect(page.get_by_test_id("save-state")).to_have_text("All changes saved", timeout=10000)

    # What reached the server is the saga, with retry and compensation.
    draft = api.get("/api/definitions/order-saga/versions/1/").json()
    spec = draft["spec"]
    by_id = {n["id"]: n for n in spec["nodes"]}
    assert by_id["charge"]["retry"] == {"max_attempts": 4, "initial_interval": 0.5}
    assert by_id["charge"]["compensation"] == {"activity": "test.compensate"}
    assert by_id["charge"]["label"] == "Charge card" and by_id["email"]["activity"] == "test.record"
    assert {(e["source"], e["target"]) for e in spec["edges"]} == {
        ("start", "charge"), ("charge", "reserve"), ("reserve", "ship"), ("ship", "email"), ("email", "end")}

    # Publish: preview, confirm.
    page.get_by_role("button", name="Publish…").click()
    expect(page.get_by_test_id("publish-preview")).to_contain_text("first published version")
    page.get_by_role("button", name="Publish v1").click()
    expect(page.get_by_test_id("toast")).to_contain_text("Published v1")
    assert api.get("/api/definitions/order-saga/versions/1/").json()["status"] == "published"

    # Test-run the published version and watch each node turn green.
    page.get_by_role("button", name="Test run").click()
    page.get_by_label("Run source").select_option("1")
    page.get_by_label("Sample input").fill(json.dumps({"order": {"id": "o-1"}, "amount": 42}))
    page.get_by_role("button", name="Start test run").click()
    for node_id, *_ in SAGA:
        expect(node(page, node_id).locator(".fd-node")).to_have_attribute("data-status", "succeeded", timeout=30000)
    expect(page.get_by_test_id("run-status")).to_have_text("completed", timeout=30000)


def test_publish_shows_the_diff_against_the_published_version(page, api):
    from tests.support.flows import chain, task
    spec = chain(task("charge"), task("ship"))
    api.post("/api/definitions/", {"key": "diffed", "name": "Diffed", "spec": spec}, format="json")
    api.post("/api/definitions/diffed/versions/1/publish/")
    changed = chain(task("charge", label="Charge the card"), task("email"))
    api.post("/api/definitions/diffed/versions/", {"spec": changed}, format="json")
    page.goto("/designer/diffed")
    expect(page.get_by_test_id("editing-what")).to_have_text("draft v2")
    expect(page.get_by_test_id("problem-count")).to_have_text("0")
    page.get_by_role("button", name="Publish…").click()
    preview = page.get_by_test_id("publish-preview")
    expect(preview).to_contain_text("1 added")
    expect(preview).to_contain_text("1 removed")
    expect(preview).to_contain_text("1 changed")
    expect(page.locator('[data-testid="node-email"][data-diff="added"]')).to_be_visible()
    expect(page.locator('[data-testid="node-charge"][data-diff="changed"]')).to_be_visible()
    expect(page.locator('[data-testid="node-__ghost__ship"][data-diff="removed"]')).to_be_visible()
    preview.get_by_role("button", name="Cancel").click()
    expect(page.locator('[data-testid="node-__ghost__ship"]')).to_have_count(0)
    # History opens v1 read-only.
    page.get_by_role("button", name="History").click()
    page.get_by_test_id("version-1").click()
    expect(page.get_by_test_id("read-only")).to_contain_text("v1 (published)")
    expect(node(page, "ship")).to_be_visible()


def test_a_stale_save_is_refused_with_a_way_to_reload(page, api):
    from tests.support.flows import chain, task
    api.post("/api/definitions/", {"key": "shared", "name": "Shared", "spec": chain(task("charge"))}, format="json")
    page.goto("/designer/shared")
    expect(node(page, "charge")).to_be_visible()

    # Someone else saves the draft after this editor loaded it.
    theirs = chain(task("charge", label="Their label"))
    assert api.post("/api/definitions/shared/versions/", {"spec": theirs, "revision": 1},
                    format="json").status_code == 201

    select_node(page, "charge")
    page.get_by_label("Label", exact=True).fill("My label")
    banner = page.get_by_test_id("conflict")
    expect(banner).to_contain_text("saved by someone else")
    expect(banner).to_contain_text("Your changes are not saved")
    expect(page.get_by_test_id("save-state")).to_have_text("Not saved: conflict")
    # Never a silent overwrite.
    assert api.get("/api/definitions/shared/versions/1/").json()["spec"]["nodes"][1]["label"] == "Their label"

    page.get_by_role("button", name=re.compile("Reload the latest draft")).click()
    expect(banner).to_have_count(0)
    expect(page.get_by_test_id("label-charge")).to_have_text("Their label")


def test_user_text_is_rendered_as_text_never_html(page, api):
    from tests.support.flows import chain, task
    evil = "<img src=x onerror=alert(1)>"
    spec = chain(task("charge", label=evil, description=evil))
    api.post("/api/definitions/", {"key": "evil", "name": evil, "description": evil, "spec": spec}, format="json")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    page.goto("/designer/")
    expect(page.get_by_test_id("definition-evil")).to_contain_text(evil)
    page.goto("/designer/evil")
    expect(page.get_by_test_id("label-charge")).to_have_text(evil)
    expect(page.get_by_test_id("definition-name")).to_have_text(evil)
    select_node(page, "charge")
    expect(page.get_by_label("Label", exact=True)).to_have_value(evil)
    assert page.locator("img").count() == 0
    assert dialogs == []
