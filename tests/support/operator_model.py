"""The operator model: random definitions, random faults, random operator actions at random
moments, and a checker of what every run looks like once things settle.

Plain code shared by tests/engine/test_operator_model.py (a hypothesis state machine on one
worker) and bench/operator_fuzz.py (thousands of sequences, workers SIGKILLed).

- ``Pool``: definitions drawn from a seed (``spec_generate``) and published once: sequences of
  tasks, choices, parallels with ``all`` and ``first`` joins, signals with and without a timeout
  (and a ``timeout`` edge), short waits, subworkflows of small child definitions, compensations,
  retry policies with short intervals, 1-2 s timeouts (a few slow steps with 8-10 s, so a killed
  worker leaves something to force-retry), ``non_retryable_errors`` and ``on_failure``. Faults are
  not in the definition but in each run's input (``run_input``), read by the activities of
  tests/support/fuzz_activities.py: fail k attempts (retryable or not, or until an operator edits
  the data), hang past the timeout, sleep.
- Code runs: a share of the runs (``Pool.code_share``, 1 in 4) are runs of the code workflow
  ``fz-code`` (tests/support/workflows.py), which does what the plan in its run input says
  (``code_run_input``): tasks with the same faults, policies and compensations as graph tasks,
  parallel calls, signals, sleeps, child runs of the pool's child definitions, recorded values,
  ctx.Fail / ctx.Compensate, and code that a skip breaks (a failed ``workflow`` step). The checker
  holds them to the same invariants; their graph is their steps' nodes (``graph_for_run``).
- ``Sequence``: a few runs of the pool and an operator acting on them: every action of the policy
  (engine/policy.py), chosen from what ``run_available_actions`` lists (mostly allowed ones,
  sometimes refused ones, sometimes malformed ones), and bulk actions on the sequence's runs; then
  ``settle`` and ``check``. ``play_steps``, ``settle_steps`` and ``check_runs_steps`` are
  generators that yield how long to wait, so the bench plays hundreds of sequences on a few
  threads; ``play``, ``settle``, ``check_runs`` (``drive``) are the same, blocking.
- ``check_runs``: the invariants on settled runs, each broken one a ``Violation`` with a short
  ``what``: a run is terminal, or needs an operator who has something to do, or waits on an open
  step its why panel names (a join waiting with nothing open upstream is "stranded"; a parent
  waiting on an ended child, "not resumed"); no open step on a terminal run and no event after
  its terminal event; gapless ``RunEvent.seq``; each node succeeded at most once, never with the
  result of an older attempt; compensations only of what succeeded, at most once, in reverse
  completion order, all of them when the run ends compensated; ``on_failure`` followed; the
  downstream ledger: one effect per step (a stable idempotency key), none missing for a succeeded
  step, no attempt executed twice or without a claim; no child run left going by its parent;
  operator events with the acting user and a reason. During the sequence, ``available_actions``
  must agree with the services (an allowed action is not refused unless the run moved on; a
  refused one raises Conflict), malformed calls raise InvalidInput, and no action crashes.

The engine is reached through ``act``, ``available_actions``, ``bulk`` and ``why`` only.
"""
from __future__ import annotations

import collections
import dataclasses
import json
import random
import socket
import time
import uuid

from django.db import connection
from django.db.models import Q

from engine import nodes
from engine.errors import Conflict, EngineError, InvalidInput, NotFound
from engine.graphs import graph_for_run
from engine.models import RunEvent, StepRun, WorkflowRun
from engine.states import RunStatus, StepStatus

ACTIONS = ("retry", "retry_step", "force_retry", "skip", "edit_data", "edit_input", "compensate", "cancel", "signal")
BULK_ACTIONS = ("retry", "cancel", "compensate")
STEP_ACTIONS = ("retry_step", "force_retry", "skip")
TERMINAL_EVENTS = {"run.completed": "completed", "run.compensated": "compensated", "run.cancelled": "cancelled",
                   "run.aborted": "aborted"}
STATUS_EVENTS = {"run.started", "run.running", "run.waiting", "run.failed", "compensation.started",
                 "run.compensation_failed", *TERMINAL_EVENTS}
REASONS = ("fault cleared", "customer called", "retry after the outage", "ops: INC-4711", "données corrigées",
           "x", "looks fine now 👍", "a long reason " + "very " * 40 + "long", "manual fix", "per runbook §3")


# --------------------------------------------------------------------------------------------
# The API we drive: one adapter each

def act(*, run_id, action: str, reason: str, user=None, node_id=None, kind=None, output=None, signal=None,
        payload=None, data=None, input=None):
    """``engine.services.actions.run_act``: the one door of every operator action."""
    from engine.services.actions import run_act
    return run_act(run_id=run_id, action=action, reason=reason, user=user, node_id=node_id, kind=kind,
                   output=output, signal=signal, payload=payload, data=data, input=input)


def available_actions(run) -> list[dict]:
    """``engine.selectors.run_available_actions``: the policy the services enforce."""
    from engine.selectors import run_available_actions
    return list(run_available_actions(run=run))


def bulk(*, action: str, filters, user, reason: str, limit: int = 1000) -> dict:
    from engine.services.bulk import bulk_apply
    return bulk_apply(action=action, filters=filters, user=user, reason=reason, limit=limit)


def why(run) -> list[str]:
    from engine.selectors import run_why
    return list(run_why(run=run))


def on_failure_supported() -> bool:
    """Does the validator accept ``on_failure`` (docs/spec.md)?"""
    from engine.spec.validate import validate_spec
    spec = {"schema_version": 1, "nodes": [{"id": "start", "type": "start"},
                                           {"id": "t", "type": "task", "activity": "fuzz.step", "on_failure": "fail"},
                                           {"id": "end", "type": "end"}],
            "edges": [{"id": "e1", "source": "start", "target": "t"}, {"id": "e2", "source": "t", "target": "end"}]}
    return not validate_spec(spec)


# --------------------------------------------------------------------------------------------
# Definitions

@dataclasses.dataclass
class Definition:
    key: str
    spec: dict
    tasks: list[str]                       # task node ids (their faults come from input.faults)
    slow: list[str]                        # of which those with a long timeout (faults: sleeps only)
    compensated: list[str]                 # task node ids with a compensation (input.cfaults)
    choices: dict[str, list[str]]          # choice node id -> its rule ids (input.route)
    subs: dict[str, str]                   # subworkflow node id -> child definition key (input.child)
    loops: list[str] = dataclasses.field(default_factory=list)   # loop node ids (input.loops: its task's fault)
    maps: list[str] = dataclasses.field(default_factory=list)    # map node ids (input.maps: a fault per item)


