"""A dramatiq worker process whose parent is SIGKILLed stops too (flowdeck/liveness.py): under
supervisord a restarted worker must not run beside an orphan that still consumes."""
import os
import signal

import psutil
import pytest

from engine.models import EngineProcess
from tests.support.stack import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_processes_die_with_their_parent(stack):
    worker = stack.worker(threads=1, env={"FLOWDECK_BEAT_INTERVAL": "0.5"})
    parent = psutil.Process(worker.popen.pid)  # rundramatiq execs dramatiq's main process
    children = wait_for(lambda: parent.children(recursive=True), timeout=60, message="dramatiq's worker process")
    booted = wait_for(lambda: EngineProcess.objects.filter(pid__in=[c.pid for c in children]).first(),
                      timeout=60, message="a booted worker process (its first beat)")
    os.kill(parent.pid, signal.SIGKILL)  # the parent alone, not its process group
    child = psutil.Process(booted.pid)
    wait_for(lambda: not child.is_running() or child.status() == psutil.STATUS_ZOMBIE, timeout=45,
             message=f"orphaned worker process {booted.pid} to stop")
