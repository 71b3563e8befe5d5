"""What every measured system shares: child processes, percentiles, and the
one line a peer driver prints for the harness to read.

Every system is measured over the same span: from just before the first
start call to the last completion as the system itself recorded it (a
timestamp written by the worker), so a poller's interval never counts. The
N starts come from the same number of concurrent clients (threads) for every
system (``--clients``).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULT_PREFIX = "BENCH-RESULT "
WARMUP_RUNS = 10


def percentile(values, q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of ``values``; None when empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, min(len(ordered), int(round(q / 100 * len(ordered) + 0.5))))
    return ordered[rank - 1]


def emit(result: dict) -> None:
    """The driver's answer: one JSON line the harness picks out of stdout."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def read_result(stdout: str) -> dict | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Proc:
    """A child in its own session, so stopping it takes its children too."""

    def __init__(self, name: str, args: list[str], *, env: dict | None = None, log_dir: Path | None = None):
        self.name = name
        log_dir = Path(log_dir or os.environ.get("BENCH_LOG_DIR") or "/tmp")
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "w")
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env or os.environ.copy(), stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def _signal(self, sig) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, timeout: float = 20, sig=signal.SIGTERM) -> None:
        if self.alive():
            self._signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.popen.wait(5)
        self._signal(signal.SIGKILL)  # stray children of the group
        self._log.close()

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def wait_until(predicate, *, timeout: float, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def python() -> str:
    return sys.executable


def start_concurrently(n: int, clients: int, start_one, *, done=None) -> float:
    """Call ``start_one(i)`` for i in 0..n-1 from ``clients`` threads (each takes every
    clients-th i); returns the wall time just before the first call. ``done`` runs at the
    end of each thread (closing its database connection)."""
    import threading
    errors: list[BaseException] = []

    def client(k: int) -> None:
        try:
            for i in range(k, n, clients):
                start_one(i)
        except BaseException as exc:  # re-raised below, in the caller's thread
            errors.append(exc)
        finally:
            if done is not None:
                done()
    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    t_first = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return t_first
