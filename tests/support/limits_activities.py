"""Activities for the hardening tests: outputs of a given size, activities that ignore their
timeout (in Python, which an interrupt stops; in one C call, which nothing stops)."""
import time

from engine.activities import activity


@activity("test.big", description="Returns an output of about `mb` megabytes (or `bytes`).")
def big(ctx, data):
    size = int(data.get("bytes") or float(data.get("mb", 1)) * 1024 * 1024)
    return {"blob": "x" * max(0, size - 12)}


@activity("test.hang", description="Ignores its timeout: sleeps `seconds` (3600) in short naps, no heartbeat.")
def hang(ctx, data):
    deadline = time.monotonic() + float(data.get("seconds", 3600))
    while time.monotonic() < deadline:
        time.sleep(0.05)
    return {"woke": True}


@activity("test.hang_c", description="Sleeps `seconds` (3600) in one C call: no interrupt reaches it.")
def hang_c(ctx, data):
    time.sleep(float(data.get("seconds", 3600)))
    return {"woke": True}
