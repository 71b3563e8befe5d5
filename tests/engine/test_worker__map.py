"""Maps on real worker processes: one run of the map's sub-flow per item, at most max_concurrency
at once, results in the list's order, failures tolerated up to a count, failed items run again
by an operator's retry under the keys their first runs saw."""
import pytest

from engine.models import StepRun, WorkflowRun
from engine.services.runs import run_cancel, run_compensate, run_start, step_retry, step_skip
from tests.support.flows import assert_gapless, chain, node, publish, task, wait_status
from tests.support.stack import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
ONCE = {"max_attempts": 1}


def _map(key: str, inner: dict, **fields):
    flow = chain(inner)
    flow["nodes"][-1]["output"] = f"data.{inner['id']}"
    flow = {"nodes": flow["nodes"], "edges": flow["edges"]}
    publish(key, chain(task("before"), node("lines", "map", items="input.lines", flow=flow, **fields), task("after")))


def _items(run):
    return list(WorkflowRun.objects.filter(parent_run=run).order_by("iteration", "created_at"))


def _most_at_once(run) -> int:
    """The most item runs alive at one time (an item run's life: its creation to its end)."""
    edges = sorted([(i.created_at, 1) for i in _items(run)] + [(i.finished_at, -1) for i in _items(run)],
                   key=lambda e: (e[0], e[1]))
    going, most = 0, 0
    for _, delta in edges:
        going += delta
        most = max(most, going)
    return most


def test_a_map_runs_its_sub_flow_per_item_at_most_max_concurrency_at_once_results_in_order(stack, ledger):
    _map("map-lines", task("reserve", input={"sku": "input.sku", "n": "input.n"}), max_concurrency=2,
         input={"sku": "item.value", "n": "item.index"})
    stack.worker(threads=4)
    skus = [f"sku-{n}" for n in range(7)]
    run, _ = run_start(definition_key="map-lines", input={"lines": skus})
    wait_status(run.id, "completed", stack=stack, timeout=90)
    step = StepRun.objects.get(run=run, node_id="lines")
    assert step.output["count"] == 7 and step.output["succeeded"] == 7 and step.output["failed"] == []
    assert [o["sku"] for o in step.output["outputs"]] == skus and [o["n"] for o in step.output["outputs"]] == \
        list(range(7))
    items = _items(run)
    assert [i.iteration for i in items] == list(range(7)) and all(i.status == "completed" for i in items)
    assert all(i.subflow == "lines" and i.version_id == run.version_id for i in items)
    assert 1 <= _most_at_once(run) <= 2
    # Each item's step keyed by the item, not by its run: <run>:<map node>:<index>:<node>.
    keys = sorted(key for _, key, _ in ledger.calls("reserve"))
    assert keys == sorted(f"{run.id}:lines:{n}:reserve" for n in range(7))
    assert [c[0] for c in ledger.calls() if c[0] != "reserve"] == ["before", "after"]
    for r in (run, *items):
        assert_gapless(r.id)


def test_failures_within_tolerance_let_the_map_succeed_one_more_fails_it_and_cancels_the_rest(stack, ledger):
    inner = task("line", "test.fail_first", input={"fail": "input.item.fail"}, retry=ONCE, on_failure="fail")
    _map("map-tolerant", inner, max_concurrency=3, tolerated_failures=1)
    _map("map-strict", inner, max_concurrency=1, tolerated_failures="10%", on_failure="fail")
    stack.worker(threads=4)
    lines = [{"fail": n == 2} for n in range(5)]
    run, _ = run_start(definition_key="map-tolerant", input={"lines": lines})
    wait_status(run.id, "completed", stack=stack, timeout=90)
    step = StepRun.objects.get(run=run, node_id="lines")
    assert step.output["succeeded"] == 4 and step.output["failed"] == [2] and step.output["outputs"][2] is None
    assert [i.status for i in _items(run)] == ["completed", "completed", "aborted", "completed", "completed"]
    # 10% of 5 rounds down to 0: the first failed item fails the map, and no later item starts.
    run, _ = run_start(definition_key="map-strict", input={"lines": [{"fail": n == 1} for n in range(5)]})
    run = wait_status(run.id, "aborted", stack=stack, timeout=90)
    step = StepRun.objects.get(run=run, node_id="lines")
    assert step.error["type"] == "MapItemsFailed" and step.error["failed"] == [1] and step.error["tolerated"] == 0
    assert [i.status for i in _items(run)] == ["completed", "aborted"]
    tolerant = StepRun.objects.get(run__definition__key="map-tolerant", node_id="after").run_id
    assert [key for _, key, _ in ledger.calls("after")] == [f"{tolerant}:after"]


