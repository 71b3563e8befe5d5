"""The poisons of bench/noisy_neighbour.py: activities that misbehave in ways the engine must contain."""
import time

from engine.activities import activity


@activity("bench.big_output", description="Returns an output of `mb` megabytes (30): over any sane limit.")
def big_output(ctx, data):
    return {"blob": "x" * int(float((data or {}).get("mb", 30)) * 1024 * 1024)}


@activity("bench.hang", description="Sleeps `seconds` (3600) in one C call, ignoring its timeout: no interrupt reaches it.")
def hang(ctx, data):
    time.sleep(float((data or {}).get("seconds", 3600)))
    return {}
