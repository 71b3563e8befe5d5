"""A real shop process (examples/shop) on the test database, shared by the
session; ledgers and faults are emptied before each test that uses it."""
from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ShopProcess:
    def __init__(self, env: dict):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = env["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        self.log = tempfile.NamedTemporaryFile(prefix="flowdeck-shop-", suffix=".log", delete=False)
        self.popen = subprocess.Popen([sys.executable, "-m", "examples.shop.server", "--port", str(self.port),
                                       "--threads", "16"], cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                      env={**env, "SHOP_DATABASE_URL": self.database_url})
        self.client = httpx.Client(base_url=self.url, timeout=10)
        self.wait_ready()

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.client.get("/healthz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.popen.poll() is None, self.output()
            time.sleep(0.1)
        raise AssertionError(f"the shop did not start\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def post(self, path: str, body: dict, key: str | None, **kw) -> httpx.Response:
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(path, json=body, headers=headers, **kw)

    def faults(self, configs: dict) -> None:
        response = self.client.put("/faults", json=configs)
        assert response.status_code == 200, response.text

    def sql(self, query: str, *params) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def reset(self) -> None:
        from examples.shop import store
        self.client.delete("/faults").raise_for_status()
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            store.ledgers_truncate(conn)

    def stop(self) -> None:
        self.client.close()
        self.popen.terminate()
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            self.popen.kill()


@pytest.fixture(scope="session")
def shop_process(stack_env):
    proc = ShopProcess(stack_env)
    yield proc
    proc.stop()


@pytest.fixture
def shop(shop_process):
    shop_process.reset()
    yield shop_process
    shop_process.reset()
