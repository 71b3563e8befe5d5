"""The servers a bench/throughput.py invocation measures on (embedded PostgreSQL and
Redis, or the ones named), and a line describing this machine. bench/attempts.py and
bench/noisy_neighbour.py use them too."""
from __future__ import annotations

import contextlib
import fcntl
import os
import platform
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


class Servers:
    """PostgreSQL and Redis for the whole invocation: embedded ones in
    ``state_dir`` (stopped on exit), or the servers the URLs name."""

    def __init__(self, state_dir: Path, pg_url: str | None, redis_url: str | None):
        self.state_dir, self.pg_url, self.redis_url = state_dir, pg_url, redis_url
        self.started: list[str] = []
        self._lock = None

    def __enter__(self) -> "Servers":
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.state_dir / "bench.lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"another bench/throughput.py is using {self.state_dir}; pass --state-dir")
        # devstack keeps its port files in FLOWDECK_STATE_DIR: ours, not the dev servers'.
        os.environ["FLOWDECK_STATE_DIR"] = str(self.state_dir)
        from flowdeck import devstack
        devstack.STATE = self.state_dir
        try:
            if not self.pg_url:
                self.started.append("postgres")
                self.pg_url = f"postgresql://postgres@127.0.0.1:{devstack.pg_start(self.state_dir / 'pgdata')}/postgres"
            if not self.redis_url:
                self.started.append("redis")
                self.redis_url = f"redis://127.0.0.1:{devstack.redis_start(self.state_dir / 'redis')}/0"
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        from flowdeck import devstack
        if "postgres" in self.started:
            devstack.pg_stop(self.state_dir / "pgdata")
        if "redis" in self.started:
            devstack.redis_stop(self.state_dir / "redis")
        if self._lock:
            self._lock.close()

    def pg(self, database: str) -> str:
        parts = urlsplit(self.pg_url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))

    def redis(self, db: int) -> str:
        parts = urlsplit(self.redis_url)
        return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))

    def create_database(self, name: str) -> str:
        import psycopg
        with psycopg.connect(self.pg("postgres"), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.pg(name)

    def describe(self) -> str:
        import psycopg
        import redis
        with psycopg.connect(self.pg("postgres")) as conn:
            pg_version = conn.execute("SHOW server_version").fetchone()[0]
        redis_version = redis.Redis.from_url(self.redis_url).info("server")["redis_version"]
        where = "embedded" if self.started else "given"
        return f"PostgreSQL {pg_version}, Redis {redis_version} ({where})"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    return f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"