class _Builder:
    """Blocks of nodes: each returns (entry node id, exits: [(node id, branch)] to connect to what follows)."""

    def __init__(self, rng: random.Random, *, children: list[str], on_failure: bool, budget: int):
        self.rng, self.children, self.on_failure, self.budget = rng, children, on_failure, budget
        self.nodes: list[dict] = [{"id": "start", "type": "start"}]
        self.edges: list[dict] = []
        self.count = 0
        self.tasks: list[str] = []
        self.slow: list[str] = []
        self.compensated: list[str] = []
        self.choices: dict[str, list[str]] = {}
        self.subs: dict[str, str] = {}
        self.loops: list[str] = []
        self.maps: list[str] = []

    def _id(self, prefix: str) -> str:
        self.count += 1
        self.budget -= 1
        return f"{prefix}{self.count}"

    def edge(self, source: str, target: str, branch: str = "next") -> None:
        e = {"id": f"e{len(self.edges) + 1}", "source": source, "target": target}
        if branch != "next":
            e["branch"] = branch
        self.edges.append(e)

    def connect(self, exits, target: str) -> None:
        for source, branch in exits:
            self.edge(source, target, branch)

    def retry(self) -> dict:
        rng = self.rng
        initial = round(rng.uniform(0.05, 0.3), 3)
        policy = {"max_attempts": rng.randint(1, 4), "initial_interval": initial,
                  "backoff_coefficient": rng.choice([1, 1.5, 2]), "max_interval": round(initial * rng.choice([1, 2]), 3),
                  "jitter": rng.choice([0, 0.1, 0.3])}
        if rng.random() < 0.6:
            policy["non_retryable_errors"] = ["Fatal"]
        return policy

    def policy(self, node: dict, weights=(("compensate", 2), ("incident", 2), ("fail", 1))) -> None:
        if self.on_failure and self.rng.random() < 0.7:
            names, w = zip(*weights)
            node["on_failure"] = self.rng.choices(names, w)[0]

    def task(self) -> tuple[str, list]:
        node_id = self._id("t")
        # A slow step now and then (its faults only sleep): a worker SIGKILLed meanwhile leaves it running
        # with a lease long enough for an operator to force-retry it once the worker is known dead.
        slow = self.rng.random() < 0.1
        timeout = self.rng.choice([8, 10]) if slow else self.rng.choice([1, 1, 1.5, 2])
        if slow:
            self.slow.append(node_id)
        node = {"id": node_id, "type": "task", "activity": "fuzz.step", "timeout": timeout, "retry": self.retry(),
                "input": {"f": f"input.faults.{node_id}", "fix": "data.fix", "t": f"`{timeout}`"}}
        if self.rng.random() < 0.5:
            node["compensation"] = {"activity": "fuzz.undo", "retry": self.retry(),
                                    "input": {"f": f"input.cfaults.{node_id}", "fix": "data.fix", "t": f"`{timeout}`"}}
            self.compensated.append(node_id)
        self.policy(node)
        self.nodes.append(node)
        self.tasks.append(node_id)
        return node_id, [(node_id, "next")]

    def wait(self) -> tuple[str, list]:
        node_id = self._id("w")
        self.nodes.append({"id": node_id, "type": "wait", "seconds": self.rng.choice([0.1, 0.2, 0.4])})
        return node_id, [(node_id, "next")]

    def signal(self) -> tuple[str, list]:
        node_id = self._id("s")
        node = {"id": node_id, "type": "signal", "signal": f"go.{node_id}"}
        variant = self.rng.choice(["plain", "plain", "timeout", "timeout_edge"])
        self.nodes.append(node)
        if variant == "plain":
            return node_id, [(node_id, "next")]
        node["timeout"] = self.rng.choice([0.5, 1, 1.5])
        if variant == "timeout":
            self.policy(node)  # a timeout without a timeout edge fails the step
            return node_id, [(node_id, "next")]
        late, exits = self.task()
        self.edge(node_id, late, "timeout")
        return node_id, [(node_id, "next"), *exits]

    def subworkflow(self) -> tuple[str, list]:
        if not self.children:
            return self.task()
        node_id = self._id("sub")
        key = self.rng.choice(self.children)
        node = {"id": node_id, "type": "subworkflow", "definition": key, "input": f"input.child.{node_id}"}
        self.policy(node)
        self.nodes.append(node)
        self.subs[node_id] = key
        return node_id, [(node_id, "next")]

    def loop(self) -> tuple[str, list]:
        """A loop of 1 to 3 iterations of one task (its fault: input.loops); its condition holds at a drawn
        iteration, or (drawn = max_iterations) never: LoopLimitReached."""
        rng = self.rng
        node_id = self._id("l")
        most = rng.randint(1, 3)
        inner = {"id": "t", "type": "task", "activity": "fuzz.step", "timeout": 1, "retry": self.retry(),
                 "input": {"f": "input.f", "fix": "input.fix", "t": "`1`"}}
        self.policy(inner)
        node = {"id": node_id, "type": "loop", "max_iterations": most, "delay": rng.choice([0, 0.1]),
                "until": {"field": "iteration.index", "op": "gte", "value": rng.randint(0, most)},
                "input": {"f": f"input.loops.{node_id}", "fix": "data.fix"},
                "flow": {"nodes": [{"id": "start", "type": "start"}, inner, {"id": "end", "type": "end"}],
                         "edges": [{"id": "e1", "source": "start", "target": "t"},
                                   {"id": "e2", "source": "t", "target": "end"}]}}
        self.policy(node)
        self.nodes.append(node)
        self.loops.append(node_id)
        return node_id, [(node_id, "next")]

    def map(self) -> tuple[str, list]:
        """A map of one task (half the time with a compensation) over 1 to 4 items (input.maps: each item its
        task's fault and its compensation's), 1 to 3 at once, tolerating 0, 1 or half of the failures."""
        rng = self.rng
        node_id = self._id("m")
        inner = {"id": "t", "type": "task", "activity": "fuzz.step", "timeout": 1, "retry": self.retry(),
                 "input": {"f": "input.f", "fix": "input.fix", "t": "`1`"}}
        if rng.random() < 0.5:   # undone item by item when the run compensates
            inner["compensation"] = {"activity": "fuzz.undo", "retry": self.retry(),
                                     "input": {"f": "input.cf", "fix": "input.fix", "t": "`1`"}}
        self.policy(inner)
        node = {"id": node_id, "type": "map", "items": f"input.maps.{node_id}", "max_concurrency": rng.randint(1, 3),
                "tolerated_failures": rng.choice([0, 1, "50%"]),
                "input": {"f": "item.value.f", "cf": "item.value.cf", "fix": "data.fix"},
                "flow": {"nodes": [{"id": "start", "type": "start"}, inner, {"id": "end", "type": "end"}],
                         "edges": [{"id": "e1", "source": "start", "target": "t"},
                                   {"id": "e2", "source": "t", "target": "end"}]}}
        self.policy(node)
        self.nodes.append(node)
        self.maps.append(node_id)
        return node_id, [(node_id, "next")]

    def sequence(self, depth: int, in_parallel: bool) -> tuple[str, list]:
        entry, exits = self.block(depth, in_parallel)
        for _ in range(self.rng.randint(1, 2)):
            if self.budget <= 0 or not exits:
                break
            nxt, nxt_exits = self.block(depth, in_parallel)
            self.connect(exits, nxt)
            exits = nxt_exits
        return entry, exits

    def choice(self, depth: int, in_parallel: bool) -> tuple[str, list]:
        node_id = self._id("c")
        rules = [f"r{i}" for i in range(1, self.rng.randint(1, 2) + 1)]
        self.nodes.append({"id": node_id, "type": "choice", "rules": [
            {"id": r, "condition": {"field": f"input.route.{node_id}", "op": "eq", "value": r}} for r in rules]})
        self.choices[node_id] = rules
        exits = []
        for branch in [*rules, "default"]:
            if not in_parallel and branch != "default" and self.rng.random() < 0.15:
                fail_id = self._id("f")
                self.nodes.append({"id": fail_id, "type": "fail", "error": f"routed to {fail_id}", "code": "Routed"})
                self.edge(node_id, fail_id, branch)
                continue
            entry, branch_exits = self.block(depth - 1, in_parallel)
            self.edge(node_id, entry, branch)
            exits += branch_exits
        return node_id, exits

    def parallel(self, depth: int) -> tuple[str, list]:
        fork, join = self._id("p"), self._id("j")
        self.nodes.append({"id": fork, "type": "parallel"})
        empty = False
        for _ in range(self.rng.randint(2, 3)):
            if not empty and self.rng.random() < 0.2:
                empty = True
                self.edge(fork, join)
                continue
            entry, exits = self.block(depth - 1, True)
            self.edge(fork, entry)
            self.connect(exits, join)
        self.nodes.append({"id": join, "type": "join", "fork": fork, "mode": self.rng.choice(["all", "all", "first"])})
        return fork, [(join, "next")]

    def block(self, depth: int, in_parallel: bool) -> tuple[str, list]:
        kinds = [("task", 10), ("signal", 2), ("wait", 1), ("subworkflow", 2 if self.children else 0),
                 ("loop", 1 if self.children else 0), ("map", 1 if self.children else 0)]
        if depth > 0 and self.budget > 2:
            kinds += [("sequence", 3), ("choice", 3), ("parallel", 3)]
        names, weights = zip(*kinds)
        kind = self.rng.choices(names, weights)[0]
        if kind in ("sequence", "choice"):
            return getattr(self, kind)(depth, in_parallel)
        if kind == "parallel":
            return self.parallel(depth)
        return getattr(self, kind)()

    def build(self, depth: int) -> dict:
        entry, exits = self.sequence(depth, False)
        self.edge("start", entry)
        self.nodes.append({"id": "end", "type": "end"})
        self.connect(exits, "end")
        return {"schema_version": 1, "nodes": self.nodes, "edges": self.edges}


def spec_generate(rng: random.Random, *, children: list[str] = (), on_failure: bool = True,
                  child: bool = False) -> _Builder:
    """A random valid definition (a child definition: one or two tasks, nothing nested)."""
    if child:
        builder = _Builder(rng, children=[], on_failure=on_failure, budget=0)
        entry, exits = builder.task()
        if rng.random() < 0.5:
            nxt, nxt_exits = builder.task()
            builder.connect(exits, nxt)
            exits = nxt_exits
        builder.edge("start", entry)
        builder.nodes.append({"id": "end", "type": "end"})
        builder.connect(exits, "end")
        builder.spec = {"schema_version": 1, "nodes": builder.nodes, "edges": builder.edges}
        return builder
    builder = _Builder(rng, children=list(children), on_failure=on_failure, budget=rng.randint(3, 9))
    builder.spec = builder.build(depth=2)
    return builder


