#!/usr/bin/env python
"""What the expression limits cost and what they stop.

    python bench/expression_limits.py [--before-limit-mb 1500]

For each hostile case, "before" is what the engine did until the limits: plain
``jmespath.search`` (jmespath's TreeInterpreter, no budget), then ``json.dumps``
of the result (storing a step's input), in a child process under an address-space
limit (``RLIMIT_AS``, 1.5 GB by default, as in the attack); "now" is the validator
(``validate_spec``) and the bounded evaluator (``engine.spec.bounded``) run directly
on the same expression, refused or not by the validator, with the steps it used.
Then the cost of the budget on ordinary expressions (plain vs bounded, best of 5).
CPU seconds are the process's (``time.process_time``); docs/reliability.md
("Limits on user input") records a run. Pure Python: no database, no Django.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jmespath  # noqa: E402

from engine.errors import ExpressionLimit, InvalidInput  # noqa: E402
from engine.spec import Budget, evaluate_expression  # noqa: E402
from engine.spec.validate import validate_spec  # noqa: E402
from engine.spec import bounded  # noqa: E402

SMALL = {"input": {"order": {"id": "ORD-1", "amount": 1250, "currency": "EUR",
                             "items": [{"sku": f"SKU-{i}", "qty": i, "price": 9.99} for i in range(8)]}}}
TEN = ",".join(["@"] * 10)
BIG = {"input": {"blob": "x" * 60_000}}


def pipes(k: int) -> str:
    return "|".join(["[@,@]"] * k)


CASES = [
    # (name, expression, context name)
    ("[@,@] x16", pipes(16), "small"),
    ("[@,@] x20", pipes(20), "small"),
    ("[@,@] x24", pipes(24), "small"),
    ("[@,@] x63", pipes(63), "small"),
    ("length(to_string([@,@] x20))", f"length(to_string({pipes(20)}))", "small"),
    ("100x a 60 KB input (accepted)", f"to_string([{TEN}] | [{TEN}])", "big"),
    ("sum([`1e308`,`1e308`])", "sum([`1e308`,`1e308`])", "small"),
    ("to_number('1.0e999')", "to_number('1.0e999')", "small"),
]
CONTEXTS = {"small": SMALL, "big": BIG}

ORDINARY = [
    "input.order.amount",
    "input.order.items[?qty > `3`].sku",
    "{id: input.order.id, total: input.order.amount, skus: input.order.items[*].sku}",
    "sort_by(input.order.items, &qty)[-1].sku",
    "join(',', input.order.items[*].sku)",
]


def _before_child(expression: str, context: str, limit_mb: int) -> None:
    """Runs in a child: plain jmespath, then json.dumps, under RLIMIT_AS; prints one JSON line."""
    resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 2 ** 20, limit_mb * 2 ** 20))
    started = time.process_time()
    try:
        value = jmespath.search(expression, CONTEXTS[context])
        evaluated = time.process_time() - started
        text = json.dumps(value, separators=(",", ":"))
        outcome = {"bytes": len(text), "eval_s": evaluated, "cpu_s": time.process_time() - started,
                   "value": text[:40] if len(text) < 40 else None}
    except MemoryError:
        outcome = {"error": "MemoryError", "cpu_s": time.process_time() - started}
    outcome["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(outcome))


def before(expression: str, context: str, limit_mb: int, timeout: float) -> str:
    code = (f"import sys; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); "
            f"import expression_limits as b; b._before_child({expression!r}, {context!r}, {limit_mb})")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"still running after {timeout:.0f} s"
    if done.returncode != 0 or not done.stdout.strip():
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return f"died ({last[:60]})"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if "error" in result:
        return f"{result['error']} after {result['cpu_s']:.1f} s CPU, {result['maxrss_mb']:.0f} MB"
    if result["value"] is not None:
        return f"returned {result['value']} in {result['cpu_s']:.2f} s CPU"
    return (f"{result['bytes'] / 1e6:.1f} MB JSON, {result['cpu_s']:.2f} s CPU "
            f"(evaluate {result['eval_s'] * 1000:.1f} ms), {result['maxrss_mb']:.0f} MB RSS")


def _spec(expression: str) -> dict:
    return {"schema_version": 1, "nodes": [
        {"id": "start", "type": "start"}, {"id": "t", "type": "task", "activity": "x", "input": {"v": expression}},
        {"id": "end", "type": "end"}],
        "edges": [{"id": "a", "source": "start", "target": "t"}, {"id": "b", "source": "t", "target": "end"}]}


def now(expression: str, context: str) -> tuple[str, str]:
    started = time.perf_counter()
    errors = validate_spec(_spec(expression), activity_exists={"x"})
    validated = (time.perf_counter() - started) * 1000
    verdict = f"{errors[0]['code'].removeprefix('spec.')} in {validated:.1f} ms" if errors \
        else f"accepted in {validated:.1f} ms"
    budget = Budget()
    started = time.process_time()
    try:
        bounded.evaluate(jmespath.compile(expression).parsed, CONTEXTS[context], budget)
        outcome = "returned"
    except ExpressionLimit as exc:
        outcome = f"ExpressionLimit ({exc.limit})"
    cpu = (time.process_time() - started) * 1000
    return verdict, f"{outcome} after {budget.used} steps, {cpu:.1f} ms CPU"


def overhead() -> list[str]:
    rows = []
    for expression in ORDINARY:
        parsed = jmespath.compile(expression)
        evaluate_expression(expression, SMALL)   # compile once (cached)
        plain = min(_timed(lambda: parsed.search(SMALL)) for _ in range(5))
        bounded_ = min(_timed(lambda: evaluate_expression(expression, SMALL)) for _ in range(5))
        rows.append(f"| `{expression}` | {plain:.1f} | {bounded_:.1f} | {bounded_ / plain:.1f}x |")
    return rows


def _timed(fn, n: int = 2000) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before-limit-mb", type=int, default=1500)
    parser.add_argument("--before-timeout", type=float, default=120.0)
    args = parser.parse_args()
    print("| case | before (jmespath + json.dumps) | validator now | run time now |")
    print("|---|---|---|---|")
    for name, expression, context in CASES:
        verdict, outcome = now(expression, context)
        print(f"| `{name}` | {before(expression, context, args.before_limit_mb, args.before_timeout)} | "
              f"{verdict} | {outcome} |", flush=True)
    print()
    print("| ordinary expression | plain jmespath µs | bounded µs | ratio |")
    print("|---|---|---|---|")
    for row in overhead():
        print(row)
    try:
        evaluate_expression("input.blob", BIG)
    except InvalidInput as exc:   # not expected: a 60 KB value is well within the limits
        print(f"unexpected: {exc}")


if __name__ == "__main__":
    main()
