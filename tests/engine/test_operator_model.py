"""Operator-proof runs, model-based: random definitions with random faults run on a real
worker and scheduler while a hypothesis state machine acts on them as an operator would
(every action of the policy, chosen from what ``run_available_actions`` lists, edit_input tried in whatever
state a run and its steps are in, bulk actions,
a scheduler that stops and comes back, a SIGKILLed worker); after each sequence settles
the checker of tests/support/operator_model.py looks at every run. A quarter of the runs are
code runs (the code workflow ``fz-code`` of tests/support/workflows.py, a random plan in each
run's input), held to the same checker. See bench/operator_fuzz.py for the same model at scale."""
from __future__ import annotations

import collections
import random
import signal
import time

import pytest
from hypothesis import HealthCheck, Phase, settings as hypothesis_settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test

from engine.models import WorkflowRun
from engine.states import RunStatus
from tests.support import fuzz_activities
from tests.support.operator_model import CODE_WORKFLOW, Pool, Sequence, check_runs
from tests.support.users import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

POOL_SEED = 20261201
MAX_EXAMPLES = 16   # hypothesis plays a few more sequences than this (about 20-25 in all)
MAX_KILLS = 2       # worker SIGKILLs per test (a restart costs seconds)
# Workers beat often and are declared dead soon, so force_retry on a dead worker's step is reachable.
WORKER_ENV = {"FLOWDECK_BEAT_INTERVAL": "0.5"}


class Harness:
    """What the state machine drives: the pool, the operator, the processes."""

    def __init__(self, stack, pool, user):
        self.stack, self.pool, self.user = stack, pool, user
        self.worker = stack.worker(threads=8, env=WORKER_ENV)
        self.scheduler = stack.scheduler()
        self.kills = 0
        self.scheduler_paused = False
        self.examples = 0
        self.sequences: list[Sequence] = []

    def scheduler_up(self) -> None:
        if self.scheduler_paused:
            self.scheduler.kill(signal.SIGCONT)
            self.scheduler_paused = False
        if not self.scheduler.alive():
            self.scheduler = self.stack.scheduler()


@pytest.fixture
def harness(stack, settings):
    settings.FLOWDECK_WORKER_DEAD_AFTER = 5.0  # this process judges liveness (selectors, services)
    fuzz_activities.tables_create()
    pool = Pool.publish(seed=POOL_SEED, size=16, child_count=3)
    harness = Harness(stack, pool, make_user("fuzz-operator", "operator"))
    yield harness
    harness.scheduler.kill(signal.SIGCONT)  # never leave a frozen scheduler to the stack's SIGTERM
    fuzz_activities.tables_drop()


def _fail(seq: Sequence, stack) -> None:
    raise AssertionError(f"{len(seq.violations)} violation(s). Hypothesis prints the failing program below (each rule "
                         f"with its seed) and a @reproduce_failure blob; the definition pool is seed {POOL_SEED}.\n"
                         f"{seq.report()}\n{stack.logs()[-3000:]}")


def test_one_sequence_on_a_worker_settles_and_checks(harness):
    """The model end to end, once: a seeded sequence plays, settles and passes the checker."""
    seq = Sequence(seed=7, pool=harness.pool, tag="one-", user=harness.user)
    seq.play()
    if seq.violations:
        _fail(seq, harness.stack)
    assert seq.stats.runs >= 1 and seq.runs
    statuses = set(WorkflowRun.objects.filter(pk__in=seq.runs).values_list("status", flat=True))
    assert statuses <= RunStatus.TERMINAL | RunStatus.NEEDS_OPERATOR | {RunStatus.WAITING, RunStatus.RUNNING}
    assert check_runs(seq.run_ids(), user=harness.user) == []


@pytest.fixture
def fuzz_tables(transactional_db):
    fuzz_activities.tables_create()
    yield
    fuzz_activities.tables_drop()


