"""dashboard.stream's pure pieces (seq parsing, payload omission, the byte cut) and the
broadcaster's batches, alone; test_push_path.py runs them on a real server."""
from __future__ import annotations

import json

import pytest

from dashboard import broadcast, stream

KIB = 1024


@pytest.mark.parametrize("value, expected", [
    ("0", 0), ("42", 42), (7, 7), ("2147483647", 2**31 - 1), (2**31 - 1, 2**31 - 1),
    ("²", None), ("１", None), ("-1", None), ("1.5", None), ("", None), ("9" * 5000, None), ("2147483648", None),
    ("01234567890", None), (-1, None), (2**31, None), (True, None), (False, None), (None, None), (1.0, None),
    ([1], None),
])
def test_parse_seq_is_strict(value, expected):
    assert stream.parse_seq(value) == expected


def _event(seq, payload, **extra):
    return {"run_id": "r", "seq": seq, "type": "step.succeeded", "node_id": "a", "payload": payload,
            "actor": "system", "reason": "", "created_at": "2026-12-01T00:00:00+00:00", **extra}


def test_a_payload_over_the_limit_is_left_out_keeping_what_the_graph_reads():
    small = _event(1, {"status": "succeeded", "output": "x" * 100})
    assert stream.slim(small, limit=1000) is small
    big = _event(2, {"status": "succeeded", "kind": "node", "attempt": 3, "output": "é" * 1000, "error": None})
    slim = stream.slim(big, limit=1000)
    assert slim["payload"] == {"status": "succeeded", "kind": "node", "attempt": 3}
    assert slim["payload_omitted"] is True
    assert slim["payload_bytes"] == len(json.dumps(big["payload"]))  # as sent: "é" is "\\u00e9"
    assert stream.slim(slim, limit=10) is slim  # once is enough
    assert stream.slim(_event(3, ["not", "an", "object"] * 100), limit=10)["payload"] == {}


def test_an_encoded_event_is_the_event_or_its_slim_self():
    for event in [_event(1, {"status": "ok", "x": "é" * 10}), _event(2, {}), _event(3, None), _event(4, [1, "two"]),
                  _event(5, {"output": "y" * 5000, "status": "succeeded"}), {"seq": 6, "payload": {"a": 1}}]:
        seq, doc = stream.encode(event, limit=1000)
        assert seq == event["seq"] and json.loads(doc) == stream.slim(event, limit=1000)


def test_pages_are_cut_under_the_limit_in_order_and_a_huge_event_goes_alone():
    docs = [stream.encode(_event(seq, {"output": "x" * (300 if seq != 5 else 3000)}), limit=10**6)
            for seq in range(1, 11)]
    pages = stream.cut(docs, limit=1500)
    assert [seq for page in pages for seq, _ in page] == list(range(1, 11))
    for page in pages:
        text = stream.message(page)
        assert json.loads(text)["events"][0]["seq"] == page[0][0]
        assert len(text.encode()) <= 1500 or len(page) == 1
    assert [len(page) for page in pages if any(seq == 5 for seq, _ in page)] == [1]
    assert stream.cut([], limit=1500) == []


def test_the_broadcaster_cuts_a_runs_batch_into_messages_under_the_limit(settings):
    settings.FLOWDECK_WS_MESSAGE_BYTES = 64 * KIB
    settings.FLOWDECK_WS_PAYLOAD_BYTES = 16 * KIB
    events = [_event(seq, {"status": "running", "data": "y" * (20 * KIB if seq % 10 == 0 else 4 * KIB)})
              for seq in range(1, 101)]
    items = list(broadcast._messages(events))
    sends = broadcast._batch(items)
    runs = [message for group, message in sends if group == broadcast.run_group("r")]
    assert len(runs) > 1 and [m["type"] for m in runs] == ["run.events"] * len(runs)
    docs = [doc for message in runs for doc in message["docs"]]
    assert [seq for seq, _ in docs] == list(range(1, 101))
    assert all(len(stream.message(m["docs"])) <= 64 * KIB for m in runs)
    omitted = [json.loads(doc) for seq, doc in docs if seq % 10 == 0]
    assert all(e["payload_omitted"] and e["payload"] == {"status": "running"} for e in omitted)
    assert [message for group, message in sends if group == broadcast.LIST_GROUP] == [
        {"type": "run.changed", "run_id": "r", "status": None, "seq": 100}]
