"""bench/search.py works end to end (not how fast): a few thousand runs in the test database,
searched through the runs list's selector; every search finds its run, and the plan names the index."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)   # the runs it fills are truncated after the test
def test_search_bench_fills_searches_and_prints_its_line(stack_env):
    done = subprocess.run([sys.executable, "bench/search.py", "--runs", "3000", "--searches", "5", "--wildcard"],
                          cwd=ROOT, env=stack_env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    out = done.stdout
    for kind in ("email", "email + amount", "input object", "item sku (1 in 500)", "any field (no index)"):
        assert re.search(rf"^{re.escape(kind)}\s+\d+\.\d", out, re.M), out
    assert re.fullmatch(r"search: runs=3000 p50=\d+\.\dms p99=\d+\.\dms index=(run_input_gin|none)",
                        out.strip().splitlines()[-1]), out
