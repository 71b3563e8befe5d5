"""engine/jsonpaths.py: search terms' containment objects and an edit's changed paths."""
import pytest

from engine.jsonpaths import PathError, containment, diff, parse_path, parse_value, show_path


def test_paths_and_their_containment():
    assert parse_path("items[].sku") == [("items", True), ("sku", False)]
    assert containment("customer.email", "a@b.c") == {"customer": {"email": "a@b.c"}}
    assert containment("items[].sku", "X") == {"items": [{"sku": "X"}]}
    assert containment("a[].b[]", 1) == {"a": [{"b": [1]}]}
    for bad in ("", "a..b", ".a", "a b", "a[1]", "a.b[", 'a"b'):
        with pytest.raises(PathError):
            parse_path(bad)
    with pytest.raises(PathError, match="at most 20"):
        parse_path(".".join("k" * 21))


def test_values_read_as_json_only_when_they_are_scalars():
    assert [parse_value(v) for v in ("12", "-1.5", "true", "false", "null", '"12"', "abc", "[1]", "{}", "tru")] == \
        [12, -1.5, True, False, None, "12", "abc", "[1]", "{}", "tru"]


def test_an_edit_as_changed_paths():
    before = {"charge": {"amount": 100, "currency": "EUR"}, "items": [{"qty": 1}], "note": "x", "flag": 1}
    after = {"charge": {"amount": 120, "currency": "EUR"}, "items": [{"qty": 1}, {"qty": 3}], "flag": True,
             "new": {"a": 1}}
    changes, truncated = diff(before, after)
    assert not truncated
    assert changes == [
        {"path": "charge.amount", "op": "changed", "before": 100, "after": 120},
        {"path": "items[1]", "op": "added", "after": {"qty": 3}},
        {"path": "note", "op": "removed", "before": "x"},
        {"path": "flag", "op": "changed", "before": 1, "after": True},   # true is not 1
        {"path": "new", "op": "added", "after": {"a": 1}},
    ]
    assert diff({"n": 1}, {"n": 1.0}) == ([], False)   # the same JSON number
    assert diff({"a": 1}, [1])[0] == [{"path": "(the whole value)", "op": "changed", "before": {"a": 1}, "after": [1]}]
    assert show_path(["a.b", 0, "c d", "e"]) == '["a.b"][0]["c d"].e'
    many, cut = diff({}, {f"k{i}": i for i in range(300)}, limit=50)
    assert len(many) == 50 and cut
