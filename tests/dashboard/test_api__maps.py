"""A map's run in the API and under the scheduler: its step counts its items ("2 of 5 done") and
lists their runs; a lost resume is made good by the scheduler; item runs a waiting map still
wants are never taken for orphans."""
import pytest

from engine.models import StepRun, WorkflowRun
from engine.scheduler import scheduler_tick
from engine.services.runs import run_start
from tests.support.flows import chain, drain, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


def _publish(key: str, **fields):
    flow = chain(task("reserve", input={"sku": "input.item"}))
    flow["nodes"][-1]["output"] = "data.reserve"
    publish(key, chain(node("lines", "map", items="input.lines", flow={"nodes": flow["nodes"], "edges": flow["edges"]},
                            **fields)))


def _items(run):
    return list(WorkflowRun.objects.filter(parent_run=run).order_by("iteration"))


def test_a_map_step_counts_and_lists_its_items_and_the_scheduler_resumes_it_when_a_message_is_lost(api, ledger):
    _publish("map-api", max_concurrency=2)
    run, _ = run_start(definition_key="map-api", input={"lines": ["a", "b", "c", "d", "e"]})
    assert [i.iteration for i in _items(run)] == [0, 1]          # two at once, the rest not started
    detail = api.get(f"/api/runs/{run.id}/").json()
    lines = next(s for s in detail["steps"] if s["node_id"] == "lines")
    assert lines["map_progress"] == {"total": 5, "succeeded": 0, "failed": 0, "stopped": 0, "running": 2,
                                     "pending": 3}
    assert lines["wait_reason"] == "0 of 5 items done, 0 failed, 2 running"
    assert scheduler_tick()["orphans"] == 0                       # the waiting map still wants them
    # The item runs end, but their resume_parent messages are lost (nobody consumes them here):
    # the scheduler sees item runs that ended after the map's step last moved, and resumes it.
    for _ in range(5):
        for item in _items(run):
            if item.status != "completed":
                drain(item.id)
        scheduler_tick()
    detail = api.get(f"/api/runs/{run.id}/").json()
    assert detail["status"] == "completed"
    lines = next(s for s in detail["steps"] if s["node_id"] == "lines")
    assert [(i["index"], i["status"]) for i in lines["iterations"]] == [(n, "completed") for n in range(5)]
    assert lines["map_progress"]["succeeded"] == 5 and lines["map_progress"]["running"] == 0
    assert [o["sku"] for o in lines["output"]["outputs"]] == ["a", "b", "c", "d", "e"]
    assert all(s["map_progress"] is None for s in detail["steps"] if s["node_id"] != "lines")
    first = api.get(f"/api/runs/{lines['iterations'][0]['run_id']}/").json()
    assert first["subflow"] == "lines" and first["iteration"] == 0 and first["parent_node_id"] == "lines"
    assert first["input"] == {"item": "a", "index": 0, "input": {"lines": ["a", "b", "c", "d", "e"]}}
    assert [n["id"] for n in first["spec"]["nodes"]] == ["start", "reserve", "end"]


def test_an_empty_list_succeeds_at_once_and_a_value_that_is_no_list_fails_the_step(api, ledger):
    _publish("map-edge", on_failure="fail")
    run, _ = run_start(definition_key="map-edge", input={"lines": []})
    run.refresh_from_db()
    assert run.status == "completed"
    assert StepRun.objects.get(run=run, node_id="lines").output == {"count": 0, "succeeded": 0, "failed": [],
                                                                    "outputs": []}
    run, _ = run_start(definition_key="map-edge", input={"lines": {"a": 1}})
    run.refresh_from_db()
    step = StepRun.objects.get(run=run, node_id="lines")
    assert run.status == "aborted" and step.error["type"] == "MapItemsInvalid" and "dict" in step.error["message"]
    assert not _items(run)
