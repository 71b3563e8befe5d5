"""The runs API's field search: q's path=value terms and the input filter, and 400s that say the syntax."""
import pytest

from engine.services.runs import run_start
from tests.support.flows import chain, publish, task
from tests.support.users import make_user


@pytest.fixture
def orders(db):
    publish("shop", chain(task("a")))
    for key, data in (("order-1", {"customer": {"email": "ann@example.com"}, "items": [{"sku": "SKU-MUG"}, {"sku": "SKU-TEE"}]}),
                      ("order-2", {"customer": {"email": "bob@example.com"}, "items": [{"sku": "SKU-TEE"}]}),
                      ("order-3", {"customer": {"email": "ann@example.com"}, "items": []})):
        run_start(definition_key="shop", input=data, business_key=key)


def test_the_runs_api_searches_fields_and_says_the_syntax(orders, client):
    client.force_login(make_user("vera", "viewer"))

    def found(query):
        response = client.get("/api/runs/", query)
        assert response.status_code == 200, response.content
        return sorted(r["business_key"] for r in response.json()["results"])

    assert found({"q": "customer.email=ann@example.com"}) == ["order-1", "order-3"]
    assert found({"input": '{"items": [{"sku": "SKU-MUG"}]}'}) == ["order-1"]
    counts = client.get("/api/runs/counts/", {"q": "items[].sku=SKU-TEE"}).json()
    assert sum(n for status, n in counts.items() if status != "stuck") == 2
    for query, says in (({"q": "customer..email=x"}, "not a field path"), ({"input": "[1]"}, "JSON object"),
                        ({"q": "email="}, "needs a value")):
        bad = client.get("/api/runs/", query)
        assert bad.status_code == 400 and says in bad.json()["detail"], bad.content