class Pool:
    """Definitions published once and reused by every sequence."""

    def __init__(self, definitions: list[Definition], children: dict[str, Definition], seed: int, *,
                 on_failure: bool = True, code: bool = False, code_share: float = 0.25):
        self.definitions, self.children, self.seed = definitions, children, seed
        self.by_key = {d.key: d for d in [*definitions, *children.values()]}
        self.on_failure = on_failure
        # Code runs (CODE_WORKFLOW, its plan in each run's input): this share of the runs started.
        self.code_share = code_share if code else 0.0

    @classmethod
    def publish(cls, *, seed: int, size: int, child_count: int = 4, prefix: str = "fz",
                code_share: float = 0.25) -> "Pool":
        from engine.services.definitions import definition_create, version_publish
        from engine.spec.validate import validate_spec
        rng = random.Random(seed)
        on_failure = on_failure_supported()

        def make(key: str, builder: _Builder) -> Definition:
            errors = validate_spec(builder.spec)
            if errors:  # a generator bug: say so plainly
                raise AssertionError(f"generated spec {key} is invalid: {errors[:3]}\n{json.dumps(builder.spec)}")
            definition = definition_create(key=key, name=key, spec=builder.spec)
            version_publish(definition=definition, number=1)
            return Definition(key, builder.spec, builder.tasks, builder.slow, builder.compensated, builder.choices,
                              builder.subs, builder.loops, builder.maps)

        children = {}
        for i in range(child_count):
            key = f"{prefix}-child-{i}"
            children[key] = make(key, spec_generate(rng, on_failure=on_failure, child=True))
        definitions = [make(f"{prefix}-def-{i}", spec_generate(rng, children=list(children), on_failure=on_failure))
                       for i in range(size)]
        return cls(definitions, children, seed, on_failure=on_failure, code=code_supported(), code_share=code_share)


# --------------------------------------------------------------------------------------------
# Faults (in each run's input)

def _fault(rng: random.Random, *, compensation: bool = False) -> dict | None:
    r = rng.random()
    if compensation:
        if r < 0.75:
            return None
        if r < 0.95:
            return {"fail": rng.randint(1, 3), "err": "Transient"}
        return {"fail": 99, "err": rng.choice(["Transient", "Fatal"]), "fixable": True}
    if r < 0.38:
        return None
    if r < 0.62:
        return {"fail": rng.randint(1, 4), "err": "Transient"}
    if r < 0.74:
        return {"fail": rng.randint(1, 2), "err": "Fatal"}
    if r < 0.84:
        return {"fail": 99, "err": rng.choice(["Transient", "Fatal"]), "fixable": True}
    if r < 0.93:
        return {"hang": 1, "over": round(rng.uniform(0.3, 1.0), 2)}
    return {"sleep": round(rng.uniform(0.05, 0.4), 2)}


def _faults_for(rng: random.Random, definition: Definition) -> dict:
    slow = {t: (None if rng.random() < 0.4 else {"sleep": round(rng.uniform(1.0, 3.0), 2)}) for t in definition.slow}
    return {"faults": {t: slow[t] if t in slow else _fault(rng) for t in definition.tasks},
            "cfaults": {t: _fault(rng, compensation=True) for t in definition.compensated},
            "route": {c: rng.choice([*rules, "none"]) for c, rules in definition.choices.items()}}


def _edited_input(rng: random.Random, current: dict) -> dict:
    """An operator's correction of a run's input: faults cleared (the customer fixed the address),
    a note added, or another route for the choices not taken yet."""
    edited = json.loads(json.dumps(current))
    r = rng.random()
    if r < 0.5 and isinstance(edited.get("faults"), dict):
        edited["faults"] = {node: None for node in edited["faults"]}
    elif r < 0.8 or not isinstance(edited.get("route"), dict) or not edited["route"]:
        edited["note"] = rng.choice(["corrigé", "address fixed", "x" * 50])
    else:
        choice = rng.choice(sorted(edited["route"]))
        edited["route"][choice] = "none"
    return edited


def run_input(rng: random.Random, definition: Definition, pool: Pool) -> dict:
    data = _faults_for(rng, definition)
    data["child"] = {sub: _faults_for(rng, pool.children[key]) for sub, key in definition.subs.items()}
    data["loops"] = {loop: _fault(rng) for loop in definition.loops}
    data["maps"] = {node: [{"f": _fault(rng), "cf": _fault(rng, compensation=True)} for _ in range(rng.randint(1, 4))]
                    for node in definition.maps}
    return data


# --------------------------------------------------------------------------------------------
# Code runs: one registered code workflow, its plan (and its faults) in each run's input

CODE_WORKFLOW = "fz-code"   # tests/support/workflows.py: interprets input.plan
# Code tasks whose output the function trusts (a skip of one makes the function raise: a failed
# ``workflow`` step, which the operator then retries, skips, compensates or cancels).
STRICT_SHARE = 0.3


def code_supported() -> bool:
    """Is the model's code workflow registered in this process (FLOWDECK_WORKFLOW_MODULES)?"""
    from engine.workflows import lookup
    return lookup(CODE_WORKFLOW, "1") is not None


class _CodePlanner:
    """A random plan for CODE_WORKFLOW, drawn like a graph definition and its faults at once: tasks
    (the same timeouts, retry policies, slow steps, compensations, on_failure and faults as graph
    tasks), parallel calls (tasks, children and signals joined together), signals with and without
    a timeout (a late task when it passes; a "no" that makes the function compensate), short
    sleeps, child runs of the pool's child definitions, recorded values, ctx.Fail and
    ctx.Compensate, and code that trusts a step's output (a skip makes it raise: a ``workflow``
    step fails). Node ids are the positions the calls take ("3:fuzz.step", "4:signal:go.c2")."""

    def __init__(self, rng: random.Random, pool: "Pool"):
        self.rng, self.pool = rng, pool
        self.policies = _Builder(rng, children=[], on_failure=pool.on_failure, budget=0)
        self.n = 0

    def task(self) -> dict:
        rng = self.rng
        slow = rng.random() < 0.1
        timeout = rng.choice([8, 10]) if slow else rng.choice([1, 1, 1.5, 2])
        if slow:
            fault = None if rng.random() < 0.4 else {"sleep": round(rng.uniform(1.0, 3.0), 2)}
        else:
            fault = _fault(rng)
        # No "fix": a code function reads its input and step outputs, never the run's data, so an
        # operator's edit_data cannot clear a fixable fault here; skip (or give up) is the way out.
        call = {"activity": "fuzz.step", "input": {"f": fault, "t": timeout}, "timeout": timeout,
                "retry": self.policies.retry()}
        if rng.random() < 0.5:
            call.update(compensate="fuzz.undo", compensate_input={"f": _fault(rng, compensation=True), "t": timeout},
                        compensate_retry=self.policies.retry())
        if self.pool.on_failure and rng.random() < 0.7:
            call["on_failure"] = rng.choices(["compensate", "incident", "fail"], [2, 2, 1])[0]
        return call

    def child(self) -> dict:
        key = self.rng.choice(sorted(self.pool.children))
        return {"child": key, "input": _faults_for(self.rng, self.pool.children[key])}

    def signal_name(self) -> str:
        self.n += 1
        return f"go.c{self.n}"

    def item(self, last: bool) -> dict:
        rng = self.rng
        kinds = [("task", 10), ("signal", 2), ("wait", 1), ("child", 2 if self.pool.children else 0),
                 ("parallel", 3), ("value", 1), ("fail", 0.4 if last else 0), ("compensate", 0.4 if last else 0)]
        names, weights = zip(*kinds)
        kind = rng.choices(names, weights)[0]
        if kind == "task":
            return {"kind": "task", "call": self.task(), "strict": rng.random() < STRICT_SHARE}
        if kind == "signal":
            item = {"kind": "signal", "name": self.signal_name(), "refuse": rng.random() < 0.3}
            variant = rng.choice(["plain", "plain", "timeout", "timeout_late"])
            if variant != "plain":
                item["timeout"] = rng.choice([0.5, 1, 1.5])
            if variant == "timeout_late":
                item["late"] = self.task()
            return item
        if kind == "wait":
            return {"kind": "wait", "seconds": rng.choice([0.1, 0.2, 0.4])}
        if kind == "child":
            child = self.child()
            return {"kind": "child", "definition": child["child"], "input": child["input"]}
        if kind == "parallel":
            calls = []
            for _ in range(rng.randint(2, 3)):
                r = rng.random()
                if r < 0.15 and self.pool.children:
                    calls.append(self.child())
                elif r < 0.25:
                    calls.append({"signal": self.signal_name(), **({"timeout": 1} if rng.random() < 0.5 else {})})
                else:
                    calls.append(self.task())
            return {"kind": "parallel", "calls": calls}
        if kind == "value":
            return {"kind": "value", "what": rng.choice(["now", "uuid", "random"])}
        return {"kind": kind}

    def plan(self) -> list[dict]:
        count = self.rng.randint(1, 5)
        return [self.item(last=i == count - 1) for i in range(count)]