def test_the_checker_sees_planted_violations(fuzz_tables):
    """The checker is not vacuous: a clean run passes, and each planted breakage is reported."""
    from django.db import connection

    from engine.models import RunEvent, StepRun
    from engine.services.runs import run_start
    from tests.support.flows import chain, drain, publish, task

    t = {"activity": "fuzz.step", "input": {"f": "`null`", "t": "`1`"},
         "compensation": {"activity": "fuzz.undo", "input": {"f": "`null`"}}}
    publish("planted", chain(task("a", **t), task("b", **t)))
    run, _ = run_start(definition_key="planted")
    drain(run.id)
    assert WorkflowRun.objects.get(pk=run.id).status == RunStatus.COMPLETED
    assert check_runs([run.id]) == []

    def found():
        return {v.what for v in check_runs([run.id], orphan_grace=0)}

    with connection.cursor() as cur:  # the downstream system saw b's effect twice, under another key
        cur.execute("INSERT INTO fuzz_effects (idempotency_key, run_id, node_id, kind, attempt) "
                    "VALUES (%s, %s, 'b', 'step', 1)", [f"{run.id}:b:again", str(run.id)])
    assert found() == {"side effect twice"}
    StepRun.objects.filter(run=run, node_id="b").update(status="scheduled")
    assert "open step on a terminal run" in found()
    run.refresh_from_db()
    RunEvent.objects.create(run=run, seq=run.next_seq + 5, type="step.succeeded", node_id="a",
                            payload={"kind": "node"}, created_at=run.created_at)
    assert {"event seq not gapless", "succeeded twice", "events after the end"} <= found()


def test_the_checker_sees_planted_violations_in_a_code_run(fuzz_tables):
    """The same for a code run (its graph is its steps): clean, it passes; planted, it is reported."""
    from django.db import connection

    from engine.models import StepRun
    from engine.services.runs import run_start
    from tests.support.flows import drain

    call = {"activity": "fuzz.step", "input": {"f": None, "t": 1}, "timeout": 1, "compensate": "fuzz.undo",
            "compensate_input": {"f": None, "t": 1}}
    plan = [{"kind": "task", "call": call}, {"kind": "value", "what": "uuid"},
            {"kind": "parallel", "calls": [call, {**call, "on_failure": "incident"}]}]
    run, _ = run_start(definition_key=CODE_WORKFLOW, input={"plan": plan})
    drain(run.id)
    run = WorkflowRun.objects.get(pk=run.id)
    assert run.status == RunStatus.COMPLETED and run.output == {"items": 3}
    assert sorted(StepRun.objects.filter(run=run).values_list("node_id", flat=True)) == [
        "1:fuzz.step", "2:uuid", "3:fuzz.step", "4:fuzz.step"]
    assert check_runs([run.id]) == []

    def found():
        return {v.what for v in check_runs([run.id], orphan_grace=0)}

    with connection.cursor() as cur:
        cur.execute("INSERT INTO fuzz_effects (idempotency_key, run_id, node_id, kind, attempt) "
                    "VALUES (%s, %s, '3:fuzz.step', 'step', 1)", [f"{run.id}:3:again", str(run.id)])
    assert found() == {"side effect twice"}
    run.status = RunStatus.COMPENSATED   # compensated, but nothing was undone
    run.save(update_fields=["status"])
    assert {"compensated but not undone", "status without its event"} <= found()


@pytest.mark.parametrize("action", ["retry", "retry_step", "skip"])
def test_a_workflow_step_that_fails_again_can_be_retried_or_skipped(fuzz_tables, action):
    """Found by the model (bench/operator_fuzz.py --code-share 0.7 --pool 40 --seed 1001 --sequences 700:
    seeds 1037, 1067, 1190, 1215, 1250, 1338, 1571). Code that trusts a step's output meets an operator's
    skip of that step: the function raises, the run fails at a ``workflow`` step (an incident). Every
    action the policy lists for it must apply: retrying replays on the same code, which fails there again
    (the run stays failed at that step, retryable again); skipping it replays too."""
    from engine.services.runs import run_start
    from tests.support.flows import drain
    from tests.support.operator_model import act, available_actions

    user = make_user("fuzz-operator", "operator")
    call = {"activity": "fuzz.step", "input": {"f": {"fail": 1, "err": "Fatal"}, "t": 1}, "timeout": 1,
            "retry": {"max_attempts": 1}, "on_failure": "incident"}
    plan = [{"kind": "task", "call": call, "strict": True}, {"kind": "task", "call": {**call, "input": {"f": None}}}]
    run, _ = run_start(definition_key=CODE_WORKFLOW, input={"plan": plan})
    drain(run.id)
    act(run_id=run.id, action="skip", reason="fault cleared", user=user, node_id="1:fuzz.step",
        output={"skipped": True})
    drain(run.id)
    run = WorkflowRun.objects.get(pk=run.id)
    assert run.status == RunStatus.FAILED and run.error["node_id"] == "2:workflow"
    entry = next(e for e in available_actions(run)
                 if e["action"] == action and e.get("node_id") in (None, "2:workflow"))
    assert entry["allowed"], entry
    params = {} if action == "retry" else {"node_id": "2:workflow"}
    if action == "skip":
        params["output"] = {"x": 1}
    act(run_id=run.id, action=action, reason="retry after the outage", user=user, **params)
    drain(run.id)
    run = WorkflowRun.objects.get(pk=run.id)
    # Failed again at the same point: a new workflow step there, retryable again.
    assert run.status == RunStatus.FAILED and run.error["node_id"] == "2:workflow:2"
    again = next(e for e in available_actions(run) if e["action"] == "retry_step" and e.get("node_id") == "2:workflow:2")
    assert again["allowed"], again
    assert check_runs([run.id], user=user, orphan_grace=0) == []


