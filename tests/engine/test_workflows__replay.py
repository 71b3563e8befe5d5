"""The replay decision as a pure function: tables of (function, history) -> what to do next."""
import datetime as dt

import pytest

from engine.workflows.replay import Recorded, compensation_input, replay, seconds_of

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)


def done(pos, call, output=None, status="succeeded"):
    return Recorded(pos, call, status, output, f"{pos}:{call}")


def two_steps(ctx, data):
    a = ctx.step("x.a", {"n": data["n"]})
    b = ctx.step("x.b", a)
    return {"b": b}


def fan_out(ctx, data):
    first, second = ctx.parallel(ctx.call("x.a", 1), ctx.call("x.b", 2))
    return ctx.step("x.c", [first, second])


@pytest.mark.parametrize("history, outcome, scheduled", [
    ({}, None, ["1:x.a"]),
    ({1: done(1, "x.a", {"v": 1}, "running")}, None, []),
    ({1: done(1, "x.a", {"v": 1})}, None, ["2:x.b"]),
    ({1: done(1, "x.a", {"v": 1}), 2: done(2, "x.b", "B")}, "complete", []),
    ({1: done(1, "x.a", {"v": 1}), 2: done(2, "x.b", "B", "skipped")}, "complete", []),
    ({1: done(1, "x.z", {"v": 1})}, "diverged", []),
    ({1: done(1, "x.a", 1), 2: done(2, "x.b", 2), 3: done(3, "x.c", 3)}, "diverged", []),
])
def test_sequential_steps(history, outcome, scheduled):
    decision = replay(two_steps, {"n": 5}, history, now=NOW)
    assert decision.outcome == outcome
    assert [n["id"] for n in decision.schedule] == scheduled
    if outcome == "complete":
        assert decision.output == {"b": "B"}


def test_scheduled_nodes_carry_the_call_and_its_input():
    decision = replay(two_steps, {"n": 5}, {}, now=NOW)
    node = decision.schedule[0]
    assert node["type"] == "task" and node["activity"] == "x.a" and node["value"] == {"n": 5}
    assert node["code"] == {"pos": 1, "call": "x.a", "epoch": 0}


def test_divergence_names_both_calls():
    decision = replay(two_steps, {"n": 5}, {1: done(1, "x.z")}, now=NOW)
    assert decision.error == {"type": "NonDeterminism", "message": "at step 1 the code calls x.a; the history has x.z"}
    assert decision.pos == 1
    returned = replay(two_steps, {"n": 5}, {1: done(1, "x.a", 1), 2: done(2, "x.b", 2), 3: done(3, "x.c")}, now=NOW)
    assert returned.error["message"] == "the code returned after step 2; the history has x.c at step 3"


@pytest.mark.parametrize("history, scheduled, outcome", [
    ({}, ["1:x.a", "2:x.b"], None),
    ({1: done(1, "x.a", "A"), 2: done(2, "x.b", None, "running")}, [], None),
    ({1: done(1, "x.a", "A"), 2: done(2, "x.b", "B")}, ["3:x.c"], None),
    ({1: done(1, "x.a", "A"), 2: done(2, "x.b", "B"), 3: done(3, "x.c", "C")}, [], "complete"),
])
def test_parallel_calls_are_scheduled_together_and_joined_when_all_are_done(history, scheduled, outcome):
    decision = replay(fan_out, {}, history, now=NOW)
    assert [n["id"] for n in decision.schedule] == scheduled and decision.outcome == outcome
    if scheduled == ["1:x.a", "2:x.b"]:
        assert {n["code"]["epoch"] for n in decision.schedule} == {0}


def test_values_are_recorded_once_and_replayed_as_recorded():
    def values(ctx, data):
        return {"now": ctx.now().isoformat(), "uuid": str(ctx.uuid()), "random": ctx.random()}
    first = replay(values, {}, {}, now=NOW)
    assert first.outcome == "complete" and [n["id"] for n, _ in first.values] == ["1:now", "2:uuid", "3:random"]
    history = {i: done(i, node["code"]["call"], value) for i, (node, value) in enumerate(first.values, 1)}
    again = replay(values, {}, history, now=NOW + dt.timedelta(days=1))
    assert again.values == [] and again.output == first.output and first.output["now"] == NOW.isoformat()


