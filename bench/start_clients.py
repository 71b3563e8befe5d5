"""Flowdeck's start clients: processes calling ``run_start``, as web worker processes would.

Started by the harness (``Flowdeck.start``) with ``--clients`` > 1. Threads in
the harness's own process shared one interpreter lock: with two worker
processes draining faster than that, the 2-process row measured the harness,
not the engine (starts at about 150/s).

Each client sets Django up, prints ``ready``, waits for a line on stdin, then
starts runs k, k + clients, k + 2 * clients ... below n and prints ``done``.

    python -m bench.start_clients --key bench.noop4 --runs 2000 --clients 4 --index 0
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--key", required=True)
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--index", type=int, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdeck.settings")
    import django
    django.setup()
    from django.db import connection

    from engine.services.runs import run_start
    connection.ensure_connection()
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(args.index, args.runs, args.clients):
        run_start(definition_key=args.key, input={"i": i})
    connection.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