def code_run_input(rng: random.Random, pool: "Pool") -> dict:
    return {"plan": _CodePlanner(rng, pool).plan()}


def code_plan_signals(data) -> list[str]:
    """The signals a code run's plan may wait for (its function does not tell the policy ahead)."""
    names = []
    plan = data.get("plan") if isinstance(data, dict) else None
    for item in plan or []:
        if item.get("kind") == "signal":
            names.append(item["name"])
        for call in item.get("calls") or []:
            if "signal" in call:
                names.append(call["signal"])
    return names


# --------------------------------------------------------------------------------------------
# Violations

@dataclasses.dataclass
class Violation:
    seed: object
    run_id: str | None
    what: str
    detail: str

    def __str__(self):
        return f"[seed {self.seed}] run {self.run_id}: {self.what}: {self.detail}"


@dataclasses.dataclass
class Stats:
    sequences: int = 0
    runs: int = 0
    code_runs: int = 0
    actions: int = 0
    refused: int = 0
    probes: int = 0
    bulk: int = 0
    per_action: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    outcomes: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    statuses: collections.Counter = dataclasses.field(default_factory=collections.Counter)

    def merge(self, other: "Stats") -> None:
        for f in ("sequences", "runs", "code_runs", "actions", "refused", "probes", "bulk"):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        self.per_action.update(other.per_action)
        self.outcomes.update(other.outcomes)
        self.statuses.update(other.statuses)


# --------------------------------------------------------------------------------------------
# A sequence: runs and an operator

_ACTION_WEIGHTS = {"retry": 5, "retry_step": 4, "force_retry": 6, "skip": 3, "edit_data": 2, "edit_input": 2,
                   "signal": 5, "compensate": 1.5, "cancel": 1}
EDIT_INPUT_PROBE = 0.15   # besides the drawn action, try edit_input on the run: every run and step state sees it


