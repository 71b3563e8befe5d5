"""Dramatiq actors: thin interfaces over engine services. Messages carry ids.

Dramatiq's own retries are off (max_retries=0): retries are the engine's,
from each node's policy, recorded in the database.
"""
import dramatiq

from engine import logcontext
from engine.executor import step_execute
from engine.store.outbox import QUEUE
from engine.services.runs import run_cancel_child, run_code_advance, run_resume_parent, run_undo_child
from engine.store.steps import step_fire_timer
from engine.workflows import workflow_list
from engine.workflows.driver import queue_for

_options = {"queue_name": QUEUE, "max_retries": 0}


@dramatiq.actor(**_options)
def execute_step(step_id: int) -> None:
    step_execute(step_id=step_id, inline=True)


@dramatiq.actor(**_options)
def fire_timer(step_id: int) -> None:
    step_fire_timer(step_id=step_id)


@dramatiq.actor(**_options)
def resume_parent(child_run_id: str) -> None:
    with logcontext.bound(run_id=child_run_id):
        run_resume_parent(child_run_id=child_run_id)


@dramatiq.actor(**_options)
def cancel_child(run_id: str) -> None:
    with logcontext.bound(run_id=run_id):
        run_cancel_child(run_id=run_id)


@dramatiq.actor(**_options)
def undo_child(run_id: str) -> None:
    """A map's compensation undoes one of its item runs."""
    with logcontext.bound(run_id=run_id):
        run_undo_child(run_id=run_id)


@dramatiq.actor(**_options)
def code_advance(run_id: str) -> None:
    """A code run to replay, sent to its version's queue (engine/workflows/driver.queue_for)."""
    with logcontext.bound(run_id=run_id):
        run_code_advance(run_id=run_id)


# This process consumes the queue of every code workflow version it has, and only those: a run
# pinned to a version it lacks is advanced elsewhere (docs/workflows-as-code.md, "Versions").
for _workflow in workflow_list():
    dramatiq.get_broker().declare_queue(queue_for(_workflow.name, _workflow.version))
