"""The Temporal workflow and activity, in a module of their own: the SDK's
workflow sandbox re-imports it, so it imports nothing but temporalio."""
from datetime import timedelta

from temporalio import activity, workflow

TASK_QUEUE = "bench"


@activity.defn
async def noop(value: dict) -> dict:
    return value


@workflow.defn
class Noop4:
    @workflow.run
    async def run(self, value: dict) -> dict:
        for _ in range(4):
            value = await workflow.execute_activity(noop, value, start_to_close_timeout=timedelta(seconds=60))
        return value