class Sequence:
    def __init__(self, *, seed, pool: Pool, tag: str, user=None, rng: random.Random | None = None,
                 settle_timeout: float = 30.0, quiet: float = 0.6):
        self.seed, self.pool, self.tag, self.user = seed, pool, tag, user
        self.rng = rng if rng is not None else random.Random(seed)
        self.settle_timeout, self.quiet = settle_timeout, quiet
        self.runs: list[str] = []
        self.log: list[str] = []
        self.violations: list[Violation] = []
        self._seen: set[tuple] = set()
        self.stats = Stats(sequences=1)
        self._k = 0

    # --- bookkeeping
    def note(self, text: str) -> None:
        self.log.append(f"{time.strftime('%H:%M:%S')} {text}")

    def violation(self, run_id, what: str, detail: str) -> None:
        key = (str(run_id), what, detail[:80])
        if key in self._seen:
            return
        self._seen.add(key)
        self.violations.append(Violation(self.seed, str(run_id) if run_id else None, what, detail))

    def statuses(self) -> dict[str, str]:
        """The sequence's runs and their child runs, with their status (one query)."""
        if not self.runs:
            return {}
        rows = WorkflowRun.objects.filter(Q(pk__in=self.runs) | Q(parent_run_id__in=self.runs)).values_list(
            "id", "status")
        found = {str(i): status for i, status in rows}
        return {**{r: found.get(r) for r in self.runs}, **found}

    def run_ids(self) -> list[str]:
        """The sequence's runs and their child runs."""
        return list(self.statuses())

    def _reason(self, rng) -> str:
        self._k += 1
        return f"{rng.choice(REASONS)} [{self.tag}{self._k}]"

    # --- runs
    def start_run(self, rng: random.Random | None = None) -> str:
        from engine.services.runs import run_start
        rng = rng or self.rng
        if self.pool.code_share and rng.random() < self.pool.code_share:
            key, data = CODE_WORKFLOW, code_run_input(rng, self.pool)
            self.stats.code_runs += 1
        else:
            definition = rng.choice(self.pool.definitions)
            key, data = definition.key, run_input(rng, definition, self.pool)
        run, _ = run_start(definition_key=key, input=data, business_key=f"{self.tag}{len(self.runs)}",
                           user=self.user, reason="fuzz start")
        self.runs.append(str(run.id))
        self.stats.runs += 1
        self.note(f"start {key} -> run {run.id}" + (f" plan {json.dumps(data['plan'])[:300]}"
                                                   if key == CODE_WORKFLOW else ""))
        return str(run.id)

    # --- one operator action
    def operate(self, rng: random.Random | None = None) -> None:
        rng = rng or self.rng
        statuses = self.statuses()
        ids = list(statuses)
        if not ids:
            return
        live = [i for i, status in statuses.items() if status not in RunStatus.TERMINAL]
        if not live and rng.random() < 0.7:
            return  # everything ended: check a refusal now and then only
        run_id = rng.choice(live if live and rng.random() < 0.85 else ids)  # mostly a run that can still move
        r = rng.random()
        if r < 0.03:
            return self._probe_not_found(rng)
        if r < 0.07:
            return self._probe_malformed(rng, run_id)
        if r < 0.07 + EDIT_INPUT_PROBE:
            return self._probe_edit_input(rng, run_id)
        entry, kwargs = None, None
        for again in range(2):  # a refusal of an allowed action after the run moved on: look again, once
            run = WorkflowRun.objects.select_related("definition", "version").filter(pk=run_id).first()
            seq0 = run.next_seq
            entries = available_actions(run)
            if again:  # the same action, if it is still offered
                entry = next((e for e in entries if (e["action"], e.get("node_id"), e.get("kind"), e.get("signal"))
                              == (entry["action"], entry.get("node_id"), entry.get("kind"), entry.get("signal"))
                              and e["allowed"]), None)
                if entry is None:
                    return
            else:
                allowed = [e for e in entries if e["allowed"]]
                refused = [e for e in entries if not e["allowed"]]
                pool = allowed if allowed and (not refused or rng.random() < 0.8) else refused
                if not pool:
                    return
                entry = rng.choices(pool, [_ACTION_WEIGHTS.get(e["action"], 1) for e in pool])[0]
                kwargs = self._params(rng, run, entry)
            if self._try(run, seq0, entry, kwargs, rng) != "moved":
                return

    def _try(self, run, seq0: int, entry: dict, kwargs: dict, rng) -> str:
        """Apply one listed action and hold the outcome against the listing: applied, refused, moved, error."""
        run_id = str(run.id)
        reason = self._reason(rng)
        self.stats.actions += 1
        self.stats.per_action[entry["action"]] += 1
        label = f"{entry['action']}({entry.get('node_id') or ''}{'/' + entry['kind'] if entry.get('kind') else ''})"
        done_inputs = self._done_inputs(run_id) if entry["action"] == "edit_input" else None
        try:
            act(run_id=run_id, action=entry["action"], reason=reason, user=self.user, **kwargs)
        except Conflict as exc:
            self.stats.refused += 1
            self.note(f"{label} on {run_id} [{run.status}, listed {entry['allowed']}] -> Conflict: {exc}")
            if not entry["allowed"]:
                self.stats.outcomes[f"{entry['action']}:refused"] += 1
                return "refused"
            if not self._moved(run_id, seq0):
                self.violation(run_id, "policy allows, service refuses",
                               f"{label} listed allowed at seq {seq0} (run {run.status}) but refused: {exc}")
                return "error"
            self.stats.outcomes[f"{entry['action']}:moved"] += 1  # listed allowed; the run moved on before the action
            return "moved"
        except (InvalidInput, NotFound) as exc:  # the entry names this run and its steps, and is well formed
            self.note(f"{label} on {run_id} -> {type(exc).__name__}: {exc}")
            self.stats.outcomes[f"{entry['action']}:{type(exc).__name__}"] += 1
            self.violation(run_id, "well-formed action rejected", f"{label} (listed {entry['allowed']}) "
                           f"raised {type(exc).__name__}: {exc}")
            return "error"
        except Exception as exc:  # anything but the engine's errors is a bug
            self.note(f"{label} on {run_id} -> CRASH {type(exc).__name__}: {exc}")
            self.violation(run_id, "action crashed", f"{label}: {type(exc).__name__}: {exc}")
            self._reset_connection()
            return "error"
        self.stats.outcomes[f"{entry['action']}:applied"] += 1
        self.note(f"{label} on {run_id} [{run.status}, listed {entry['allowed']}] -> applied")
        if entry["action"] == "force_retry":
            self._check_force_retry(run_id, reason)
        if entry["action"] == "edit_input":
            self._check_edit_input(run_id, reason, kwargs["input"], done_inputs)
        if not entry["allowed"] and not self._moved_before_ours(run_id, seq0, reason) \
                and not self._time_moved(entry, run_id, reason):
            self.violation(run_id, "policy refuses, service applies",
                           f"{label} listed refused ({entry.get('reason')}) at seq {seq0} (run {run.status}) "
                           f"but the service applied it")
            return "error"
        return "applied"

    def _params(self, rng, run, entry) -> dict:
        action = entry["action"]
        kwargs = {}
        if entry.get("node_id") and action in STEP_ACTIONS:
            kwargs["node_id"] = entry["node_id"]
            if entry.get("kind"):
                kwargs["kind"] = entry["kind"]
        if action == "skip":
            kwargs["output"] = {"skipped": True, "n": rng.randint(0, 9)}
        elif action == "edit_data":
            r = rng.random()
            kwargs["data"] = ({**(run.data or {}), "fix": True} if r < 0.7 else {} if r < 0.85
                              else {**(run.data or {}), "fix": False, "note": "édité"})
        elif action == "edit_input":
            kwargs["input"] = _edited_input(rng, run.input or {})
        elif action == "signal":
            # A code run's listing names only the signals its steps wait for now (the function says
            # which come next): now and then send one its plan waits for later (kept until then).
            ahead = code_plan_signals(run.input) if run.definition.key == CODE_WORKFLOW else []
            kwargs["signal"] = entry.get("signal") or (rng.choice(ahead) if ahead and rng.random() < 0.7
                                                       else "go.nowhere")
            kwargs["payload"] = {"ok": rng.random() < 0.8, "by": "fuzz"}
        return kwargs

    def _moved(self, run_id, seq0: int) -> bool:
        return WorkflowRun.objects.filter(pk=run_id).values_list("next_seq", flat=True).first() != seq0

    def _moved_before_ours(self, run_id, seq0: int, reason: str) -> bool:
        """Did anything happen to the run between our snapshot and our action's first event?"""
        first = RunEvent.objects.filter(run_id=run_id, seq=seq0).values_list("reason", flat=True).first()
        return first is None or reason not in (first or "")

    def _time_moved(self, entry, run_id, reason: str) -> bool:
        """force_retry depends on the clock too (a lease running out, a worker declared dead between the
        listing and the action): the service says what it saw in the operator.force_retry event."""
        if entry["action"] != "force_retry":
            return False
        event = RunEvent.objects.filter(run_id=run_id, type="operator.force_retry", reason=reason.strip()).first()
        return event is not None and (event.payload.get("lease_expired") or event.payload.get("worker_alive") is False)

    def _check_force_retry(self, run_id, reason: str) -> None:
        """A force-retry abandons an attempt: only one whose lease expired or whose worker is gone. The
        service says what it saw; a worker process of this host that still exists was not dead."""
        event = RunEvent.objects.filter(run_id=run_id, type="operator.force_retry", reason=reason.strip()).first()
        if event is None:
            self.violation(run_id, "force retry not recorded", "no operator.force_retry event with our reason")
            return
        payload = event.payload
        if payload.get("lease_expired") or payload.get("worker_alive") is not False:
            return
        host, _, rest = (payload.get("worker") or "").partition(":")
        pid = rest.split(":")[0]
        if host == socket.gethostname() and pid.isdigit() and _process_alive(int(pid)):
            self.violation(run_id, "force retry of a live worker's step",
                           f"{event.node_id} attempt {payload.get('attempt')} on {payload.get('worker')} (pid {pid} "
                           f"still running; lease not expired) abandoned as if its worker were dead")

    def _reset_connection(self) -> None:
        if connection.in_atomic_block:
            return
        try:
            connection.close()
        except Exception:
            pass

    def _probe_edit_input(self, rng, run_id) -> None:
        """edit_input on this run whatever state it and its steps are in, held to the listing like any action."""
        run = WorkflowRun.objects.select_related("definition", "version").filter(pk=run_id).first()
        entry = next((e for e in available_actions(run) if e["action"] == "edit_input"), None)
        if entry is None:
            self.violation(run_id, "edit_input not listed", f"run {run.status}: available_actions has no edit_input")
            return
        self.stats.outcomes[f"edit_input@{run.status}"] += 1
        self._try(run, run.next_seq, entry, self._params(rng, run, entry), rng)

    def _done_inputs(self, run_id) -> dict:
        return dict(StepRun.objects.filter(run_id=run_id, status__in=[StepStatus.SUCCEEDED, StepStatus.SKIPPED])
                    .values_list("id", "input"))

    def _check_edit_input(self, run_id, reason: str, new_input: dict, done_before: dict) -> None:
        """The run reads the new input; steps done before keep what they read; the event names the changes."""
        event = RunEvent.objects.filter(run_id=run_id, type="operator.input_edited", reason=reason.strip()).first()
        if event is None:
            self.violation(run_id, "input edit not recorded", "no operator.input_edited event with our reason")
            return
        if event.payload.get("after") != new_input or not isinstance(event.payload.get("changes"), list):
            self.violation(run_id, "input edit recorded wrong", f"event payload {str(event.payload)[:300]}")
        after = dict(StepRun.objects.filter(pk__in=list(done_before)).values_list("id", "input"))
        changed = [i for i, value in done_before.items() if i in after and after[i] != value]
        if changed:
            self.violation(run_id, "a done step's input changed", f"steps {changed} after edit_input")

    def _probe_not_found(self, rng) -> None:
        self.stats.probes += 1
        missing = str(uuid.uuid4())
        action = rng.choice(ACTIONS)
        try:
            act(run_id=missing, action=action, reason=self._reason(rng), user=self.user,
                node_id="t1" if action in STEP_ACTIONS else None, signal="go.x" if action == "signal" else None,
                data={} if action == "edit_data" else None, input={} if action == "edit_input" else None)
        except NotFound:
            return
        except EngineError as exc:
            self.violation(None, "unknown run not NotFound", f"{action} on {missing}: {type(exc).__name__}: {exc}")
            return
        except Exception as exc:
            self.violation(None, "action crashed", f"{action} on a missing run: {type(exc).__name__}: {exc}")
            self._reset_connection()
            return
        self.violation(None, "unknown run accepted", f"{action} on missing run {missing} applied")

    def _probe_malformed(self, rng, run_id) -> None:
        """An empty reason, an unknown action, a step action without its node: InvalidInput, nothing applied."""
        self.stats.probes += 1
        run = WorkflowRun.objects.filter(pk=run_id).first()
        entries = [e for e in available_actions(run) if e["allowed"]]
        kind = rng.choice(["reason", "action", "node"])
        if kind == "reason" and entries:
            entry = rng.choice(entries)
            call = dict(action=entry["action"], reason=rng.choice(["", "   "]), **self._params(rng, run, entry))
        elif kind == "node":
            call = dict(action=rng.choice(STEP_ACTIONS), reason=self._reason(rng))
        else:
            call = dict(action=rng.choice(["reboot", "Retry", "retry-step", ""]), reason=self._reason(rng))
        seq0 = run.next_seq
        try:
            act(run_id=run_id, user=self.user, **call)
        except InvalidInput:
            return
        except Exception as exc:
            if isinstance(exc, EngineError):
                self.note(f"probe {call} -> {type(exc).__name__}: {exc}")
                if kind != "reason":
                    self.violation(run_id, "malformed action not InvalidInput",
                                   f"{call['action']!r} ({kind}): {type(exc).__name__}: {exc}")
                return
            self.violation(run_id, "action crashed", f"probe {call}: {type(exc).__name__}: {exc}")
            self._reset_connection()
            return
        self.note(f"probe {call} -> applied")
        self.violation(run_id, "malformed action applied",
                       f"{call['action']!r} with {kind} malformed (reason={call['reason']!r}) applied at seq {seq0}")

    def bulk_act(self, rng: random.Random | None = None) -> None:
        """A bulk action on the sequence's runs (their business keys share the tag)."""
        from engine.selectors.runs import RunFilters
        rng = rng or self.rng
        action = rng.choices(BULK_ACTIONS, [5, 1, 1.5])[0]
        before = {}
        for run in WorkflowRun.objects.select_related("version").filter(pk__in=self.runs):
            entry = next((e for e in available_actions(run) if e["action"] == action and not e.get("node_id")), None)
            before[str(run.id)] = (run.next_seq, run.status, entry["allowed"] if entry else None)
        reason = self._reason(rng)
        self.stats.bulk += 1
        self.stats.per_action[f"bulk_{action}"] += 1
        try:
            result = bulk(action=action, filters=RunFilters(q=self.tag), user=self.user, reason=reason)
        except EngineError as exc:
            self.note(f"bulk {action} -> {type(exc).__name__}: {exc}")
            self.violation(None, "bulk refused", f"bulk {action}: {type(exc).__name__}: {exc}")
            return
        except Exception as exc:
            self.violation(None, "action crashed", f"bulk {action}: {type(exc).__name__}: {exc}")
            self._reset_connection()
            return
        applied = set(result.get("run_ids") or [])
        self.note(f"bulk {action} -> matched {result.get('matched')} applied {sorted(applied)} "
                  f"errors {[(e['run_id'], e['code']) for e in result.get('errors', [])]}")
        outside = applied - set(self.runs)
        if outside:
            self.violation(None, "bulk outside its filter", f"bulk {action} on q={self.tag!r} applied to {sorted(outside)}")
        for error in result.get("errors", []):
            if error.get("code") not in (Conflict.code, NotFound.code):
                self.violation(error.get("run_id"), "bulk error", f"bulk {action}: {error}")
        for run_id, (seq0, status, allowed) in before.items():
            if allowed is True and run_id not in applied and not self._moved(run_id, seq0):
                self.violation(run_id, "bulk skips a run the policy allows",
                               f"bulk {action}: run {status} listed allowed, not applied (matched "
                               f"{result.get('matched')}, errors {result.get('errors')})")
            if allowed is False and run_id in applied and not self._moved_before_ours(run_id, seq0, reason):
                self.violation(run_id, "bulk applies what the policy refuses", f"bulk {action}: run {status}")

    # --- settling
    _ACTIVITY = """
        WITH r AS (SELECT id, status, next_seq FROM engine_workflowrun
                   WHERE id = ANY(%(ids)s::uuid[]) OR parent_run_id = ANY(%(ids)s::uuid[])),
             s AS (SELECT st.status, st.next_attempt_at, st.node_type, st.child_run_id, st.run_id, st.node_id,
                          st.updated_at FROM engine_steprun st
                   JOIN r ON st.run_id = r.id WHERE st.status IN ('scheduled', 'running', 'waiting'))
        SELECT (SELECT coalesce(sum(next_seq), 0) FROM r), (SELECT count(*) FROM r),
               (SELECT count(*) FROM r WHERE status = 'pending'),
               (SELECT count(*) FROM s WHERE status IN ('scheduled', 'running')
                                          OR (status = 'waiting' AND next_attempt_at IS NOT NULL)),
               (SELECT count(*) FROM s JOIN engine_workflowrun c ON c.id = s.child_run_id
                WHERE s.status = 'waiting' AND s.node_type IN ('subworkflow', 'loop') AND s.next_attempt_at IS NULL
                  AND c.status IN ('completed', 'compensated', 'cancelled', 'aborted'))
             + (SELECT count(*) FROM s JOIN engine_workflowrun c ON c.parent_run_id = s.run_id
                  AND c.parent_node_id = s.node_id AND c.key_scope <> ''
                WHERE s.status = 'waiting' AND s.node_type IN ('map', 'compensation')
                  AND c.finished_at > s.updated_at)"""

    def activity(self) -> tuple[tuple, bool]:
        with connection.cursor() as cur:
            cur.execute(self._ACTIVITY, {"ids": self.runs})
            total_seq, count, pending, busy_steps, resumable = cur.fetchone()
        return (total_seq, count), bool(pending or busy_steps or resumable)

    def settle_steps(self, timeout: float | None = None):
        """Wait until nothing is scheduled, running or due (timers, resumes) and no event was written
        for ``quiet`` seconds: a generator yielding the seconds to wait before it looks again,
        returning False (a "did not settle" violation) after ``timeout``. ``settle`` drives it."""
        deadline = time.monotonic() + (timeout or self.settle_timeout)
        last, since, poll = None, None, 0.15
        while time.monotonic() < deadline:
            sig, busy = self.activity()
            now = time.monotonic()
            if busy or sig != last:
                since = None if busy else now
                poll = min(1.0, poll * 1.3) if busy else 0.15  # busy for long (a hang, a backlog): look less often
            elif since is not None and now - since >= self.quiet:
                return True
            last = sig
            yield poll if busy else max(0.15, self.quiet / 2)
        details = []
        for run in WorkflowRun.objects.select_related("version").filter(pk__in=self.run_ids()):
            open_steps = [(s.node_id, s.kind, s.status, s.attempt, s.next_attempt_at and s.next_attempt_at.isoformat())
                          for s in StepRun.objects.filter(run=run, status__in=list(StepStatus.OPEN))]
            details.append(f"{run.id} {run.status}: open {open_steps}; why {_safe_why(run)}")
        self.violation(self.runs[0] if self.runs else None, "did not settle",
                       f"within {timeout or self.settle_timeout:.0f}s: " + " | ".join(details))
        return False

    def settle(self, timeout: float | None = None) -> bool:
        return drive(self.settle_steps(timeout))

    def check_steps(self, *, settled: bool = True):
        """The checker on the sequence's runs; after a settle timeout only on the terminal ones (the
        others still move, and a check of moving runs reports races, not bugs)."""
        ids = self.run_ids()
        if not settled:
            ids = [str(i) for i in WorkflowRun.objects.filter(pk__in=ids, status__in=list(RunStatus.TERMINAL))
                   .values_list("id", flat=True)]
        found = yield from check_runs_steps(ids, user=self.user)
        for v in found:
            self.violation(v.run_id, v.what, v.detail)
        return self.violations

    def check(self, *, settled: bool = True) -> list[Violation]:
        return drive(self.check_steps(settled=settled))

    # --- the whole script (the bench)
    def play_steps(self, *, max_runs: int = 3):
        """Start runs; act on them at random moments while they run, settle, check; then act on what
        is left (failed runs, signals, compensations that failed) and settle and check again, up to
        three times. A generator yielding the seconds until it goes on (``play`` drives it; the bench
        plays hundreds at once)."""
        rng = self.rng
        for _ in range(rng.randint(1, max_runs)):
            self.start_run()
        for phase in range(rng.choice([1, 2, 2, 3])):
            for _ in range(rng.randint(1, 5) if phase == 0 else rng.randint(1, 3)):
                yield rng.uniform(0.05, 0.6) if phase == 0 else rng.uniform(0.0, 0.2)
                if rng.random() < 0.08:
                    self.bulk_act()
                else:
                    self.operate()
            settled = yield from self.settle_steps()
            yield from self.check_steps(settled=settled)
            if not settled:
                break
            statuses = set(WorkflowRun.objects.filter(pk__in=self.runs).values_list("status", flat=True))
            if statuses <= RunStatus.TERMINAL:
                break
        self.stats.statuses.update(WorkflowRun.objects.filter(pk__in=self.run_ids()).values_list("status", flat=True))

    def play(self) -> None:
        drive(self.play_steps())

    def report(self, *, max_events: int = 200) -> str:
        """The sequence's log and, for each violating run, its steps and events."""
        lines = [f"sequence seed={self.seed} tag={self.tag} pool seed={self.pool.seed}",
                 *("  " + line for line in self.log[-60:]), "violations:", *(f"  {v}" for v in self.violations)]
        for run_id in sorted({v.run_id for v in self.violations if v.run_id}):
            lines.append(describe_run(run_id, max_events=max_events))
        return "\n".join(lines)


