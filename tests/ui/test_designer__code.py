"""A code workflow (a Python function) in the designer, in headless Chromium: listed with a "code"
badge, opened read-only on its source and versions, with no control that would write to it."""
import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = [pytest.mark.django_db(transaction=True)]

SOURCE = ('@workflow("place-order-code", version="{label}")\n'
          'def place_order(ctx, order):\n    note = "<img src=x onerror=alert(1)>"\n    return ctx.call("shop.charge_payment", order)\n')


@pytest.fixture
def code_definition():
    from engine.models import WorkflowDefinition, WorkflowVersion
    definition = WorkflowDefinition.objects.create(key="place-order-code", name="place-order-code")
    for number, label in ((1, "2026-11-01"), (2, "2026-12-01")):
        spec = {"kind": "code", "workflow": "place-order-code", "code_version": label,
                "module": "examples.shop.workflows", "source": SOURCE.format(label=label), "nodes": [], "edges": []}
        WorkflowVersion.objects.create(definition=definition, number=number, spec=spec, checksum="c" * 64,
                                       status="published", published_at=timezone.now())
    return definition


def test_a_code_workflow_is_listed_badged_and_opened_read_only(page, api, code_definition):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto("/designer/")
    row = page.get_by_test_id("definition-place-order-code")
    expect(page.get_by_test_id("code-badge-place-order-code")).to_have_text("code")
    expect(row.get_by_role("button", name="Rename")).to_have_count(0)
    expect(row.get_by_role("link", name="Export")).to_have_count(0)

    row.get_by_role("link", name="place-order-code").first.click()
    expect(page.get_by_test_id("code-source")).to_have_text(SOURCE.format(label="2026-12-01"))
    expect(page.get_by_test_id("code-version-1")).to_contain_text("2026-11-01")
    expect(page.get_by_test_id("code-runs-link")).to_have_attribute("href", "/console/runs?definition=place-order-code")
    assert page.locator("main button, main input, main textarea").count() == 0
    assert page.locator("img").count() == 0

    page.get_by_test_id("code-version-1").get_by_role("link", name="v1").click()
    expect(page.get_by_test_id("code-source")).to_have_text(SOURCE.format(label="2026-11-01"))
    assert dialogs == []

    refused = api.post("/api/definitions/place-order-code/versions/", {"spec": {"nodes": [], "edges": []}},
                       format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "definition.code_read_only"
