"""`make run`'s process manager: supervisord with the real flowdeck/supervisord.conf,
on free ports and the test database. A SIGKILLed worker (one of dramatiq's worker
processes, or rundramatiq's whole group) and a SIGKILLed scheduler are started
again within seconds, while web keeps answering /healthz (issue 13)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.stack import ROOT, Proc, wait_for

CONF = ROOT / "flowdeck" / "supervisord.conf"
RESPAWN = 5  # seconds from a kill to the new process: dramatiq's parent notices within 1 s, supervisord waits 1 s
BOOT = 30  # then Django and dramatiq boot: a few seconds, more on 2 busy cores

pytestmark = pytest.mark.timeout(90)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Supervised:
    """The programs supervisord runs, found from its process tree by command line."""

    def __init__(self, proc: Proc):
        self.root = psutil.Process(proc.popen.pid)

    def pid(self, marker: str) -> int | None:
        for child in self.root.children():
            try:
                if marker in " ".join(child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE:
                    return child.pid
            except psutil.NoSuchProcess:
                continue
        return None

    def worker_pids(self) -> tuple[int, int] | None:
        """(rundramatiq, its dramatiq worker process) once both are up."""
        parent = self.pid("dramatiq")
        if parent is None:
            return None
        try:
            workers = [c.pid for c in psutil.Process(parent).children() if c.status() != psutil.STATUS_ZOMBIE]
        except psutil.NoSuchProcess:
            return None
        return (parent, workers[0]) if workers else None

    def descendants(self) -> list[psutil.Process]:
        try:
            return self.root.children(recursive=True)
        except psutil.NoSuchProcess:
            return []


@pytest.fixture
def supervisord(stack_env, transactional_db, tmp_path):
    web, shop = _free_port(), _free_port()
    env = {**stack_env, "FLOWDECK_PORT": str(web), "FLOWDECK_SHOP_PORT": str(shop),
           "FLOWDECK_SHOP_URL": f"http://127.0.0.1:{shop}", "FLOWDECK_STATE_DIR": str(tmp_path)}
    proc = Proc("supervisord", [str(Path(sys.executable).parent / "supervisord"), "-n", "-c", str(CONF)], env)
    tree = Supervised(proc)
    yield proc, tree, f"http://127.0.0.1:{web}"
    leftovers = tree.descendants()
    proc.popen.send_signal(signal.SIGTERM)  # supervisord stops its programs, as on Ctrl-C
    try:
        proc.popen.wait(40)
    except subprocess.TimeoutExpired:
        proc.kill()
    for leftover in leftovers:  # only if supervisord failed to stop them (is_running guards pid reuse)
        try:
            if leftover.is_running():
                leftover.kill()
        except psutil.NoSuchProcess:
            pass


def _healthz(url: str) -> dict:
    response = httpx.get(f"{url}/healthz", timeout=10)
    assert response.status_code in (200, 503), response.text  # 503: a part is down, web still answers
    return response.json()


def _wait(proc: Proc, predicate, *, timeout: float, what: str):
    try:
        return wait_for(predicate, timeout=timeout, interval=0.2, message=what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{proc.output()[-4000:]}") from None


def test_a_killed_worker_or_scheduler_is_restarted_while_web_keeps_answering(supervisord):
    proc, tree, url = supervisord

    def up():
        try:
            healthy = _healthz(url)["database"]["ok"]
        except httpx.HTTPError:
            return None
        return healthy and "Worker process is ready" in proc.output() and tree.pid("engine_scheduler")
    _wait(proc, up, timeout=60, what="web, worker and scheduler up")
    web = tree.pid("daphne")
    parent, child = tree.worker_pids()
    scheduler = tree.pid("engine_scheduler")

    os.kill(child, signal.SIGKILL)  # one dramatiq worker process: its parent exits, supervisord restarts it
    os.kill(scheduler, signal.SIGKILL)

    def respawned():
        _healthz(url)  # every poll: web answers
        new_parent, new_scheduler = tree.pid("dramatiq"), tree.pid("engine_scheduler")
        return new_parent not in (None, parent) and new_scheduler not in (None, scheduler) and new_parent
    parent = _wait(proc, respawned, timeout=RESPAWN, what="worker and scheduler respawned")
    child = _wait(proc, lambda: (tree.worker_pids() or (None, None))[1], timeout=BOOT, what="new worker process")
    assert not psutil.pid_exists(scheduler)

    os.killpg(parent, signal.SIGKILL)  # rundramatiq's whole process group

    def respawned_again():
        _healthz(url)
        new_parent = tree.pid("dramatiq")
        return new_parent not in (None, parent) and not psutil.pid_exists(child)
    _wait(proc, respawned_again, timeout=RESPAWN, what="worker respawned after its group was killed")
    _wait(proc, tree.worker_pids, timeout=BOOT, what="new worker process")

    assert tree.pid("daphne") == web  # web was never restarted
    assert _healthz(url)["database"]["ok"]
    log = proc.output()
    assert log.count("exited: worker") == 2 and "exited: scheduler (terminated by SIGKILL" in log, log[-3000:]
    assert "worker    | " in log and "scheduler | " in log and "web       | " in log  # prefixed output
