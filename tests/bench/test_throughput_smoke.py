"""The throughput harness works end to end (not how fast): a small run on
its own embedded PostgreSQL and Redis, Flowdeck and raw Dramatiq only (the
other peers are slow to install and start)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_throughput_harness_prints_table_and_ratios(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "BROKER_URL", "DJANGO_SETTINGS_MODULE", "FLOWDECK_STATE_DIR")}
    done = subprocess.run(
        [sys.executable, "bench/throughput.py", "--runs", "20", "--skip", "dbos,temporal", "--latency-runs", "5",
         "--state-dir", str(tmp_path / "bench")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-4000:]
    out = done.stdout
    assert re.search(r"^\| system\s+\| workflows/s", out, re.M), out
    for label in ("Flowdeck, 1 worker process", "Flowdeck code workflow", "Flowdeck, 2 worker processes", "raw Dramatiq, 4 no-op actors",
                  "raw Dramatiq + 3 psycopg"):
        row = next((line for line in out.splitlines() if label in line), None)
        assert row is not None and "n/a" not in row, out
        assert re.search(r"\|\s+\d+\.\d\s+\|", row), row  # a workflows/s number
    assert re.search(r"^flowdeck/dbos=n/a flowdeck/dramatiq_pg=\d+\.\d\d flowdeck/temporal=n/a flowdeck_code/dbos=n/a$",
                     out.strip().splitlines()[-1]), out
    # Everything it started is stopped: no postmaster left on its data directory.
    assert not (tmp_path / "bench" / "pgdata" / "postmaster.pid").exists()


def test_rounds_keep_each_systems_median_round():
    sys.path.insert(0, str(ROOT))
    from bench.throughput import median_rounds, ratios
    rounds = [{"flowdeck-1": {"workflows_per_s": 90.0, "tag": "a"}, "dramatiq-pg": {"workflows_per_s": 300.0}},
              {"flowdeck-1": {"workflows_per_s": 120.0, "tag": "b"}, "dramatiq-pg": {"na": "not installed"}},
              {"flowdeck-1": {"workflows_per_s": 100.0, "tag": "c"}, "dramatiq-pg": {"workflows_per_s": 200.0}}]
    merged = median_rounds(rounds)
    assert merged["flowdeck-1"]["tag"] == "c"  # 90, 100, 120: the middle one, all its fields
    assert merged["dramatiq-pg"]["workflows_per_s"] == 200.0  # of the two measured, the lower middle
    assert ratios(merged).startswith("flowdeck/dbos=n/a flowdeck/dramatiq_pg=0.50 ")
    assert median_rounds([{"dbos": {"na": "x"}}]) == {"dbos": {"na": "x"}}