class OperatorMachine(RuleBasedStateMachine):
    """One example = one sequence: runs started, acted on, settled, checked. Each rule draws a seed
    for its own ``random.Random`` (what it does depends on the live system, so hypothesis must not
    see those draws); preconditions depend on the drawn rules only, never on the processes."""
    h: Harness = None  # set by the test

    def __init__(self):
        super().__init__()
        h = self.h
        h.examples += 1
        h.scheduler_up()
        self.seq = Sequence(seed=f"hypothesis#{h.examples}", pool=h.pool, tag=f"hm{h.examples:03d}-", user=h.user,
                            settle_timeout=40)
        h.sequences.append(self.seq)

    @initialize(seed=st.integers(0, 2**32 - 1))
    def start(self, seed):
        self.seq.start_run(random.Random(seed))
        self._burst(seed)

    @precondition(lambda self: len(self.seq.runs) < 3)
    @rule(seed=st.integers(0, 2**32 - 1))
    def start_another(self, seed):
        self.seq.start_run(random.Random(seed))

    def _burst(self, seed):
        """One to four operator actions, a moment apart."""
        rng = random.Random(seed)
        for _ in range(rng.randint(1, 4)):
            self.seq.operate(rng)
            time.sleep(rng.uniform(0.05, 0.4))

    @rule(seed=st.integers(0, 2**32 - 1))
    def operate(self, seed):
        self._burst(seed)

    @rule(seed=st.integers(0, 2**32 - 1))
    def operate_again(self, seed):  # twice the weight of the other rules
        self._burst(seed)

    @rule(seed=st.integers(0, 2**32 - 1))
    def bulk(self, seed):
        self.seq.bulk_act(random.Random(seed))

    @rule(seconds=st.sampled_from([0.05, 0.2, 0.5, 1.0]))
    def pause(self, seconds):
        time.sleep(seconds)

    @rule()
    def stop_scheduler(self):
        """The scheduler stops sweeping (SIGSTOP: frozen, no beats; cheaper than a restart)."""
        if not self.h.scheduler_paused:
            self.seq.note("scheduler paused (SIGSTOP)")
            self.h.scheduler.kill(signal.SIGSTOP)
            self.h.scheduler_paused = True

    @rule()
    def start_scheduler(self):
        if self.h.scheduler_paused:
            self.seq.note("scheduler resumed (SIGCONT)")
        self.h.scheduler_up()

    @rule()
    def kill_worker(self):
        if self.h.kills >= MAX_KILLS:
            return  # the test's budget of restarts is spent
        self.seq.note("worker SIGKILLed")
        self.h.kills += 1
        self.h.worker.kill()
        self.h.worker.popen.wait(5)
        self.h.worker = self.h.stack.worker(threads=8, env=WORKER_ENV)

    @rule()
    def settle_and_check(self):
        self.h.scheduler_up()
        self.seq.check(settled=self.seq.settle())
        if self.seq.violations:
            _fail(self.seq, self.h.stack)

    def teardown(self):
        self.h.scheduler_up()
        self.seq.check(settled=self.seq.settle())
        if self.seq.violations:
            _fail(self.seq, self.h.stack)


