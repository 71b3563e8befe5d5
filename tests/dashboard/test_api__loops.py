"""A loop's run in the API: its step lists its iterations; an iteration's run is drawn on the sub-flow."""
import pytest

from engine.models import WorkflowRun
from engine.services.runs import run_resume_parent, run_start
from tests.support.flows import chain, drain, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_loop_step_lists_its_iterations_and_each_opens_on_the_sub_flow(api, ledger):
    flow = chain(task("check"))
    publish("loop-api", chain(node("poll", "loop", max_iterations=3,
                                   until={"field": "iteration.index", "op": "gte", "value": 1},
                                   flow={"nodes": flow["nodes"], "edges": flow["edges"]})))
    run, _ = run_start(definition_key="loop-api", input={"order": 7})
    for index in (0, 1):
        child = WorkflowRun.objects.get(parent_run=run, iteration=index)
        drain(child.id)
        assert run_resume_parent(child_run_id=child.id)   # what the child's end sends, done here
    detail = api.get(f"/api/runs/{run.id}/").json()
    assert detail["status"] == "completed"
    poll = next(s for s in detail["steps"] if s["node_id"] == "poll")
    assert [(i["index"], i["status"]) for i in poll["iterations"]] == [(0, "completed"), (1, "completed")]
    assert poll["output"]["iterations"] == 2
    assert all(s["iterations"] is None for s in detail["steps"] if s["node_id"] != "poll")
    first = api.get(f"/api/runs/{poll['iterations'][0]['run_id']}/").json()
    assert first["subflow"] == "poll" and first["iteration"] == 0 and first["parent_run"] == str(run.id)
    assert [n["id"] for n in first["spec"]["nodes"]] == ["start", "check", "end"]
    assert first["input"] == {"input": {"order": 7}, "iteration": 0, "previous": None}
    assert first["parent_node_id"] == "poll"
