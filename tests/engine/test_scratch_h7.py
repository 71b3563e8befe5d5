import time, pytest
from engine.models import StepRun, WorkflowRun, EngineProcess
from engine.services.runs import run_start
from tests.support.flows import chain, publish, task, wait_status
from tests.support.stack import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

@pytest.mark.parametrize("activity", ["test.hang", "test.hang_c"])
def test_measure_hangs(stack, ledger, activity):
    publish("hangs", chain(task("hang", activity=activity, input={"seconds": "`3600`"}, timeout=2, retry={"max_attempts": 1})))
    publish("orders", chain(task("a")))
    stack.worker(threads=8, env={"FLOWDECK_BEAT_INTERVAL": "1"})
    stack.scheduler()
    hanging = [run_start(definition_key="hangs")[0] for _ in range(10)]
    wait_for(lambda: StepRun.objects.filter(node_id="hang", status="running").count() == 8, timeout=30)
    t0 = time.monotonic()
    ordinary = [run_start(definition_key="orders")[0] for _ in range(5)]
    for run in ordinary:
        wait_status(run.id, "completed", timeout=90, stack=stack)
    t1 = time.monotonic() - t0
    for run in hanging:
        wait_status(run.id, "failed", "aborted", timeout=90, stack=stack)
    t2 = time.monotonic() - t0
    types = sorted({a["error"]["type"] for r in hanging for a in StepRun.objects.get(run=r, node_id="hang").attempts})
    time.sleep(2)
    w = EngineProcess.objects.get(kind="worker", stopped_at__isnull=True)
    print(f"\nMEASURE {activity}: 5 ordinary completed {t1:.1f}s after start; 10 hanging ended {t2:.1f}s; types {types}; beat threads_busy={w.threads_busy} info={w.info}")

def test_measure_big(stack, ledger):
    publish("huge", chain(task("big", activity="test.big", input={"bytes": f"`{30*1024*1024}`"}, on_failure="incident")))
    stack.worker(threads=2)
    t0 = time.monotonic()
    run, _ = run_start(definition_key="huge")
    wait_status(run.id, "failed", timeout=60, stack=stack)
    print(f"\nMEASURE big: failed {time.monotonic()-t0:.2f}s after start; {StepRun.objects.get(run=run, node_id='big').error['message']}")
