"""Code workflows: a flow written as one plain Python function, run durably by the engine.

    from engine.workflows import workflow

    @workflow("place-order-code", version="2026-12-01")
    def place_order(ctx, order):
        ctx.step("shop.charge_payment", order, compensate="shop.refund_payment")
        ...

See docs/workflows-as-code.md: the calls, the determinism rules, versioning.
"""
from engine.workflows.registry import Workflow, latest, lookup, unregister, workflow, workflow_list
from engine.workflows.replay import Compensate, Context, Fail, Handle

__all__ = ["Compensate", "Context", "Fail", "Handle", "Workflow", "latest", "lookup", "unregister", "workflow",
           "workflow_list"]
