"""The chaos harness's processes and servers: children in their own process
groups (a kill takes the whole group), the embedded PostgreSQL and Redis it
restarts, and a tiny HTTP client."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "flowdeck_chaos"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """A child in its own session, so a kill takes its whole process group."""

    def __init__(self, name: str, args: list[str], env: dict, logdir: Path):
        self.name, self.args, self.env, self.logdir = name, args, env, logdir
        self.generation = 0
        self.popen: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.generation += 1
        self.started_at = time.monotonic()
        logfile = open(self.logdir / f"{self.name}.log", "ab")
        logfile.write(f"\n==== start #{self.generation} {time.strftime('%H:%M:%S')} ====\n".encode())
        logfile.flush()
        self.popen = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=logfile, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        logfile.close()

    def signal(self, sig) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def kill_and_restart(self) -> None:
        self.signal(signal.SIGKILL)
        self.popen.wait()
        self.start()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self.signal(signal.SIGKILL)
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            pass


class Servers:
    """The embedded PostgreSQL and Redis of ``state`` (or given URLs, never restarted)."""

    def __init__(self, state: Path, database_url: str | None, redis_url: str | None):
        os.environ["FLOWDECK_STATE_DIR"] = str(state)  # devstack reads it at import: its own ports, its own data
        sys.path.insert(0, str(ROOT))
        from flowdeck import devstack
        self.devstack, self.state = devstack, state
        self.own_pg, self.own_redis = database_url is None, redis_url is None
        if self.own_pg:
            self.pg_port = devstack.pg_start(state / "pgdata")
            database_url = f"postgresql://postgres@127.0.0.1:{self.pg_port}/{DB_NAME}"
        if self.own_redis:
            self.redis_port = devstack.redis_start(state / "redis")
            redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.database_url, self.redis_url = database_url.replace("postgres://", "postgresql://", 1), redis_url

    def fresh_database(self) -> None:
        import psycopg
        admin = self.database_url.rsplit("/", 1)[0] + "/postgres"
        name = self.database_url.rsplit("/", 1)[1]
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        if self.own_redis:
            import redis
            redis.Redis.from_url(self.redis_url).flushall()

    def restart_redis(self) -> float:
        """SIGKILL (no final AOF flush) and start again on the same port."""
        began = time.monotonic()
        pid = int((self.state / "redis" / "redis.pid").read_text().strip())
        os.kill(pid, signal.SIGKILL)
        while self.devstack.redis_running(self.state / "redis"):
            time.sleep(0.05)
        time.sleep(1.0)  # down for a while
        port = self.devstack.redis_start(self.state / "redis")
        if port != self.redis_port:
            raise RuntimeError(f"Redis came back on port {port}, not {self.redis_port}")
        return time.monotonic() - began

    def restart_pg(self) -> float:
        """``pg_ctl stop -m immediate`` (a crash: recovery from the WAL), then start."""
        began = time.monotonic()
        self.devstack.pg_stop(self.state / "pgdata", mode="immediate")
        time.sleep(1.0)
        port = self.devstack.pg_start(self.state / "pgdata")
        if port != self.pg_port:
            raise RuntimeError(f"PostgreSQL came back on port {port}, not {self.pg_port}")
        return time.monotonic() - began

    def stop(self) -> None:
        if self.own_pg:
            self.devstack.pg_stop(self.state / "pgdata")
        if self.own_redis:
            self.devstack.redis_stop(self.state / "redis")


def http(method: str, url: str, body=None, *, token: str | None = None, timeout: float = 10) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else {})
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, {"raw": raw[:300].decode(errors="replace")}


def wait_http(url: str, timeout: float, procs: list[Proc]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if http("GET", url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        dead = [p.name for p in procs if p.popen.poll() is not None]
        if dead:
            raise RuntimeError(f"process(es) {', '.join(dead)} exited during start-up")
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")