def test_an_operators_retry_runs_only_the_failed_items_again_under_their_first_keys(stack, ledger):
    inner = task("line", "test.fail_first", input={"fail": "input.item.fail"}, retry=ONCE, on_failure="fail")
    _map("map-retry", inner, max_concurrency=2, on_failure="incident")
    stack.worker(threads=4)
    run, _ = run_start(definition_key="map-retry", input={"lines": [{"fail": n == 1} for n in range(4)]})
    run = wait_status(run.id, "failed", stack=stack, timeout=90)
    assert StepRun.objects.get(run=run, node_id="lines").error["type"] == "MapItemsFailed"
    step_retry(run_id=run.id, node_id="lines", reason="the warehouse is back")
    wait_status(run.id, "completed", stack=stack, timeout=90)
    step = StepRun.objects.get(run=run, node_id="lines")
    assert step.output["succeeded"] == 4 and step.output["failed"] == []
    items = _items(run)
    assert [(i.iteration, i.status) for i in items] == [(0, "completed"), (1, "aborted"), (1, "completed"),
                                                        (2, "completed"), (3, "completed")]
    assert step.input["superseded"] == [str(items[1].id)]
    calls = ledger.calls("line")
    assert len(calls) == 5 and [key for _, key, _ in calls].count(f"{run.id}:lines:1:line") == 2
    assert len(ledger.calls("after")) == 1
    assert_gapless(run.id)


def test_cancelling_the_run_cancels_the_item_runs_going_and_starts_no_more(stack, ledger):
    _map("map-cancel", task("slow", "test.sleep", input={"seconds": "`30`"}, retry=ONCE), max_concurrency=2)
    stack.worker(threads=4)
    run, _ = run_start(definition_key="map-cancel", input={"lines": list(range(6))})
    wait_for(lambda: len(ledger.calls("slow:begin")) == 2, timeout=30, message="two items started")
    run_cancel(run_id=run.id, reason="customer cancelled")
    wait_status(run.id, "cancelled", stack=stack, timeout=30)
    wait_for(lambda: all(i.status == "cancelled" for i in _items(run)), timeout=30, message="items cancelled")
    assert len(_items(run)) == 2
    assert StepRun.objects.get(run=run, node_id="lines").status == "cancelled"


def test_skipping_a_waiting_map_cancels_its_item_runs_and_the_run_goes_on(stack, ledger):
    _map("map-skip", task("slow", "test.sleep", input={"seconds": "`30`"}, retry=ONCE), max_concurrency=2)
    stack.worker(threads=4)
    run, _ = run_start(definition_key="map-skip", input={"lines": list(range(4))})
    wait_for(lambda: len(ledger.calls("slow:begin")) == 2, timeout=30, message="two items started")
    step_skip(run_id=run.id, node_id="lines", output={"count": 0}, reason="reserved by hand")
    wait_status(run.id, "completed", stack=stack, timeout=30)
    wait_for(lambda: all(i.status == "cancelled" for i in _items(run)), timeout=30, message="items cancelled")
    assert len(_items(run)) == 2 and len(ledger.calls("after")) == 1


