"""The action policy table (engine/policy.py), as tables: run and step states in, decisions out."""
import pytest

from engine import policy
from engine.policy import RunFacts, StepFacts
from engine.states import RunStatus, StepStatus


def facts(status, *steps):
    return RunFacts(status=status, steps=tuple(steps))


def s(node_id, status, kind="node", node_type="task", **kw):
    return StepFacts(node_id=node_id, kind=kind, status=status, node_type=node_type, **kw)


def allowed(f) -> set[tuple]:
    return {(e["action"], e["node_id"]) for e in policy.available(f) if e["allowed"]}


FAILED_AT_B = facts(RunStatus.FAILED, s("a", StepStatus.SUCCEEDED), s("b", StepStatus.FAILED))
CASES = [
    # (facts, the allowed (action, node) pairs)
    (FAILED_AT_B, {("retry", None), ("retry_step", "b"), ("skip", "b"), ("edit_data", None), ("edit_input", None), ("compensate", None),
                   ("cancel", None)}),
    (facts(RunStatus.RUNNING, s("a", StepStatus.RUNNING)), {("edit_data", None), ("edit_input", None), ("compensate", None),
                                                            ("cancel", None)}),
    (facts(RunStatus.RUNNING, s("a", StepStatus.RUNNING, lease_expired=True)),
     {("force_retry", "a"), ("edit_data", None), ("edit_input", None), ("compensate", None), ("cancel", None)}),
    (facts(RunStatus.RUNNING, s("a", StepStatus.RUNNING, worker_alive=False)),
     {("force_retry", "a"), ("edit_data", None), ("edit_input", None), ("compensate", None), ("cancel", None)}),
    (facts(RunStatus.RUNNING, s("a", StepStatus.SCHEDULED)),
     {("retry_step", "a"), ("skip", "a"), ("edit_data", None), ("edit_input", None), ("compensate", None), ("cancel", None)}),
    (facts(RunStatus.WAITING, s("w", StepStatus.WAITING, node_type="signal", signal="go")),
     {("signal", "w"), ("skip", "w"), ("edit_data", None), ("edit_input", None), ("compensate", None), ("cancel", None)}),
    (facts(RunStatus.COMPENSATING, s("a", StepStatus.SUCCEEDED), s("a", StepStatus.RUNNING, kind="compensation")),
     {("edit_data", None), ("edit_input", None), ("cancel", None)}),
    (facts(RunStatus.COMPENSATION_FAILED, s("a", StepStatus.SUCCEEDED), s("a", StepStatus.FAILED, kind="compensation")),
     {("retry", None), ("retry_step", "a"), ("skip", "a"), ("edit_data", None), ("edit_input", None), ("compensate", None),
      ("cancel", None)}),
    # Failed at two steps: retrying one alone would leave the other's branch stranded.
    (facts(RunStatus.FAILED, s("a", StepStatus.FAILED), s("b", StepStatus.FAILED)),
     {("retry", None), ("skip", "a"), ("skip", "b"), ("edit_data", None), ("edit_input", None), ("compensate", None), ("cancel", None)}),
    *[(facts(terminal, s("a", StepStatus.SUCCEEDED)), set()) for terminal in sorted(RunStatus.TERMINAL)],
]


@pytest.mark.parametrize("f, expected", CASES)
def test_what_is_allowed_in_each_state(f, expected):
    assert allowed(f) == expected


def test_every_refusal_says_why():
    for f, _ in CASES:
        for entry in policy.available(f):
            assert entry["allowed"] == (entry["reason"] is None)
            if not entry["allowed"]:
                assert len(entry["reason"]) > 10


def test_refusals_name_the_state():
    assert policy.refusal("retry", facts(RunStatus.COMPLETED)) == (
        "the run is completed; retry from failed step applies to a run that is failed, compensation_failed")
    assert "only a scheduled or failed step" in policy.refusal("retry_step", FAILED_AT_B, node_id="a")
    assert "has no step 'z'" in policy.refusal("skip", FAILED_AT_B, node_id="z")
    assert "b failed too" in policy.refusal("retry_step", facts(RunStatus.FAILED, s("a", StepStatus.FAILED),
                                                                 s("b", StepStatus.FAILED)), node_id="a")
    running = facts(RunStatus.RUNNING, s("a", StepStatus.RUNNING, worker="h:1:T"))
    assert "alive and within its lease" in policy.refusal("force_retry", running, node_id="a")
    waiting = facts(RunStatus.WAITING, s("w", StepStatus.WAITING, node_type="signal", signal="go"))
    assert "waits for: go" in policy.refusal("signal", waiting, signal="stop")
    assert policy.refusal("frobnicate", waiting).startswith("unknown action")


def test_a_code_runs_input_is_not_edited():
    """Its function replays from the input: another input would not match the steps it took."""
    code = RunFacts(status=RunStatus.RUNNING, steps=(s("1:a", StepStatus.RUNNING),), is_code=True)
    assert "replays from the input" in policy.refusal("edit_input", code)
    assert policy.refusal("edit_data", code) is None


def test_each_action_is_in_the_table_once_with_its_effect():
    assert set(policy.ACTIONS) == {"retry", "retry_step", "force_retry", "skip", "edit_data", "edit_input",
                                   "compensate", "cancel", "signal"}
    for rule in policy.RULES.values():
        assert rule.effect and rule.label and rule.run_statuses <= set(RunStatus.ALL)
        assert not (rule.run_statuses & RunStatus.TERMINAL)
