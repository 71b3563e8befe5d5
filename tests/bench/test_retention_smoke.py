"""The retention bench works end to end (not how fast): a few hundred old runs generated, pruned by
runs_prune beside a light load, on a database of its own on the tests' PostgreSQL server and its own
embedded Redis; every old run gone, its archive written, and the one-line summary printed."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server():
    """The tests' server (a superuser), and a database name the bench makes there; dropped after."""
    db = settings.DATABASES["default"]
    url = f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/postgres"
    name = f"{db['TEST']['NAME']}_retention_bench"
    yield url, name
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_retention_bench_prunes_everything_and_prints_its_line(tmp_path, server):
    url, name = server
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "BROKER_URL", "DJANGO_SETTINGS_MODULE", "FLOWDECK_STATE_DIR")}
    done = subprocess.run(
        [sys.executable, "bench/retention.py", "--runs", "300", "--rate", "10", "--idle-seconds", "2",
         "--running-seconds", "1", "--paused-seconds", "1", "--batch", "50", "--threads", "2",
         "--postgres", url, "--database", name, "--state-dir", str(tmp_path / "bench")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "pruned 300 runs (300 with their child runs), 600 steps, 3000 events in 6 batches; 6 archive files" in out, out
    assert "violation" not in out
    assert re.search(r"^retention: runs=300 events=3000 pruned_in=\d+\.\ds idle_p99=(\d+\.\d|n/a)ms "
                     r"prune_p99=(\d+\.\d|n/a)ms ratio=(\d+\.\d\d|n/a)$", out.strip().splitlines()[-1]), out
    assert len(list((tmp_path / "bench" / "archive").glob("runs-*.jsonl.gz"))) == 6
