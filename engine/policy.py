"""What an operator may do to a run, in which state, and what it does: the one table.

The services enforce it (``refusal`` under the run's lock), the run detail API serves it
(``available``) and the console renders exactly that; bulk, the CLI, REST and the websocket
all go through ``engine.services.actions.run_act``. Pure: facts in, decisions out (tested
with tables in tests/engine/test_policy.py).
"""
from __future__ import annotations

import dataclasses

from engine.states import RunStatus, StepStatus

R, S = RunStatus, StepStatus


@dataclasses.dataclass(frozen=True)
class Rule:
    action: str
    scope: str                     # "run" or "step"
    label: str
    effect: str
    run_statuses: frozenset[str]   # for a step action on a node step
    step_statuses: frozenset[str] = frozenset()
    # For a step action on a compensation step (None: not applicable to compensations).
    compensation_run_statuses: frozenset[str] | None = None
    destructive: bool = False


_OPEN_RUN = frozenset({R.PENDING, R.RUNNING, R.WAITING})
_NOT_TERMINAL = frozenset(R.ALL) - R.TERMINAL

RULES: dict[str, Rule] = {rule.action: rule for rule in (
    Rule("retry", "run", "Retry from failed step",
         "Reschedule every failed step now (attempts keep counting); a failed run resumes and gets back what its "
         "failure closed (see docs/engine.md, 'Resuming a failed run'); a run whose compensation failed goes on "
         "compensating.",
         frozenset({R.FAILED, R.COMPENSATION_FAILED})),
    Rule("retry_step", "step", "Retry this step now",
         "Run a failed step again, or a step waiting for its retry now. In a failed run it must be the only "
         "failed step (else: Retry from failed, or skip the others); the run resumes.",
         frozenset({R.FAILED, R.RUNNING, R.WAITING, R.PENDING}), frozenset({S.FAILED, S.SCHEDULED}),
         compensation_run_statuses=frozenset({R.COMPENSATION_FAILED, R.COMPENSATING})),
    Rule("force_retry", "step", "Force retry",
         "Give up on a running attempt whose lease expired or whose worker is dead, and schedule the next one "
         "now; a late result of the abandoned attempt is discarded.",
         frozenset({R.RUNNING, R.WAITING, R.PENDING}), frozenset({S.RUNNING}),
         compensation_run_statuses=frozenset({R.COMPENSATING}), destructive=True),
    Rule("skip", "step", "Skip with output",
         "Mark the step done with the given output and go on. In a failed run, the run resumes once no failed "
         "step is left; a skipped compensation counts as undone.",
         frozenset({R.FAILED, R.RUNNING, R.WAITING, R.PENDING}), frozenset({S.FAILED, S.SCHEDULED, S.WAITING}),
         compensation_run_statuses=frozenset({R.COMPENSATION_FAILED})),
    Rule("edit_data", "run", "Edit data", "Replace the run's data (usually before a retry).", _NOT_TERMINAL),
    Rule("edit_input", "run", "Edit input",
         "Correct the run's input (checked against the definition's input schema, if it has one): steps that "
         "already ran keep what they read; steps not run yet, and retries, read the new input.", _NOT_TERMINAL),
    Rule("compensate", "run", "Compensate",
         "Stop going forward and undo what succeeded, in reverse completion order; ends compensated.",
         frozenset({R.PENDING, R.RUNNING, R.WAITING, R.FAILED, R.COMPENSATION_FAILED}), destructive=True),
    Rule("cancel", "run", "Cancel", "End the run now, undoing nothing; open steps and child runs are cancelled.",
         _NOT_TERMINAL, destructive=True),
    Rule("signal", "run", "Send signal", "Deliver a signal to the step waiting for it, or keep it for a signal "
         "node not reached yet.", _OPEN_RUN),
)}
ACTIONS = tuple(RULES)


