"""Demo orders: one of each outcome, so a newcomer sees every state at once."""
from __future__ import annotations

ADDRESS = {"name": "Ada Lovelace", "street": "12 St James's Square", "city": "London", "postcode": "SW1Y 4JH",
           "country": "GB"}
SOLD_OUT_SKU = "SKU-SOLD-OUT"

# The faults the demo needs (merged into the shop's configuration).
DEMO_FAULTS = {
    "charge": {"flaky_orders": {"ORD-DEMO-2": 2}},        # two 503s, then the retry succeeds
    "reserve": {"out_of_stock_skus": [SOLD_OUT_SKU]},     # reserving it fails: refund, compensated
}


def order(order_id: str, *, amount_cents: int, items: list[dict], email: str = "ada@example.com") -> dict:
    return {"order_id": order_id, "amount_cents": amount_cents, "currency": "EUR", "items": items,
            "customer": {"email": email, "name": ADDRESS["name"]}, "address": ADDRESS}


DEMO_ORDERS = [
    ("succeeds", order("ORD-DEMO-1", amount_cents=4990, items=[{"sku": "SKU-MUG", "qty": 2}])),
    ("retried, then succeeds", order("ORD-DEMO-2", amount_cents=12900, items=[{"sku": "SKU-KETTLE", "qty": 1}])),
    ("compensated: out of stock, charge refunded",
     order("ORD-DEMO-3", amount_cents=7450, items=[{"sku": "SKU-MUG", "qty": 1}, {"sku": SOLD_OUT_SKU, "qty": 1}])),
    ("waits for manual approval (1000.00 or more)",
     order("ORD-DEMO-4", amount_cents=250000, items=[{"sku": "SKU-ESPRESSO-MACHINE", "qty": 1}])),
]


def faults_merge(current: dict[str, dict], extra: dict[str, dict]) -> dict[str, dict]:
    """``extra`` merged into ``current``: lists are unioned, dicts updated."""
    out = {endpoint: dict(config) for endpoint, config in current.items()}
    for endpoint, config in extra.items():
        target = out.setdefault(endpoint, {})
        for field, value in config.items():
            if isinstance(value, list):
                target[field] = sorted(set(target.get(field, [])) | set(value), key=str)
            elif isinstance(value, dict):
                target[field] = {**target.get(field, {}), **value}
            else:
                target[field] = value
    return out
