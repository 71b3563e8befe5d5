"""Code workflows the tests run (engine/workflows). ``CHANGED`` lets a test change a workflow's
code under running runs (the code-changed guard); a worker process reads it from the environment."""
import os

from engine.workflows import workflow

CHANGED = {"code-changing": os.environ.get("FLOWDECK_TEST_CODE_CHANGED") == "1"}


@workflow("code-four", version="1")
def four(ctx, data):
    outputs = [ctx.step("test.record", {"name": name}) for name in "abcd"]
    return {"names": [o["name"] for o in outputs]}


@workflow("code-parallel", version="1")
def parallel(ctx, data):
    first = ctx.step("test.record", {"name": "first"})
    seconds = float(data.get("seconds", 0))
    left, right = ctx.parallel(ctx.call("test.sleep", {"seconds": seconds}, label="left"),
                               ctx.call("test.sleep", {"seconds": seconds}, label="right"))
    after = ctx.step("test.record", {"name": "after"})
    return {"first": first["name"], "left": left["slept"], "right": right["slept"], "after": after["name"]}


@workflow("code-saga", version="1")
def saga(ctx, data):
    for name in ("a", "b", "c"):
        ctx.step("test.record", {"name": name}, compensate="test.compensate")
    if data.get("fail") == "compensate":
        raise ctx.Compensate("asked to")
    if data.get("fail") == "activity":
        ctx.step("test.boom", {"type": "Fatal"}, retry={"max_attempts": 1})
    if data.get("fail") == "incident":
        skipped = ctx.step("test.boom", {"type": "Fatal"}, retry={"max_attempts": 1}, on_failure="incident")
        return {"done": True, "skipped": skipped}
    if data.get("fail") == "code":
        raise KeyError("no such field")
    return {"done": True}


@workflow("code-signal", version="1")
def signal(ctx, data):
    approval = ctx.wait_signal("go", timeout=data.get("timeout"))
    if approval is None:
        return {"timed_out": True}
    ctx.step("test.record", {"name": "after-signal"})
    return {"approval": approval}


@workflow("code-sleep", version="1")
def sleep(ctx, data):
    ctx.step("test.record", {"name": "before"})
    ctx.sleep(data.get("seconds", 1))
    ctx.step("test.record", {"name": "after"})
    return {"slept": True}


@workflow("code-values", version="1")
def values(ctx, data):
    now, token, number = ctx.now(), ctx.uuid(), ctx.random()
    ctx.step("test.record", {"name": "between"})
    return {"now": now.isoformat(), "uuid": str(token), "random": number, "again": str(ctx.uuid())}


@workflow("code-child", version="1")
def child(ctx, data):
    out = ctx.child("code-four", {"from": "parent"})
    return {"child": out}


@workflow("code-changing", version="1")
def changing(ctx, data):
    ctx.step("test.record", {"name": "one"})
    ctx.wait_signal("next")
    if CHANGED["code-changing"]:
        ctx.step("test.flaky", {"succeed_on": 1})   # a different activity at step 3
    else:
        ctx.step("test.record", {"name": "three"})
    return {"ok": True}


@workflow("code-patched", version="1")
def patched(ctx, data):
    ctx.step("test.record", {"name": "one"})
    ctx.wait_signal("next")
    if CHANGED.get("code-patched") and ctx.patched("new-step"):
        ctx.step("test.record", {"name": "patched"})
    else:
        ctx.step("test.record", {"name": "old"})
    return {"ok": True}


@workflow("code-pinned", version="1")
def pinned_v1(ctx, data):
    return {"version": ctx.step("test.record", {"name": "v1"})["name"]}


if os.environ.get("FLOWDECK_TEST_PINNED_V2") == "1" or not os.environ.get("FLOWDECK_WORKFLOW_MODULES"):
    @workflow("code-pinned", version="2")
    def pinned_v2(ctx, data):
        return {"version": ctx.step("test.record", {"name": "v2"})["name"]}


