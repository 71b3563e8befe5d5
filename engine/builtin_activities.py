"""Activities every installation has: handy for demos, tests and benchmarks."""
import time

from engine.activities import ActivityError, activity


@activity("flowdeck.noop", description="Returns its input unchanged.",
          output_schema={"type": "object"})
def noop(ctx, data):
    return data if isinstance(data, dict) else {"value": data}


@activity("flowdeck.sleep", description="Sleeps for `seconds` (heartbeating), then returns its input.",
          input_schema={"type": "object", "properties": {"seconds": {"type": "number", "minimum": 0, "maximum": 3600}}})
def sleep(ctx, data):
    deadline = time.monotonic() + float((data or {}).get("seconds", 1))
    while time.monotonic() < deadline:
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        ctx.heartbeat()
    return data or {}


@activity("flowdeck.fail", description="Always raises an error of the given type and message.",
          input_schema={"type": "object", "properties": {"message": {"type": "string"}, "type": {"type": "string"}}})
def fail(ctx, data):
    data = data or {}
    raise ActivityError(data.get("message", "failed on purpose"), error_type=data.get("type", "ActivityError"))