@dataclasses.dataclass(frozen=True)
class StepFacts:
    node_id: str
    kind: str                       # "node" or "compensation"
    status: str
    node_type: str
    lease_expired: bool = False
    worker_alive: bool | None = None   # None: no worker or unknown
    worker: str = ""
    signal: str | None = None       # a waiting signal step: the signal it waits for


@dataclasses.dataclass(frozen=True)
class RunFacts:
    status: str
    steps: tuple[StepFacts, ...]
    # Signal nodes not reached yet, (node id, signal): a signal for one of them is kept until then.
    ahead: tuple[tuple[str, str], ...] = ()
    kept: int = 0                   # signals kept, not yet consumed
    keep_limit: int = 100           # at most this many (FLOWDECK_MAX_KEPT_SIGNALS)
    # A code run: which signals it will wait for is its function's to say, so any signal is kept.
    keeps_any: bool = False
    # A code run: its function replays from the input, so another input would not match its history.
    is_code: bool = False

    def step(self, node_id: str, kind: str) -> StepFacts | None:
        return next((s for s in self.steps if s.node_id == node_id and s.kind == kind), None)

    def failed(self, kind: str = "node") -> list[StepFacts]:
        return [s for s in self.steps if s.kind == kind and s.status == S.FAILED]

    def signals(self) -> list[StepFacts]:
        return [s for s in self.steps if s.kind == "node" and s.signal is not None and s.status == S.WAITING]


def _run_status_refusal(rule: Rule, status: str) -> str | None:
    if status in rule.run_statuses:
        return None
    allowed = ", ".join(s for s in RunStatus.ALL if s in rule.run_statuses)
    return f"the run is {status}; {rule.label.lower()} applies to a run that is {allowed}"


def refusal(action: str, facts: RunFacts, *, node_id: str | None = None, kind: str = "node",
            signal: str | None = None) -> str | None:
    """Why ``action`` is refused right now (None: it applies)."""
    rule = RULES.get(action)
    if rule is None:
        return f"unknown action {action!r}; one of {', '.join(ACTIONS)}"
    if rule.scope == "run":
        why = _run_status_refusal(rule, facts.status)
        if why:
            return why
        if action == "retry":
            failed_kind = "compensation" if facts.status == R.COMPENSATION_FAILED else "node"
            if not facts.failed(failed_kind):
                return "the run has no failed step to retry"
        if action == "signal":
            return _signal_refusal(facts, signal)
        if action == "edit_input" and facts.is_code:
            return ("a code run's input cannot be edited: its function replays from the input, and another input "
                    "would not match the steps it already took")
        return None
    if node_id is None:
        return f"{action} needs a step (node_id)"
    step = facts.step(node_id, kind)
    if step is None:
        return f"the run has no {'compensation of ' if kind == 'compensation' else ''}step {node_id!r}"
    statuses = rule.run_statuses if kind == "node" else rule.compensation_run_statuses
    if statuses is None:
        return f"a compensation step cannot be {'skipped' if action == 'skip' else 'retried that way'}"
    if facts.status not in statuses:
        return f"the run is {facts.status}; {rule.label.lower()} does not apply to its {kind} steps"
    if step.status not in rule.step_statuses:
        allowed = " or ".join(s for s in StepStatus.ALL if s in rule.step_statuses)
        return f"step {node_id} is {step.status}; only a {allowed} step can be {_done(action)}"
    if action == "force_retry" and not step.lease_expired and step.worker_alive is not False:
        return f"step {node_id} is running on worker {step.worker or '?'}, which is alive and within its lease"
    if action == "retry_step" and kind == "node" and facts.status == R.FAILED:
        others = [s.node_id for s in facts.failed() if s.node_id != node_id]
        if others:
            return (f"{', '.join(others)} failed too: retry from failed retries every failed step; "
                    f"or skip {'them' if len(others) > 1 else 'it'} first")
    if action == "skip" and kind == "node" and step.node_type in ("start", "end", "fail"):
        return f"a {step.node_type} step cannot be skipped"
    return None


