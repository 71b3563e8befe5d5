"""The one door for operator actions: REST, the websocket, the CLI and bulk all call ``run_act``.

It checks what every interface must (a reason, a known action, a step for step actions);
the services it dispatches to check the policy table (engine/policy.py) under the run's lock.
"""
from __future__ import annotations

from engine import policy
from engine.errors import InvalidInput
from engine.models import WorkflowRun
from engine.services import runs

MAX_REASON = 2000


def run_act(*, run_id, action: str, reason: str, user=None, node_id: str | None = None, kind: str | None = None,
            output=None, signal: str | None = None, payload=None, data=None,
            signal_id: str | None = None, input=None) -> WorkflowRun:
    """Apply operator ``action`` to a run. InvalidInput (400) for a missing reason, an unknown
    action or a step action without ``node_id``; Conflict (409, saying why) when the policy
    refuses it in the run's state; NotFound."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("a reason is required: say why, for the run's history and the audit log")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"the reason is {len(reason)} characters; the limit is {MAX_REASON}")
    rule = policy.RULES.get(action)
    if rule is None:
        raise InvalidInput(f"unknown action {action!r}; one of {', '.join(policy.ACTIONS)}")
    if rule.scope == "step" and not (isinstance(node_id, str) and node_id):
        raise InvalidInput(f"{action} acts on a step: node_id is required")
    if kind not in (None, "node", "compensation"):
        raise InvalidInput("kind must be node or compensation")
    common = {"run_id": run_id, "user": user, "reason": reason.strip()}
    step = {"node_id": node_id, "kind": kind}
    if action == "retry":
        return runs.run_retry_from_failed(**common)
    if action == "retry_step":
        return runs.step_retry(**common, **step)
    if action == "force_retry":
        return runs.step_force_retry(**common, **step)
    if action == "skip":
        return runs.step_skip(**common, **step, output=output)
    if action == "edit_data":
        return runs.run_edit_data(**common, data=data)
    if action == "edit_input":
        return runs.run_edit_input(**common, input=input)
    if action == "compensate":
        return runs.run_compensate(**common)
    if action == "cancel":
        return runs.run_cancel(**common)
    if not isinstance(signal, str) or not signal:
        raise InvalidInput("signal: the signal's name is required")
    return runs.run_signal(**common, name=signal, payload=payload, signal_id=signal_id)
