"""Search over input fields (engine/selectors/search.py): the syntax as a table, then real runs
found by field terms and by an ``input`` object, served by the GIN index run_input_gin."""
import pytest
from django.db import connection

from engine.errors import InvalidInput
from engine.models import WorkflowRun
from engine.selectors import RunFilters, run_counts, run_list
from engine.selectors.search import Search, input_filter, search_parse
from engine.services.runs import run_start
from tests.support.flows import chain, publish, task


@pytest.mark.parametrize("q, expected", [
    (None, Search(None)),
    ("order-1042", Search("order-1042")),
    ("order 1042", Search("order 1042")),   # no field term: the whole text is the prefix, as before
    ("customer.email=ann@example.com", Search(None, ({"customer": {"email": "ann@example.com"}},))),
    ("amount_cents=4990", Search(None, ({"amount_cents": 4990},))),
    ("amount=49.9 vip=true note=null", Search(None, ({"amount": 49.9}, {"vip": True}, {"note": None}))),
    ('amount_cents="4990"', Search(None, ({"amount_cents": "4990"},))),   # quoted: the string
    ('name="Ann Lee" city=Lyon', Search(None, ({"name": "Ann Lee"}, {"city": "Lyon"}))),
    ('note="say \\"hi\\""', Search(None, ({"note": 'say "hi"'},))),
    ("items[].sku=SKU-MUG", Search(None, ({"items": [{"sku": "SKU-MUG"}]},))),
    ("tags[]=vip", Search(None, ({"tags": ["vip"]},))),
    ("order- status=paid", Search("order-", ({"status": "paid"},))),   # other words: the key prefix
    ("zip=01234 x=1e3 y=-2", Search(None, ({"zip": "01234"}, {"x": 1000.0}, {"y": -2}))),   # not JSON: a string
    ("when=2026-12-01", Search(None, ({"when": "2026-12-01"},))),
    ("a=b=c", Search(None, ({"a": "b=c"},))),
])
def test_the_search_syntax(q, expected):
    assert search_parse(q) == expected


@pytest.mark.parametrize("q, says", [
    ("=ann@example.com", "needs a name"),
    ("customer.email=", "needs a value"),
    ("customer..email=x", "not a field path"),
    ("a.=1", "not a field path"),
    ("items[0].sku=x", "not a field path"),
    ('name="Ann', "not a quoted string"),
    ("x=NaN", None),   # not JSON: the string "NaN", no error
    ("x=1e999", "out of range"),
    (" ".join(f"k{i}=1" for i in range(11)), "at most 10"),
])
def test_a_bad_term_says_the_syntax(q, says):
    if says is None:
        assert search_parse(q) == Search(None, ({"x": "NaN"},))
        return
    with pytest.raises(InvalidInput) as info:
        search_parse(q)
    assert says in str(info.value)
    if "path" in says or "name" in says or "value" in says or "quoted" in says:
        assert "customer.email=ann@example.com" in str(info.value)   # the syntax, with an example


def test_the_input_filter_is_a_json_object():
    assert input_filter('{"customer": {"email": "a@b.c"}}') == {"customer": {"email": "a@b.c"}}
    assert input_filter({"n": 1}) == {"n": 1}
    assert input_filter("") is None and input_filter("{}") is None
    for bad in ("[1]", "nope", '{"x": NaN}', "1", '{"a":' * 1500):
        with pytest.raises(InvalidInput, match="JSON object"):
            input_filter(bad)


ORDERS = [
    ("order-1", {"customer": {"email": "ann@example.com", "name": "Ann Lee"}, "amount_cents": 4990,
                 "items": [{"sku": "SKU-MUG", "qty": 1}, {"sku": "SKU-TEE", "qty": 2}]}),
    ("order-2", {"customer": {"email": "bob@example.com", "name": "Bob"}, "amount_cents": 4990,
                 "items": [{"sku": "SKU-TEE", "qty": 1}]}),
    ("order-3", {"customer": {"email": "ann@example.com"}, "amount_cents": "4990", "items": []}),
]


@pytest.fixture
def orders(db):
    publish("shop", chain(task("a")))
    return {key: run_start(definition_key="shop", input=data, business_key=key)[0].business_key
            for key, data in ORDERS}


def keys(**filters) -> list[str]:
    rows, _ = run_list(filters=RunFilters(**filters))
    return sorted(r.business_key for r in rows)


def test_field_terms_find_runs_by_their_input(orders):
    assert keys(q="customer.email=ann@example.com") == ["order-1", "order-3"]
    assert keys(q="customer.email=ann@example.com amount_cents=4990") == ["order-1"]   # a number, not "4990"
    assert keys(q='amount_cents="4990"') == ["order-3"]
    assert keys(q="items[].sku=SKU-TEE") == ["order-1", "order-2"]
    assert keys(q="items[].sku=SKU-TEE items[].qty=2") == ["order-1"]
    assert keys(q='customer.name="Ann Lee"') == ["order-1"]
    assert keys(q="order-2 amount_cents=4990") == ["order-2"]          # with a business-key prefix
    assert keys(q="customer.email=nobody@example.com") == []
    assert keys(q="order-") == ["order-1", "order-2", "order-3"]      # the prefix search as before
    assert keys(input={"customer": {"email": "bob@example.com"}}) == ["order-2"]
    assert keys(input={"amount_cents": 4990}, q="customer.email=ann@example.com") == ["order-1"]
    counts = run_counts(filters=RunFilters(q="customer.email=ann@example.com"))
    assert sum(n for status, n in counts.items() if status != "stuck") == 2


def test_a_field_search_is_served_by_the_input_gin_index(orders):
    qs = RunFilters(q="customer.email=ann@example.com").apply(WorkflowRun.objects.all())
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")   # a 3-row table is read whole otherwise
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "run_input_gin" in plan, plan
    with connection.cursor() as cur:
        cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'run_input_gin'")
        assert "gin (input jsonb_path_ops)" in cur.fetchone()[0]