def test_patched_is_false_on_an_old_history_and_true_on_new_ground():
    def patched(ctx, data):
        if ctx.patched("fix"):
            return ctx.step("x.new")
        return ctx.step("x.old")
    assert replay(patched, {}, {1: done(1, "x.old", "O")}, now=NOW).output == "O"
    new = replay(patched, {}, {}, now=NOW)
    assert [n["id"] for n, _ in new.values] == ["1:patch:fix"] and new.schedule[0]["id"] == "2:x.new"


def test_compensate_fail_and_errors_in_the_code():
    def compensating(ctx, data):
        ctx.step("x.a")
        raise ctx.Compensate("no stock")

    def failing(ctx, data):
        raise ctx.Fail("rejected", code="Rejected")

    def broken(ctx, data):
        ctx.step("x.a")
        return data["missing"]
    decision = replay(compensating, {}, {1: done(1, "x.a")}, now=NOW)
    assert decision.outcome == "compensate" and decision.error == {"type": "Compensate", "message": "no stock"}
    assert replay(failing, {}, {}, now=NOW).error == {"type": "Rejected", "message": "rejected"}
    broke = replay(broken, {}, {1: done(1, "x.a")}, now=NOW)
    assert broke.outcome == "fail" and broke.pos == 2 and broke.error["message"] == "KeyError: 'missing'"


def test_a_suspend_is_not_swallowed_by_except_exception():
    def catching(ctx, data):
        try:
            return ctx.step("x.a")
        except Exception:
            return "swallowed"
    assert replay(catching, {}, {}, now=NOW).outcome is None


def test_bad_calls_are_the_codes_errors():
    assert replay(lambda ctx, d: ctx.step("x.a", object()), {}, {}, now=NOW).error["message"].startswith(
        "TypeError: the input of x.a is not JSON")
    assert replay(lambda ctx, d: ctx.sleep("soon"), {}, {}, now=NOW).outcome == "fail"
    assert replay(lambda ctx, d: object(), {}, {}, now=NOW).outcome == "fail"


@pytest.mark.parametrize("value, seconds", [(5, 5.0), ("500ms", 0.5), ("30s", 30.0), ("5m", 300.0), ("24h", 86400.0),
                                            ("2d", 172800.0), (dt.timedelta(minutes=2), 120.0)])
def test_durations(value, seconds):
    assert seconds_of(value, "t") == seconds


def test_a_compensation_gets_the_steps_input_and_output_merged_unless_told():
    assert compensation_input({"value": {"order": 1}, "compensation": {"activity": "u"}}, {"charge": 2}) == \
        {"order": 1, "charge": 2}
    assert compensation_input({"value": 1, "compensation": {"activity": "u"}}, 2) == {"input": 1, "output": 2}
    assert compensation_input({"value": 1, "compensation": {"activity": "u", "value": "x"}}, 2) == "x"


def test_a_function_that_never_returns_is_interrupted_and_is_the_codes_failure(monkeypatch):
    """In a worker (a watchdog running), the replay is bounded: it runs in the record's transaction."""
    from engine import watchdog
    dog = watchdog.Watchdog(lost_after=5.0)
    dog.start()
    monkeypatch.setattr(watchdog, "_watchdog", dog)
    try:
        def spins(ctx, data):
            ctx.step  # noqa: B018 (a call was made before: the position is reported)
            while True:
                pass
        decision = replay(spins, {}, {}, now=NOW, time_limit=0.3)
    finally:
        dog.stop()
    assert decision.outcome == "fail" and decision.error["type"] == "WorkflowTimeout"
    assert "past 0.3s in one replay" in decision.error["message"]
