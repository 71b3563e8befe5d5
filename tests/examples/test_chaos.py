"""bench/chaos.py: its ledger checks catch what they should, and a small run
(40 orders, 2 worker kills, one Redis and one PostgreSQL restart) is clean."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import chaos_checks as chaos  # noqa: E402
SUMMARY = re.compile(r"^chaos: orders=(?P<orders>\d+) completed=(?P<completed>\d+) compensated=(?P<compensated>\d+) "
                     r"aborted=(?P<aborted>\d+) waiting=(?P<waiting>\d+) other=(?P<other>\d+) kills=(?P<kills>\d+) "
                     r"redis_restarts=(?P<redis>\d+) pg_restarts=(?P<pg>\d+) shop_crashes=\d+ step_retries=\d+ "
                     r"violations=(?P<violations>\d+) wall=\d+s$", re.M)


ORDER = {"order_id": "CH-1", "kind": "normal", "input": {"amount_cents": 500}}
GOOD = dict(charges=[("ch_1", 500, "captured")], refunds={}, reservations=["held"], shipments=["scheduled"],
            emails=[1])


def violations(status="completed", **changes):
    ledgers = {**GOOD, **changes}
    return chaos.ledger_violations(ORDER, status, ledgers["charges"], ledgers["refunds"],
                                         ledgers["reservations"], ledgers["shipments"], ledgers["emails"])


def test_a_clean_completed_order_passes_and_each_ledger_error_is_caught():
    assert violations() == []
    assert violations(charges=[("ch_1", 500, "captured"), ("ch_2", 500, "captured")])  # charged twice
    assert violations(charges=[("ch_1", 400, "captured")])  # wrong amount
    assert violations(charges=[("ch_1", 500, "refunded")], refunds={"ch_1": 1})  # refunded but completed
    assert violations(reservations=[]) and violations(shipments=["cancelled"]) and violations(emails=[1, 1])


def test_compensated_and_failed_orders_must_be_undone_exactly_once():
    undone = dict(charges=[("ch_1", 500, "refunded")], refunds={"ch_1": 1}, reservations=["released"],
                  shipments=[], emails=[])
    assert violations("compensated", **undone) == []
    assert violations("compensated", **{**undone, "refunds": {"ch_1": 2}})  # refunded twice
    assert violations("compensated", **{**undone, "charges": [("ch_1", 500, "captured")], "refunds": {}})
    assert violations("compensated", **{**undone, "reservations": ["held"]})  # stock left held
    assert violations("aborted", **{**undone, "charges": [], "refunds": {}}) == []
    assert violations("aborted", **undone)  # an aborted (declined) order was never to be charged
    assert violations("waiting", charges=[], refunds={}, reservations=[], shipments=[], emails=[]) == []


def test_run_checks_catch_lost_duplicated_and_gapped_runs():
    orders = chaos.make_orders(2, seed=1, run_tag="t")  # a declined order and an out-of-stock one
    a, b = orders[0]["order_id"], orders[1]["order_id"]
    state = chaos.State(runs=[(a, "r1", "aborted", "CardDeclined", 4), (b, "r2", "completed", None, 3),
                              (b, "r3", "compensated", "OutOfStock", 3)],
                        events={"r1": (3, 1, 3, 3), "r2": (2, 1, 2, 2), "r3": (3, 1, 4, 3)},
                        open_steps={"r1": [("fraud", "node", "scheduled")]}, charges={}, refunds=chaos.Counter(),
                        reservations={}, shipments={}, emails={})
    found, outcome = chaos.violations(orders, state)
    assert any("r1 still has open steps" in v for v in found)
    assert any(f"{b}: 2 runs" in v for v in found) and outcome == {"aborted": 1, "duplicated": 1}
    state.runs, state.events = [(b, "r3", "compensated", "OutOfStock", 3)], {"r3": (3, 1, 4, 3)}
    found, _ = chaos.violations(orders, state)
    assert any(f"{a}: 0 runs (run lost)" in v for v in found)
    assert any("not gapless" in v for v in found)


def test_orders_cover_every_outcome_deterministically():
    orders = chaos.make_orders(40, seed=1, run_tag="t")
    assert orders == chaos.make_orders(40, seed=1, run_tag="t")
    kinds = {o["kind"] for o in orders}
    assert kinds == set(chaos.EXPECTED)
    assert all(o["input"]["amount_cents"] in chaos.DECLINED_AMOUNTS for o in orders if o["kind"] == "declined")
    assert all(o["input"]["amount_cents"] not in chaos.DECLINED_AMOUNTS for o in orders if o["kind"] != "declined")


@pytest.mark.worker
@pytest.mark.timeout(480)
@pytest.mark.parametrize("extra, orders, at_least", [
    ((), 40, 4),
    # The same faults, kills and restarts, the same ledger checks, on examples/shop/workflows.py.
    (("--code",), 30, 2),
], ids=["graph", "code"])
def test_a_small_chaos_run_is_clean(extra, orders, at_least):
    state = ".flowdeck/chaos-test" + ("-code" if extra else "")
    proc = subprocess.run([sys.executable, "bench/chaos.py", *extra, "--orders", str(orders), "--kills", "2",
                           "--state-dir", state], cwd=ROOT, capture_output=True, text=True, timeout=450)
    match = SUMMARY.search(proc.stdout)
    assert match, f"no summary line\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-6000:]}"
    got = {k: int(v) for k, v in match.groupdict().items()}
    assert proc.returncode == 0 and got["violations"] == 0, proc.stderr[-6000:]
    assert got["orders"] == orders and got["other"] == 0
    assert got["completed"] + got["compensated"] + got["aborted"] + got["waiting"] == orders
    assert got["compensated"] >= at_least and got["aborted"] >= at_least and got["waiting"] >= 1
    assert got["kills"] == 2 and got["redis"] == 1 and got["pg"] == 1
