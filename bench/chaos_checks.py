"""What a correct chaos run looks like: the orders, the outcome each one's
faults call for, and the strict checks of the engine's tables and the shop's
ledgers after the run. Pure functions over rows, except ``state_read``."""
from __future__ import annotations

import dataclasses
import random
from collections import Counter, defaultdict

# The extended saga (examples/definitions/order_saga_lines.json): stock reserved line by line by a map,
# each line's reservation undone on its own.
DEFINITION = "order-saga-lines"
PER_LINE = True              # one reservation per line item (else one per order)
APPROVAL_NODE = "approval"   # where a large order nobody approves waits
# --classic: the saga with one reservation per order; --code: that one written as a code workflow
# (examples/shop/workflows.py). The same checks.
CLASSIC_DEFINITION = "order-saga"
CODE_DEFINITION, CODE_APPROVAL_NODE = "order-saga-code", "1:signal:order.approved"


def use_classic(code: bool = False) -> None:
    global DEFINITION, APPROVAL_NODE, PER_LINE
    DEFINITION, PER_LINE = (CODE_DEFINITION if code else CLASSIC_DEFINITION), False
    if code:
        APPROVAL_NODE = CODE_APPROVAL_NODE


def use_code() -> None:
    use_classic(code=True)
SOLD_OUT_SKU = "SKU-SOLD-OUT"
DECLINED_AMOUNTS = [6660, 13130, 40400]
SETTLED = {"completed", "compensated", "cancelled", "aborted", "failed", "compensation_failed"}

# kind -> (expected run status, expected error type)
EXPECTED = {
    "normal": ("completed", None),
    "declined": ("aborted", "CardDeclined"),  # nothing to undo: ends, no retry offered
    "out_of_stock": ("compensated", "OutOfStock"),   # per line: the map's MapItemsFailed (expected_error)
    "fraud": ("compensated", "FraudSuspected"),
    "large_approved": ("completed", None),
    "large_rejected": ("aborted", "OrderRejected"),
    "large_waiting": ("waiting", None),
}
# One in 25 orders of each special kind; the rest are normal.
KIND_CYCLE = ["declined", "out_of_stock", "fraud", "large_approved", "large_rejected", "large_waiting"]


def make_orders(n: int, seed: int, run_tag: str) -> list[dict]:
    rng = random.Random(seed)
    skus = [f"SKU-{i:03d}" for i in range(1, 41)]
    orders = []
    for i in range(n):
        kind = KIND_CYCLE[i % 25] if i % 25 < len(KIND_CYCLE) else "normal"
        items = [{"sku": sku, "qty": rng.randint(1, 3)} for sku in rng.sample(skus, rng.randint(1, 3))]
        amount = rng.randint(500, 90_000)
        while amount in DECLINED_AMOUNTS:
            amount += 1
        email = f"customer{i}@example.com"
        if kind == "declined":
            amount = DECLINED_AMOUNTS[i % len(DECLINED_AMOUNTS)]
        elif kind == "out_of_stock":
            items.append({"sku": SOLD_OUT_SKU, "qty": 1})
        elif kind == "fraud":
            email = f"customer{i}@fraud.test"
        elif kind.startswith("large"):
            amount = rng.randint(100_000, 400_000)
        order_id = f"CH-{run_tag}-{i:05d}"
        orders.append({"kind": kind, "order_id": order_id, "input": {
            "order_id": order_id, "amount_cents": amount, "currency": "EUR", "items": items,
            "customer": {"email": email, "name": f"Customer {i}"},
            "address": {"street": f"{i} Chaos Lane", "city": "Testville", "country": "DE"}}})
    return orders


def shop_faults(rate: float) -> dict:
    return {
        "*": {"failure_rate": rate, "latency_ms": 10, "hang_rate": round(rate / 6, 5), "hang_seconds": 8,
              "crash_rate": round(rate / 10, 5)},
        "charge": {"declined_amounts": DECLINED_AMOUNTS},
        "reserve": {"out_of_stock_skus": [SOLD_OUT_SKU]},
    }


@dataclasses.dataclass
class State:
    """The engine's runs and the shop's ledgers after the run."""
    runs: list[tuple]                     # (business_key, run_id, status, error_type, next_seq)
    events: dict[str, tuple]              # run_id -> (count, min seq, max seq, distinct seqs)
    open_steps: dict[str, list[tuple]]    # run_id -> [(node_id, kind, status)]
    charges: dict[str, list[tuple]]       # order_id -> [(charge_id, amount_cents, status)]
    refunds: Counter                      # charge_id -> refunds
    reservations: dict[str, list[str]]    # order_id -> [status]
    shipments: dict[str, list[str]]       # order_id -> [status]
    emails: dict[str, list[int]]          # order_id -> [1 per email]
    retries: int = 0