def test_a_worker_sigkilled_while_items_run_loses_no_item_and_repeats_no_finished_one(stack, ledger):
    _map("map-kill", task("slow", "test.sleep", input={"seconds": "`1`"}, timeout=3,
                          retry={"max_attempts": 5, "initial_interval": 0.1}), max_concurrency=3)
    worker = stack.worker(threads=4)
    stack.scheduler()
    run, _ = run_start(definition_key="map-kill", input={"lines": list(range(8))})
    wait_for(lambda: len(ledger.calls("slow")) >= 2, timeout=30, message="items finishing")
    worker.kill()
    stack.worker(threads=4)
    wait_status(run.id, "completed", stack=stack, timeout=120)
    step = StepRun.objects.get(run=run, node_id="lines")
    assert step.output["succeeded"] == 8
    done = [key for _, key, _ in ledger.calls("slow")]
    # Every item done; only an item in flight at the kill (at most max_concurrency of them) may have run
    # twice, killed between its effect and its record (at least once, as any step); none more than twice.
    assert set(done) == {f"{run.id}:lines:{n}:slow" for n in range(8)} and len(done) <= 8 + 3
    assert max(done.count(key) for key in done) <= 2
    assert [i.iteration for i in _items(run)] == list(range(8))
    for r in (run, *_items(run)):
        assert_gapless(r.id)


UNDO = {"activity": "test.compensate", "retry": ONCE}


def _undone(ledger, run) -> list[str]:
    return [key.removeprefix(f"{run.id}:") for name, key, _ in ledger.calls() if name.startswith("undo:")]


def test_compensating_the_run_undoes_each_items_steps_the_last_item_first_then_what_came_before(stack, ledger):
    flow = chain(task("reserve", compensation=UNDO, retry=ONCE))
    publish("map-undo", chain(task("before", compensation=UNDO, retry=ONCE),
                              node("lines", "map", items="input.lines", max_concurrency=2,
                                   flow={"nodes": flow["nodes"], "edges": flow["edges"]}),
                              task("charge", "test.boom", input={"type": "CardDeclined"}, retry=ONCE)))
    stack.worker(threads=4)
    run, _ = run_start(definition_key="map-undo", input={"lines": ["a", "b", "c", "d"]})
    run = wait_status(run.id, "compensated", stack=stack, timeout=90)
    assert _undone(ledger, run) == [f"lines:{n}:reserve:compensate" for n in (3, 2, 1, 0)] + ["before:compensate"]
    assert [(i.iteration, i.status) for i in _items(run)] == [(n, "compensated") for n in range(4)]
    undo = StepRun.objects.get(run=run, node_id="lines", kind="compensation")
    assert undo.status == "succeeded" and undo.output == {"undone": 4}
    for r in (run, *_items(run)):
        assert_gapless(r.id)
    # An item run went completed -> compensating -> compensated, and says so in its history.
    types = [t for t in _items(run)[0].events.order_by("seq").values_list("type", flat=True)
             if t.startswith("run.") or t == "compensation.started"]
    assert types[-3:] == ["run.completed", "compensation.started", "run.compensated"], types


def test_a_map_that_fails_past_its_tolerance_has_its_items_going_and_done_undone_too(stack, ledger):
    flow = chain(task("reserve", compensation=UNDO, retry=ONCE),
                 task("pack", "test.fail_first", input={"fail": "input.item.fail", "seconds": "input.item.seconds"},
                      retry=ONCE))
    publish("map-undo-going", chain(node("lines", "map", items="input.lines", max_concurrency=3,
                                         flow={"nodes": flow["nodes"], "edges": flow["edges"]})))
    stack.worker(threads=6)
    lines = [{"fail": False, "seconds": 2}, {"fail": True}, {"fail": False, "seconds": 2}, {"fail": False}]
    run, _ = run_start(definition_key="map-undo-going", input={"lines": lines})
    run = wait_status(run.id, "compensated", stack=stack, timeout=90)
    items = _items(run)
    assert all(i.status == "compensated" for i in items), [(i.iteration, i.status) for i in items]
    undone = _undone(ledger, run)
    # Every item that reserved had its reservation undone, exactly once.
    reserved = sorted(key.removeprefix(f"{run.id}:") for name, key, _ in ledger.calls("reserve"))
    assert sorted(undone) == [f"{key}:compensate" for key in reserved] and len(set(undone)) == len(undone)
    assert len(items) == 3 and {"lines:0:reserve:compensate", "lines:2:reserve:compensate"} <= set(undone)
    step = StepRun.objects.get(run=run, node_id="lines", kind="node")
    assert step.status == "failed" and step.error["type"] == "MapItemsFailed"


