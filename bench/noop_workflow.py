"""bench/throughput.py's code workflow: the same 4 no-op steps as its graph, as one function."""
from engine.workflows import workflow

CODE_KEY = "bench-noop4-code"


@workflow(CODE_KEY, version="1")
def noop4(ctx, data):
    for _ in range(4):
        ctx.step("flowdeck.noop", data)
    return {"steps": 4}
