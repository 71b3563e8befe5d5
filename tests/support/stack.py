"""Real processes for integration tests: dramatiq workers and the scheduler."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Proc:
    def __init__(self, name: str, args: list[str], env: dict):
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix=f"flowdeck-{name}-", suffix=".log", delete=False)
        # Own session: a kill takes the dramatiq parent and its worker children together.
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self, sig=signal.SIGKILL) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, timeout: float = 15) -> None:
        if self.alive():
            self.kill(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.popen.wait(5)
        self.kill(signal.SIGKILL)  # stray children

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")


class Stack:
    def __init__(self, env: dict):
        self.env = env
        self.procs: list[Proc] = []

    def worker(self, *, processes: int = 1, threads: int = 4, env: dict | None = None) -> Proc:
        args = [sys.executable, "manage.py", "rundramatiq", "--processes", str(processes), "--threads", str(threads)]
        proc = Proc("worker", args, {**self.env, **(env or {})})
        self.procs.append(proc)
        return proc

    def scheduler(self, *, interval: float = 0.2, env: dict | None = None) -> Proc:
        proc = Proc("scheduler", [sys.executable, "manage.py", "engine_scheduler", "--interval", str(interval)],
                    {**self.env, **(env or {})})
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            proc.stop()

    def logs(self) -> str:
        return "\n".join(f"==== {p.name} ====\n{p.output()[-4000:]}" for p in self.procs)


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