def test_an_items_failed_compensation_stops_the_runs_and_compensating_again_retries_it(stack, ledger):
    undo = {"activity": "test.fail_first", "input": {"fail": "`true`"}, "retry": ONCE}
    flow = chain(task("reserve", compensation=undo, retry=ONCE))
    publish("map-undo-fails", chain(node("lines", "map", items="input.lines", max_concurrency=1,
                                         flow={"nodes": flow["nodes"], "edges": flow["edges"]}),
                                    task("charge", "test.boom", input={"type": "CardDeclined"}, retry=ONCE)))
    stack.worker(threads=4)
    run, _ = run_start(definition_key="map-undo-fails", input={"lines": ["a", "b"]})
    run = wait_status(run.id, "compensation_failed", stack=stack, timeout=90)
    undo_step = StepRun.objects.get(run=run, node_id="lines", kind="compensation")
    last = _items(run)[1]
    assert undo_step.status == "failed" and undo_step.error["type"] == "ItemCompensationFailed"
    assert undo_step.error["child_run_id"] == str(last.id) and last.status == "compensation_failed"
    assert _items(run)[0].status == "completed"                    # not reached: one at a time, the last first
    run_compensate(run_id=run.id, reason="the warehouse is reachable again")
    # Item 1's retried compensation succeeds and the map goes on to item 0, whose first fails too.
    wait_for(lambda: _items(run)[0].status == "compensation_failed", timeout=60, message="item 0's undo failed")
    run = wait_status(run.id, "compensation_failed", stack=stack, timeout=60)
    assert _items(run)[1].status == "compensated"
    run_compensate(run_id=run.id, reason="and again")
    wait_status(run.id, "compensated", stack=stack, timeout=90)
    assert [i.status for i in _items(run)] == ["compensated", "compensated"]
    undone = [key.removeprefix(f"{run.id}:") for _, key, _ in ledger.calls("reserve") if key.endswith(":compensate")]
    assert undone == ["lines:1:reserve:compensate", "lines:1:reserve:compensate", "lines:0:reserve:compensate",
                      "lines:0:reserve:compensate"]   # each failed once, then succeeded


def test_sigkills_in_a_200_item_map_and_in_its_undoing_reserve_and_release_each_item_exactly_once(stack, ledger):
    """The issue's case: SIGKILL in the middle of a map of 200 items, and again while the order is
    undone: every item reserved exactly once and compensated exactly once (effects by key)."""
    retry = {"max_attempts": 10, "initial_interval": 0.1, "backoff_coefficient": 1, "jitter": 0}
    flow = chain(task("reserve", timeout=3, retry=retry,
                      compensation={"activity": "test.undo_once", "retry": retry}))
    publish("map-200", chain(node("lines", "map", items="input.lines", max_concurrency=10,
                                  flow={"nodes": flow["nodes"], "edges": flow["edges"]}),
                             task("charge", "test.boom", input={"type": "CardDeclined"}, retry=ONCE)))
    worker = stack.worker(threads=4)
    stack.scheduler()
    run, _ = run_start(definition_key="map-200", input={"lines": list(range(200))})

    def effects(name):
        return [key for key, n in ledger.effects() if n == name]

    wait_for(lambda: len(effects("reserve")) >= 50, timeout=120, message="50 items reserved")
    worker.kill()                                          # SIGKILL mid-map
    worker = stack.worker(threads=4)
    wait_for(lambda: len(effects("undo:reserve")) >= 30, timeout=240, message="the undoing under way")
    worker.kill()                                          # SIGKILL mid-undo
    stack.worker(threads=4)
    run = wait_status(run.id, "compensated", stack=stack, timeout=300)
    items = _items(run)
    assert len(items) == 200 and all(i.status == "compensated" for i in items)
    reserved, released = effects("reserve"), effects("undo:reserve")
    assert sorted(reserved) == sorted(f"{run.id}:lines:{n}:reserve" for n in range(200))
    assert sorted(released) == sorted(f"{run.id}:lines:{n}:reserve:compensate" for n in range(200))
    # Undone the last item first: the order of the first effect per key, from 199 down.
    first = [int(key.split(":")[2]) for key in released]
    assert first == sorted(first, reverse=True)
    assert_gapless(run.id)