def state_read(conn) -> State:
    q = lambda sql, *p: conn.execute(sql, p).fetchall()
    state = State(
        runs=q("SELECT r.business_key, r.id::text, r.status, r.error->>'type', r.next_seq FROM engine_workflowrun r "
               "JOIN engine_workflowdefinition d ON d.id = r.definition_id WHERE d.key = %s "
               "AND r.parent_run_id IS NULL", DEFINITION),   # a map's item runs are the order's own
        events={run_id: (n, lo, hi, distinct) for run_id, n, lo, hi, distinct in q(
            "SELECT run_id::text, count(*), min(seq), max(seq), count(DISTINCT seq) FROM engine_runevent "
            "GROUP BY run_id")},
        open_steps=defaultdict(list), charges=defaultdict(list),
        refunds=Counter(dict(q("SELECT charge_id, count(*) FROM shop.refunds GROUP BY charge_id"))),
        reservations=defaultdict(list), shipments=defaultdict(list), emails=defaultdict(list),
        retries=q("SELECT coalesce(sum(attempt - 1), 0) FROM engine_steprun WHERE attempt > 1")[0][0])
    for run_id, node_id, kind, status in q("SELECT run_id::text, node_id, kind, status FROM engine_steprun "
                                           "WHERE status IN ('scheduled', 'running', 'waiting')"):
        state.open_steps[run_id].append((node_id, kind, status))
    for order_id, charge_id, amount, status in q("SELECT order_id, id, amount_cents, status FROM shop.charges"):
        state.charges[order_id].append((charge_id, amount, status))
    for order_id, status in q("SELECT order_id, status FROM shop.reservations"):
        state.reservations[order_id].append(status)
    for order_id, status in q("SELECT order_id, status FROM shop.shipments"):
        state.shipments[order_id].append(status)
    for (order_id,) in q("SELECT order_id FROM shop.emails"):
        state.emails[order_id].append(1)
    return state


def violations(orders: list[dict], state: State) -> tuple[list[str], Counter]:
    """Every way the run went wrong, and the runs counted by status."""
    found: list[str] = []
    by_key = defaultdict(list)
    for business_key, run_id, status, error_type, next_seq in state.runs:
        by_key[business_key].append((run_id, status, error_type, next_seq))
    outcome = Counter()
    for extra in sorted(set(by_key) - {o["order_id"] for o in orders}):
        found.append(f"run(s) for an order the harness never started: {extra}")
    charges, reservations = dict(state.charges), dict(state.reservations)
    shipments, emails = dict(state.shipments), dict(state.emails)
    for order in orders:
        oid, kind = order["order_id"], order["kind"]
        runs = by_key.get(oid, [])
        if len(runs) != 1:
            found.append(f"{oid}: {len(runs)} runs" + (" (run lost)" if not runs else ""))
            outcome["lost" if not runs else "duplicated"] += 1
            continue
        run_id, status, error_type, next_seq = runs[0]
        outcome[status] += 1
        want_status, want_error = EXPECTED[kind]
        if PER_LINE and kind == "out_of_stock":
            want_error = "MapItemsFailed"   # the sold-out line's item run fails the map
        if status != want_status or (want_error and error_type != want_error):
            found.append(f"{oid} ({kind}): run {run_id} is {status} ({error_type}), expected {want_status}"
                         + (f" ({want_error})" if want_error else ""))
        n, lo, hi, distinct = state.events.get(run_id, (0, None, None, 0))
        if not (n and lo == 1 and hi == n == distinct and next_seq == n + 1):
            found.append(f"{oid}: run {run_id} events not gapless: count={n} min={lo} max={hi} "
                         f"distinct={distinct} next_seq={next_seq}")
        opened = state.open_steps.get(run_id, [])
        if status == "waiting":
            if [s[:1] for s in opened] != [(APPROVAL_NODE,)]:
                found.append(f"{oid}: waiting run {run_id} has open steps {opened}, expected the approval")
        elif opened:
            found.append(f"{oid}: {status} run {run_id} still has open steps {opened}")
        found += ledger_violations(order, status, charges.pop(oid, []), state.refunds, reservations.pop(oid, []),
                                   shipments.pop(oid, []), emails.pop(oid, []))
    for name, rows in (("charges", charges), ("reservations", reservations), ("shipments", shipments),
                       ("emails", emails)):
        for oid in rows:
            found.append(f"{name} for an unknown order {oid}")
    return found, outcome


def ledger_violations(order, status, charges, refunds, reservations, shipments, emails) -> list[str]:
    oid, amount = order["order_id"], order["input"]["amount_cents"]
    out = []
    for charge_id, _, _ in charges:
        if refunds.get(charge_id, 0) > 1:
            out.append(f"{oid}: charge {charge_id} refunded {refunds[charge_id]} times")
    if status == "completed":
        good = [c for c in charges if c[2] == "captured" and c[1] == amount and not refunds.get(c[0])]
        if len(charges) != 1 or len(good) != 1:
            out.append(f"{oid}: completed with charges {charges} (want exactly one captured charge of {amount})")
        lines = len(order["input"].get("items") or [None]) if PER_LINE else 1
        if reservations != ["held"] * lines:
            out.append(f"{oid}: completed with reservations {reservations} (want {lines} held)")
        if shipments != ["scheduled"]:
            out.append(f"{oid}: completed with shipments {shipments} (want one scheduled)")
        if len(emails) != 1:
            out.append(f"{oid}: completed with {len(emails)} confirmation emails")
        return out
    if len(charges) > 1:
        out.append(f"{oid}: {status} with {len(charges)} charges")
    for charge_id, _, charge_status in charges:
        if charge_status != "refunded" or refunds.get(charge_id, 0) != 1:
            out.append(f"{oid}: {status} but charge {charge_id} is {charge_status} with "
                       f"{refunds.get(charge_id, 0)} refund(s)")
    if status in ("aborted", "failed", "waiting") and charges:
        out.append(f"{oid}: {status} but was charged {charges}")
    if "held" in reservations:
        out.append(f"{oid}: {status} but a reservation is still held {reservations}")
    if "scheduled" in shipments:
        out.append(f"{oid}: {status} but a shipment is still scheduled {shipments}")
    if emails:
        out.append(f"{oid}: {status} but {len(emails)} confirmation email(s) were sent")
    return out

# main
