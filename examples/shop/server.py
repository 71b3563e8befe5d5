"""Serve the shop: a supervisor that owns the listening socket and a waitress
server child that it restarts whenever it dies.

The "crash" fault ends the child with ``os._exit`` right after a commit. The
supervisor keeps the socket open meanwhile, so new connections wait in the
listen backlog instead of being refused; the requests that were in flight
are dropped unanswered (the client sees a closed connection, retries with the
same Idempotency-Key, and gets the stored response). Dropping one connection
would only exercise the client; killing the process is what a real crash
does, so that is what we do.

    python -m examples.shop.server --port 8001        # needs SHOP_DATABASE_URL or DATABASE_URL
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import time

log = logging.getLogger("shop")
THREADS = 32


def database_url(env=os.environ) -> str:
    url = env.get("SHOP_DATABASE_URL") or env.get("DATABASE_URL")
    if not url:
        raise SystemExit("shop: set SHOP_DATABASE_URL or DATABASE_URL")
    return url.replace("postgres://", "postgresql://", 1)


def supervise(*, host: str = "127.0.0.1", port: int = 8001, threads: int = THREADS, env: dict | None = None) -> int:
    """Bind, then run server children until SIGTERM/SIGINT."""
    env = {**os.environ, **(env or {})}
    env["SHOP_DATABASE_URL"] = database_url(env)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    stopping: list[int] = []
    child: subprocess.Popen | None = None

    def stop(signum, _frame):
        stopping.append(signum)
        if child is not None and child.poll() is None:
            child.terminate()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"shop: listening on http://{host}:{port}/ (supervisor pid {os.getpid()})", flush=True)
    restarts, quick_deaths = 0, 0
    while not stopping:
        started = time.monotonic()
        child = subprocess.Popen([sys.executable, "-m", "examples.shop.server", "--child-fd", str(sock.fileno()),
                                  "--threads", str(threads)], env=env, pass_fds=(sock.fileno(),))
        code = child.wait()
        if stopping:
            break
        restarts += 1
        quick_deaths = quick_deaths + 1 if time.monotonic() - started < 2 else 0
        print(f"shop: server exited with code {code}; restart #{restarts}", flush=True)
        time.sleep(min(2.0, 0.1 * 2 ** min(quick_deaths, 5)))  # back off while the database is down
    sock.close()
    print("shop: stopped", flush=True)
    return 0


def serve_child(fd: int, threads: int) -> None:
    import psycopg
    import waitress

    from examples.shop import store
    from examples.shop.app import ShopApp
    from examples.shop.faults import Faults

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" under load is expected
    sock = socket.socket(fileno=fd)
    pool = store.pool_open(os.environ["SHOP_DATABASE_URL"], max_size=threads)
    deadline = time.monotonic() + 120
    while True:
        try:
            with pool.connection() as conn:
                store.schema_create(conn)
                configs = store.faults_load(conn)
            break
        except Exception as exc:  # the database is starting or restarting
            if time.monotonic() > deadline:
                raise
            log.warning("shop: database not ready (%s); retrying", str(exc).strip()[:200])
            time.sleep(0.5)
    app = ShopApp(pool, Faults(configs))
    log.info("shop: serving (pid %s, %s threads, faults %s)", os.getpid(), threads, configs or "none")
    waitress.serve(app, sockets=[sock], threads=threads, connection_limit=1000, channel_timeout=120,
                   asyncore_use_poll=True, ident="flowdeck-shop", _quiet=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the demo shop.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--child-fd", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_fd is not None:
        serve_child(args.child_fd, args.threads)
        return 0
    return supervise(host=args.host, port=args.port, threads=args.threads)


if __name__ == "__main__":
    sys.exit(main())