def _signal_refusal(facts: RunFacts, signal: str | None) -> str | None:
    """A signal goes to the step waiting for it, else is kept for a signal node not reached yet."""
    waiting = {s.signal for s in facts.signals()}
    ahead = {name for _, name in facts.ahead}
    if not waiting and not ahead and not facts.keeps_any:
        return "no step is waiting for a signal, and no signal node is ahead"
    if signal is None or signal in waiting:
        return None
    if signal in ahead or facts.keeps_any:
        if facts.kept >= facts.keep_limit:
            return (f"the run already keeps {facts.kept} signals not yet consumed (at most {facts.keep_limit}, "
                    f"FLOWDECK_MAX_KEPT_SIGNALS)")
        return None
    told = [f"it waits for: {', '.join(sorted(waiting))}"] if waiting else []
    told += [f"it will reach: {', '.join(sorted(ahead - waiting))}"] if ahead - waiting else []
    return f"the run is not waiting for signal {signal!r} ({'; '.join(told)})"


def _done(action: str) -> str:
    return {"retry_step": "retried", "force_retry": "force-retried", "skip": "skipped"}[action]


def available(facts: RunFacts) -> list[dict]:
    """Every action the console may offer, each allowed or with why not: run actions first,
    then one entry per step and step action."""
    out = []
    for rule in RULES.values():
        if rule.scope != "run":
            continue
        if rule.action == "signal" and (facts.signals() or facts.ahead):
            # One per waiting signal step, then one per signal node ahead (sent now, kept for it).
            targets = [(step.node_id, step.signal) for step in facts.signals()] + list(facts.ahead)
            for node_id, signal in targets:
                out.append(_entry(rule, refusal("signal", facts, signal=signal), node_id=node_id, kind="node",
                                  signal=signal))
            continue
        out.append(_entry(rule, refusal(rule.action, facts)))
    for step in facts.steps:
        for rule in RULES.values():
            if rule.scope == "step":
                out.append(_entry(rule, refusal(rule.action, facts, node_id=step.node_id, kind=step.kind),
                                  node_id=step.node_id, kind=step.kind))
    return out


def _entry(rule: Rule, why: str | None, *, node_id=None, kind=None, signal=None) -> dict:
    return {"action": rule.action, "node_id": node_id, "kind": kind, "allowed": why is None, "reason": why,
            "label": rule.label, "destructive": rule.destructive, "signal": signal}


def facts_of(status: str, steps, graph, *, now, liveness: dict | None = None, kept: int = 0,
             keep_limit: int = 100) -> RunFacts:
    """RunFacts from step rows (StepRun-like objects) and the version's graph; ``liveness`` maps a
    step's worker name to ``{"alive": bool, ...}`` (engine.selectors.processes.worker_liveness);
    ``kept``: the run's signals kept, not yet consumed."""
    liveness = liveness or {}
    steps = list(steps)
    reached = {s.node_id for s in steps if s.kind == "node"}
    ahead = tuple((node_id, graph.node(node_id)["signal"]) for node_id in graph.node_ids
                  if node_id not in reached and graph.node(node_id)["type"] == "signal")
    out = []
    for s in steps:
        signal = None
        if s.kind == "node" and s.node_type == "signal":
            signal = graph.node(s.node_id).get("signal")
        # Known alive, known dead (or stopped); a process never seen is unknown, not dead.
        state = (liveness.get(s.worker) or {}).get("state") if s.worker else None
        alive = {"alive": True, "dead": False, "stopped": False}.get(state)
        out.append(StepFacts(node_id=s.node_id, kind=s.kind, status=s.status, node_type=s.node_type,
                             lease_expired=bool(s.status == S.RUNNING and s.lease_expires_at is not None
                                                and s.lease_expires_at < now),
                             worker_alive=alive, worker=s.worker or "", signal=signal))
    code = bool(getattr(graph, "is_code", False))
    return RunFacts(status=status, steps=tuple(out), ahead=ahead, kept=kept, keep_limit=keep_limit,
                    keeps_any=code, is_code=code)