def test_operator_model(harness):
    OperatorMachine.h = harness
    started = time.monotonic()
    run_state_machine_as_test(OperatorMachine, settings=hypothesis_settings(
        max_examples=MAX_EXAMPLES, stateful_step_count=10, deadline=None, print_blob=True,
        phases=[Phase.generate], suppress_health_check=list(HealthCheck), database=None))
    sequences = harness.sequences
    actions = sum(s.stats.actions for s in sequences)
    # The model really acted: runs were started and operated on, and the checker ran on each.
    assert len(sequences) >= MAX_EXAMPLES and actions >= 2 * MAX_EXAMPLES
    assert sum(s.stats.runs for s in sequences) >= MAX_EXAMPLES
    code_runs = sum(s.stats.code_runs for s in sequences)
    assert code_runs >= 1, "no code run was started"
    print(f"operator model: {len(sequences)} sequences, {sum(s.stats.runs for s in sequences)} runs, "
          f"({code_runs} code runs), {actions} actions ({sum(s.stats.refused for s in sequences)} refused), "
          f"{harness.kills} kills, "
          f"{time.monotonic() - started:.0f}s")
    outcomes = collections.Counter()
    for s in sequences:
        outcomes.update(s.stats.outcomes)
    print("  outcomes: " + ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items())))
    # edit_input was tried on runs in several states (Sequence._probe_edit_input), applied where listed allowed.
    tried = {k.partition("@")[2] for k in outcomes if k.startswith("edit_input@")}
    assert outcomes["edit_input:applied"] >= 1 and len(tried) >= 2, outcomes


def test_edit_input_in_every_run_state_agrees_with_the_listing(ledger):
    """edit_input tried on a run in each run state (and so on steps scheduled, running' successors,
    waiting, failed, succeeded, compensating, undone): applied exactly where available_actions lists it
    allowed, refused (Conflict) elsewhere; steps done before keep what they read."""
    from engine.errors import Conflict
    from engine.models import StepRun
    from engine.services.runs import run_cancel, run_compensate, run_start
    from tests.support.flows import chain, drain, node, publish, task
    from tests.support.operator_model import act, available_actions

    user = make_user("fuzz-operator", "operator")
    undo = {"activity": "test.compensate"}
    publish("ei-gate", chain(task("charge", compensation=undo), node("approval", "signal", signal="approve"), task("ship")))
    publish("ei-fails", chain(task("a"), task("b", activity="test.boom", retry={"max_attempts": 1})))
    publish("ei-undo-fails", chain(task("a", compensation={"activity": "test.boom", "retry": {"max_attempts": 1}}),
                                   node("w", "signal", signal="go")))

    def started(key, *, run=True):
        made, _ = run_start(definition_key=key, input={"v": 1})
        if run:
            drain(made.id)
        return made.id

    runs = {"scheduled": started("ei-gate", run=False), "waiting": started("ei-gate"), "failed": started("ei-fails"),
            "completed": started("ei-fails"), "cancelled": started("ei-gate"), "compensating": started("ei-gate"),
            "compensated": started("ei-gate"), "compensation_failed": started("ei-undo-fails"),
            "code": started("code-four", run=False)}
    act(run_id=runs["completed"], action="skip", node_id="b", output={}, reason="by hand", user=user)
    drain(runs["completed"])
    run_cancel(run_id=runs["cancelled"], reason="gone")
    for key in ("compensating", "compensated", "compensation_failed"):
        run_compensate(run_id=runs[key], reason="undo")
    drain(runs["compensated"])
    drain(runs["compensation_failed"])
    seen = {}
    for name, run_id in runs.items():
        run = WorkflowRun.objects.select_related("definition", "version").get(pk=run_id)
        entry = next(e for e in available_actions(run) if e["action"] == "edit_input")
        done = dict(StepRun.objects.filter(run=run, status__in=["succeeded", "skipped"]).values_list("id", "input"))
        try:
            act(run_id=run_id, action="edit_input", input={"v": 2, "state": name}, reason="corrected", user=user)
            outcome = "applied"
        except Conflict as exc:
            outcome = "refused"
            assert str(exc) == entry["reason"], (name, str(exc), entry)
        assert outcome == ("applied" if entry["allowed"] else "refused"), (name, run.status, entry)
        after = dict(StepRun.objects.filter(pk__in=list(done)).values_list("id", "input"))
        assert after == done, name
        seen[run.status if name != "code" else "code"] = outcome
    assert seen == {"running": "applied", "waiting": "applied", "failed": "applied", "completed": "refused",
                    "cancelled": "refused", "compensating": "applied", "compensated": "refused",
                    "compensation_failed": "applied", "code": "refused"}, seen