def drive(steps):
    """Run a generator of this module to its end, sleeping what it yields; its return value."""
    try:
        delay = next(steps)
        while True:
            time.sleep(delay)
            delay = steps.send(None)
    except StopIteration as stop:
        return stop.value


def _process_alive(pid: int) -> bool:
    """A dramatiq worker process with this pid exists on this host (not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read()
    except OSError:
        return False
    return state not in ("Z", "X") and b"dramatiq" in cmdline


def _safe_why(run) -> list[str]:
    try:
        return why(run)
    except Exception as exc:
        return [f"<run_why raised {type(exc).__name__}: {exc}>"]


def describe_run(run_id, *, max_events: int = 200) -> str:
    run = WorkflowRun.objects.select_related("definition").filter(pk=run_id).first()
    if run is None:
        return f"run {run_id}: not found"
    out = [f"--- run {run.id} {run.definition.key} status={run.status} next_seq={run.next_seq} "
           f"parent={run.parent_run_id} error={json.dumps(run.error)[:300]}"]
    out.append(f"    input={json.dumps(run.input)[:1500]}")
    for s in StepRun.objects.filter(run=run).order_by("id"):
        out.append(f"    step {s.node_id}/{s.kind} {s.status} attempt={s.attempt} arrivals={s.arrivals} "
                   f"order={s.completion_order} child={s.child_run_id} next={s.next_attempt_at} "
                   f"lease={s.lease_expires_at} worker={s.worker}")
    for e in RunEvent.objects.filter(run=run).order_by("seq")[:max_events]:
        payload = {k: v for k, v in e.payload.items() if k not in ("traceback",)}
        if isinstance(payload.get("error"), dict):
            payload["error"] = {k: v for k, v in payload["error"].items() if k != "traceback"}
        out.append(f"    #{e.seq} {e.type} {e.node_id} {e.actor} {json.dumps(payload, default=str)[:240]}"
                   + (f" reason={e.reason[:60]!r}" if e.reason else ""))
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# The checker

def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('fuzz_effects') IS NOT NULL")
        if not cur.fetchone()[0]:
            return []
        cur.execute(sql, params)
        return cur.fetchall()


def check_runs(run_ids, *, user=None, orphan_grace: float = 10.0) -> list[Violation]:
    """Every invariant on settled runs (ids: a sequence's runs and their children)."""
    return drive(check_runs_steps(run_ids, user=user, orphan_grace=orphan_grace))


def check_runs_steps(run_ids, *, user=None, orphan_grace: float = 10.0):
    """``check_runs`` as a generator (it waits a little for a cancel_child in flight)."""
    ids = [str(i) for i in run_ids]
    if not ids:
        return []
        yield
    runs = {str(r.id): r for r in WorkflowRun.objects.select_related("version", "definition").filter(pk__in=ids)}
    steps = collections.defaultdict(list)
    for s in StepRun.objects.filter(run_id__in=ids):
        steps[str(s.run_id)].append(s)
    events = collections.defaultdict(list)
    for e in RunEvent.objects.filter(run_id__in=ids).order_by("run_id", "seq").only(
            "run_id", "seq", "type", "node_id", "payload", "actor", "reason", "created_at"):
        events[str(e.run_id)].append(e)
    effects = collections.defaultdict(list)
    for run_id, node_id, kind, key, attempt, seq in _rows(
            "SELECT run_id, node_id, kind, idempotency_key, attempt, seq FROM fuzz_effects WHERE run_id = ANY(%s::uuid[])",
            [ids]):
        effects[str(run_id)].append((node_id, kind, key, attempt, seq))
    attempts = collections.defaultdict(list)
    for run_id, node_id, kind, attempt in _rows(
            "SELECT run_id, node_id, kind, attempt FROM fuzz_attempts WHERE run_id = ANY(%s::uuid[])", [ids]):
        attempts[str(run_id)].append((node_id, kind, attempt))
    out: list[Violation] = []
    for run_id, run in runs.items():
        found = _check_run(run, steps[run_id], events[run_id], effects[run_id], attempts[run_id], runs, user)
        out += [Violation(None, run_id, what, detail) for what, detail in found]
    out += yield from _check_orphans(runs, steps, grace=orphan_grace)
    return out


def _compensable(graph, node_id: str) -> bool:
    """As the engine's protocol sees it: a task with a compensation, a map whose items have some."""
    node = graph.node(node_id)
    return nodes.of(node).compensable(node) if node.get("type") in nodes.REGISTRY else graph.compensable(node_id)


def _is_map(graph, node_id: str) -> bool:
    return graph.node(node_id).get("type") == "map"


def _undo_of_completed(events) -> list:
    """A map's item run that completed and was undone with its map: its run.completed is not its end."""
    undone = [e.seq for e in events if e.type == "compensation.started" and e.payload.get("previous") == "completed"]
    return [e for e in events if e.type == "run.completed" and any(seq > e.seq for seq in undone)]


def _check_run(run, steps, events, effects, attempts, runs, user) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    graph = graph_for_run(run)   # a graph run's version graph; a code run's, made of its steps' nodes
    open_steps = [s for s in steps if s.status in StepStatus.OPEN]
    by_node = {(s.node_id, s.kind): s for s in steps}

    # Gapless history, and a terminal state stays terminal.
    seqs = [e.seq for e in events]
    if seqs != list(range(1, len(seqs) + 1)) or run.next_seq != len(seqs) + 1:
        found.append(("event seq not gapless", f"seqs {_ranges(seqs)}, next_seq {run.next_seq}"))
    last_status = next((e for e in reversed(events) if e.type in STATUS_EVENTS and "status" in e.payload), None)
    if last_status is not None and last_status.payload["status"] != run.status:
        found.append(("status without its event", f"run {run.status}, but its last status event is "
                                                  f"#{last_status.seq} {last_status.type} ({last_status.payload['status']})"))
    reopened = _undo_of_completed(events) if run.key_scope else []
    terminal_events = [e for e in events if e.type in TERMINAL_EVENTS and e not in reopened]
    if len(terminal_events) > 1:
        found.append(("terminal twice", ", ".join(f"#{e.seq} {e.type}" for e in terminal_events)))
    if run.status in RunStatus.TERMINAL:
        if not terminal_events or TERMINAL_EVENTS.get(events[-1].type) != run.status:
            tail = ", ".join(f"#{e.seq} {e.type} {e.node_id}" for e in events[-4:])
            found.append(("events after the end", f"run {run.status}; last events: {tail}"))
        if open_steps:
            found.append(("open step on a terminal run",
                          ", ".join(f"{s.node_id}/{s.kind} {s.status}" for s in open_steps)))
    elif terminal_events:
        found.append(("left a terminal state", f"#{terminal_events[0].seq} {terminal_events[0].type}, now {run.status}"))

    # Waiting on something the why panel names.
    if run.status not in RunStatus.TERMINAL:
        lines = _safe_why(run)
        if not lines or not any(line.strip() for line in lines):
            found.append(("empty why", f"run {run.status} with open steps "
                                       f"{[(s.node_id, s.status) for s in open_steps]}"))
        if run.status in RunStatus.ACTIVE:
            legit = []
            for s in open_steps:
                if s.node_type == "join":
                    continue
                if s.status == StepStatus.WAITING and s.node_type == "subworkflow":
                    child = runs.get(str(s.child_run_id)) if s.child_run_id else None
                    if child is None or child.status in RunStatus.TERMINAL:
                        found.append(("parent not resumed", f"{s.node_id} waits for child {s.child_run_id} "
                                                            f"which is {child.status if child else 'missing'}"))
                        continue
                legit.append(s)
            if not legit:
                found.append(("stranded", f"run {run.status} with nothing to wait for: open "
                                          f"{[(s.node_id, s.node_type, s.status, s.arrivals) for s in open_steps]}; "
                                          f"why {lines}"))
            for s in legit:
                if not any(s.node_id in line for line in lines):
                    found.append(("why does not name", f"{s.node_id} {s.status}; why {lines}"))
        elif run.status in RunStatus.NEEDS_OPERATOR:
            offered = [e for e in available_actions(run) if e["allowed"]]
            if not any(e["action"] in ("retry", "retry_step", "skip", "force_retry", "signal") for e in offered):
                found.append(("nothing to do but give up", f"run {run.status}; allowed: "
                                                           f"{[(e['action'], e.get('node_id')) for e in offered]}"))

    # Steps: each node done at most once; a late result never recorded.
    succeeded = collections.Counter((e.node_id, e.payload.get("kind", "node")) for e in events
                                    if e.type == "step.succeeded")
    for (node_id, kind), n in succeeded.items():
        if n > 1:
            found.append(("succeeded twice" if kind == "node" else "compensated twice", f"{node_id}/{kind}: {n} times"))
    for s in steps:
        if s.kind == "node" and s.node_type == "subworkflow" and s.child_run_id and s.status != StepStatus.SKIPPED:
            child = runs.get(str(s.child_run_id))
            if child is not None and s.status == StepStatus.SUCCEEDED and child.status != RunStatus.COMPLETED:
                found.append(("subworkflow done without its child", f"{s.node_id} succeeded; child {child.id} "
                                                                    f"is {child.status}"))
        if s.kind == "node" and s.node_type == "task" and s.status == StepStatus.SUCCEEDED:
            if isinstance(s.output, dict) and s.output.get("attempt") != s.attempt:
                found.append(("late result recorded", f"{s.node_id}: output of attempt {s.output.get('attempt')}, "
                                                      f"step at attempt {s.attempt}"))

    # Compensation: only what succeeded, at most once, in reverse completion order, all of it.
    fwd_done = {e.node_id: e.seq for e in events if e.type == "step.succeeded" and e.payload.get("kind") == "node"}
    comp_started = {}
    for e in events:
        if e.type == "step.scheduled" and e.payload.get("kind") == "compensation":
            comp_started.setdefault(e.node_id, e.seq)
    comp_steps = [s for s in steps if s.kind == "compensation"]
    if comp_steps and not any(e.type == "compensation.started" for e in events):
        found.append(("undone without compensating", ", ".join(s.node_id for s in comp_steps)))
    for s in comp_steps:
        fwd = by_node.get((s.node_id, "node"))
        undoable = nodes.of(graph.node(s.node_id)).undo_statuses if fwd is not None and not graph.is_code else \
            {StepStatus.SUCCEEDED}
        if fwd is None or fwd.status not in undoable:
            found.append(("compensated what did not succeed", f"{s.node_id}: forward step "
                                                              f"{fwd.status if fwd else 'missing'}"))
    order = sorted(comp_started, key=comp_started.get)
    for i, x in enumerate(order):
        for y in order[i + 1:]:
            if x in fwd_done and y in fwd_done and fwd_done[x] < fwd_done[y] < comp_started[x]:
                found.append(("compensation out of order", f"{x} (done #{fwd_done[x]}) undone at #{comp_started[x]} "
                                                           f"before {y} (done #{fwd_done[y]}, undone #{comp_started[y]})"))
    if run.status == RunStatus.COMPENSATED:
        for s in steps:
            if s.kind == "node" and s.status == StepStatus.SUCCEEDED and _compensable(graph, s.node_id):
                comp = by_node.get((s.node_id, "compensation"))
                if comp is None or comp.status not in StepStatus.DONE:
                    found.append(("compensated but not undone", f"{s.node_id}: compensation "
                                                                f"{comp.status if comp else 'never scheduled'}"))

    found += _check_failure_policy(graph, events)
    found += _check_ledger([s for s in steps if not (s.kind == "compensation" and _is_map(graph, s.node_id))],
                           effects, attempts)

    for e in events:
        if e.type.startswith("operator."):
            if not (e.reason or "").strip():
                found.append(("operator action without a reason", f"#{e.seq} {e.type}"))
            if user is not None and e.actor != user.get_username() and "[bulk" not in (e.reason or "") \
                    and e.reason not in ("parent run stopped", "its map's run compensates"):
                found.append(("operator action misattributed", f"#{e.seq} {e.type} by {e.actor}"))
    return found


def _check_failure_policy(graph, events) -> list[tuple[str, str]]:
    """A step's last failed attempt, with the run going forward: its node's on_failure decides."""
    from engine import protocol
    if not hasattr(protocol, "failure_outcome"):
        return []
    found = []
    status = "pending"
    done_compensable: dict[str, int] = {}
    compensation_scheduled: set[str] = set()
    for i, e in enumerate(events):
        if e.type in STATUS_EVENTS and "status" in e.payload:
            status = e.payload["status"]
        if e.type == "step.succeeded" and e.payload.get("kind") == "node" and _compensable(graph, e.node_id):
            done_compensable[e.node_id] = e.seq
        if e.type == "step.waiting" and e.payload.get("kind", "node") == "node" and not graph.is_code \
                and _is_map(graph, e.node_id) and _compensable(graph, e.node_id):
            done_compensable.setdefault(e.node_id, e.seq)   # a map's items may have done work from its start
        if e.type == "step.skipped" and e.payload.get("kind", "node") == "node":
            done_compensable.pop(e.node_id, None)
        if e.type in ("step.scheduled", "step.waiting") and e.payload.get("kind") == "compensation":
            compensation_scheduled.add(e.node_id)
        if not (e.type == "step.failed" and e.payload.get("final") and e.payload.get("kind", "node") == "node"
                and "reason" not in e.payload and status in (RunStatus.PENDING, RunStatus.RUNNING, RunStatus.WAITING)):
            continue
        node = graph.node(e.node_id)
        if node.get("type") not in ("task", "http", "signal", "subworkflow", "wait", "workflow"):
            continue
        policy = node.get("on_failure") or "compensate"
        outcome = next((f.type for f in events[i + 1:] if f.created_at == e.created_at
                        and f.type in ("run.failed", "compensation.started", "run.aborted", "run.completed")), None)
        pending = [n for n in done_compensable if n not in compensation_scheduled]
        expected = {"fail": {"run.aborted"}, "incident": {"run.failed"},
                    "compensate": {"compensation.started"} if pending else {"run.failed", "run.aborted"}}[policy]
        if outcome not in expected:
            found.append(("failure policy not followed",
                          f"{e.node_id} (on_failure {policy}, error {(e.payload.get('error') or {}).get('type')}) failed "
                          f"for good at #{e.seq}; the run went {outcome or 'nowhere'} (expected {sorted(expected)}; "
                          f"compensable done: {pending})"))
    return found


def _check_ledger(steps, effects, attempts) -> list[tuple[str, str]]:
    """The downstream system's view: one effect per step (a stable key), none without a claim."""
    found = []
    per_step = collections.Counter((node_id, kind) for node_id, kind, *_ in effects)
    for (node_id, kind), n in per_step.items():
        if n > 1:
            found.append(("side effect twice", f"{node_id}/{kind}: {n} effects under different keys"))
    have = {(node_id, kind) for node_id, kind, *_ in effects}
    for s in steps:
        if s.node_type != "task" and s.kind == "node":
            continue
        kind = "undo" if s.kind == "compensation" else "step"
        if s.status == StepStatus.SUCCEEDED and (s.node_id, kind) not in have:
            found.append(("succeeded without its effect", f"{s.node_id}/{s.kind} attempt {s.attempt}"))
    for node_id, kind in have:
        if kind == "undo" and (node_id, "step") not in have:
            found.append(("undid what was never done", node_id))
    claimed = {(s.node_id, "undo" if s.kind == "compensation" else "step"): s.attempt for s in steps}
    runs_of = collections.Counter(attempts)
    for (node_id, kind, attempt), n in runs_of.items():
        if n > 1:
            found.append(("attempt executed twice", f"{node_id}/{kind} attempt {attempt}: {n} executions"))
        if attempt > claimed.get((node_id, kind), 0):
            found.append(("unclaimed attempt ran", f"{node_id}/{kind} attempt {attempt}, step at "
                                                   f"{claimed.get((node_id, kind))}"))
    return found


def _check_orphans(runs: dict, steps: dict, *, grace: float) -> list[Violation]:
    """A child run still going while its parent ended, or goes on without waiting for it (a cancel_child may
    be in flight: wait a little). A parent that needs an operator keeps its children (a retry waits again)."""
    parents = {}

    def orphans():
        for run in runs.values():
            if run.parent_run_id:
                parents[str(run.parent_run_id)] = WorkflowRun.objects.filter(pk=run.parent_run_id).first()
        out = []
        for run_id, run in runs.items():
            if not run.parent_run_id or run.status in RunStatus.TERMINAL:
                continue
            parent = parents.get(str(run.parent_run_id))
            if parent is not None and parent.status in RunStatus.NEEDS_OPERATOR:
                continue  # a failed parent keeps its children: a retry waits for them again
            waits = Q(child_run_id=run.id)
            if run.key_scope:   # a map's item run: its map's step waits on all of them
                waits |= Q(node_type="map", node_id=run.parent_node_id, kind="node")
                waits |= Q(node_id=run.parent_node_id, kind="compensation")   # its map's undoing
            parent_steps = StepRun.objects.filter(waits, run_id=run.parent_run_id).values_list("status", flat=True)
            if StepStatus.WAITING not in parent_steps:
                out.append(run_id)
        return out
    found = orphans()
    deadline = time.monotonic() + grace
    while found and time.monotonic() < deadline:
        yield 0.25
        for run_id in list(found):
            runs[run_id].refresh_from_db()
        found = orphans()
    out = []
    for run_id in found:
        run = runs[run_id]
        parent = WorkflowRun.objects.filter(pk=run.parent_run_id).values_list("status", flat=True).first()
        out.append(Violation(None, run_id, "orphan child run",
                             f"child {run.status} (node {run.parent_node_id}) while parent {run.parent_run_id} is "
                             f"{parent} and no step of it waits for this child"))
    return out


def _ranges(seqs: list[int]) -> str:
    if len(seqs) <= 12:
        return str(seqs)
    return f"[{seqs[0]}..{seqs[-1]}] ({len(seqs)} events, {len(set(seqs))} distinct)"