# Worker crash tests (tests/engine/test_worker__code.py): short timeouts, so a step whose worker
# was SIGKILLed is retried after its lease (the timeout) runs out, not after the default 300 s.
CRASH_RETRY = {"max_attempts": 10, "initial_interval": 0.2, "backoff_coefficient": 2, "max_interval": 0.5,
               "jitter": 0}


@workflow("code-kill", version="1")
def kill(ctx, data):
    before = ctx.step("test.record", {"name": "before"}, timeout=3, retry=CRASH_RETRY)
    slow = ctx.step("test.sleep_once", {"seconds": 30}, timeout=3, retry=CRASH_RETRY)
    after = ctx.step("test.record", {"name": "after"}, timeout=3, retry=CRASH_RETRY)
    return {"before": before["name"], "slow": slow["attempt"], "after": after["name"]}


@workflow("code-chaos", version="1")
def chaos(ctx, data):
    options = {"timeout": 2, "retry": CRASH_RETRY}
    first = ctx.step("test.record", {"name": "first"}, **options)
    left, right = ctx.parallel(ctx.call("test.record", {"name": "left"}, **options),
                               ctx.call("test.record", {"name": "right"}, **options))
    last = ctx.step("test.record", {"name": "last"}, **options)
    return {"names": [first["name"], left["name"], right["name"], last["name"]]}


# The operator model's code workflow (tests/support/operator_model.py, ``code_plan``): it does what
# the plan in its input says, so one registered function serves runs of every shape and fault, like
# the model's graph definitions. Deterministic given the input and the recorded steps (replays agree).
# Plan items: {"kind": "task", "call": {...}, "strict": bool} | {"kind": "parallel", "calls": [...]}
# | {"kind": "signal", "name", "timeout", "late": {...}, "refuse": bool} | {"kind": "wait", "seconds"}
# | {"kind": "child", "definition", "input"} | {"kind": "value", "what"} | {"kind": "fail"}
# | {"kind": "compensate"}. A call: {"activity", "input", "retry", "timeout", "on_failure",
# "compensate", "compensate_input", "compensate_retry"} or {"child": key, "input"} or {"signal": name}.
def _fz_handle(ctx, call):
    if "child" in call:
        return ctx.child_async(call["child"], call.get("input") or {})
    if "signal" in call:
        return ctx.wait_signal_async(call["signal"], timeout=call.get("timeout"))
    options = {k: call[k] for k in ("retry", "timeout", "on_failure", "compensate", "compensate_input",
                                    "compensate_retry") if call.get(k) is not None}
    return ctx.call(call["activity"], call.get("input"), **options)


def _fz_strict(item, out):
    """Code that trusts a step's output (an operator's skip gives it one it did not expect: the
    function raises, and the run stops at a failed ``workflow`` step)."""
    if item.get("strict"):
        return int(out["attempt"])
    return out


@workflow("fz-code", version="1")
def fz_code(ctx, data):
    """The operator model's code workflow: interprets the plan in its input."""
    done = 0
    for item in (data or {}).get("plan") or []:
        kind = item["kind"]
        if kind == "task":
            _fz_strict(item, _fz_handle(ctx, item["call"]).result())
        elif kind == "parallel":
            ctx.parallel(*[_fz_handle(ctx, call) for call in item["calls"]])
        elif kind == "signal":
            payload = ctx.wait_signal(item["name"], timeout=item.get("timeout"))
            if payload is None and item.get("late"):
                _fz_handle(ctx, item["late"]).result()
            elif isinstance(payload, dict) and payload.get("ok") is False and item.get("refuse"):
                raise ctx.Compensate(f"signal {item['name']} said no")
        elif kind == "wait":
            ctx.sleep(item["seconds"])
        elif kind == "child":
            ctx.child(item["definition"], item.get("input") or {})
        elif kind == "value":
            {"now": ctx.now, "uuid": ctx.uuid, "random": ctx.random}[item["what"]]()
        elif kind == "fail":
            raise ctx.Fail(f"the plan fails at item {done}", code="Routed")
        elif kind == "compensate":
            raise ctx.Compensate(f"the plan compensates at item {done}")
        done += 1
    return {"items": done}
