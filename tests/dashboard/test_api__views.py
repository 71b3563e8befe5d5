"""/api/views/: saved views of the runs list, each user's own and the shared ones; only the owner
renames, shares or deletes; filters checked like the runs list's."""
import pytest
from rest_framework.test import APIClient

from tests.support.users import make_user

pytestmark = pytest.mark.django_db


def client_of(name, *roles):
    client = APIClient()
    client.force_authenticate(make_user(name, *roles))
    return client


def test_views_are_mine_or_shared_and_only_the_owner_changes_them():
    ana, bo = client_of("ana", "operator"), client_of("bo", "viewer")
    made = ana.post("/api/views/", {"name": "  Failed   at charge ", "filters": {"status": "failed", "failed_at": "charge"}},
                    format="json")
    assert made.status_code == 201, made.content
    mine = made.json()
    assert (mine["name"], mine["filters"], mine["shared"], mine["owner"], mine["mine"]) == (
        "Failed at charge", {"status": "failed", "failed_at": "charge"}, False, "ana", True)
    shared = ana.post("/api/views/", {"name": "Ann's orders", "filters": {"q": "customer.email=ann@example.com"},
                                      "shared": True}, format="json").json()
    bo_own = bo.post("/api/views/", {"name": "All waiting", "filters": {"status": "waiting"}}, format="json").json()

    assert [v["name"] for v in ana.get("/api/views/").json()] == ["Ann's orders", "Failed at charge"]
    seen = bo.get("/api/views/").json()   # her own first, then the shared ones
    assert [(v["name"], v["mine"]) for v in seen] == [("All waiting", True), ("Ann's orders", False)]

    # Only the owner may rename, share or delete: a shared view is 403 to others, a private one 404.
    assert bo.patch(f"/api/views/{shared['id']}/", {"name": "mine now"}, format="json").status_code == 403
    assert bo.delete(f"/api/views/{shared['id']}/").status_code == 403
    assert bo.delete(f"/api/views/{mine['id']}/").status_code == 404
    renamed = ana.patch(f"/api/views/{mine['id']}/", {"name": "Charge failures", "shared": True}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Charge failures" and renamed.json()["shared"]
    assert "Charge failures" in [v["name"] for v in bo.get("/api/views/").json()]
    assert ana.delete(f"/api/views/{mine['id']}/").status_code == 204
    assert bo.delete(f"/api/views/{bo_own['id']}/").status_code == 204
    assert [v["name"] for v in bo.get("/api/views/").json()] == ["Ann's orders"]


@pytest.mark.parametrize("body, says", [
    ({"name": "x", "filters": {"status": "exploded"}}, "unknown status"),
    ({"name": "x", "filters": {"colour": "red"}}, "unknown filter colour"),
    ({"name": "x", "filters": {"q": "customer..email=x"}}, "not a field path"),
    ({"name": "x", "filters": {"stuck": True}}, "each filter is a string"),
    ({"name": "   ", "filters": {}}, "name"),
    ({"name": "x" * 101, "filters": {}}, "at most 100"),
])
def test_bad_views_are_400(body, says):
    response = client_of("cy", "viewer").post("/api/views/", body, format="json")
    assert response.status_code == 400, response.content
    assert says in response.json()["detail"]


def test_a_name_is_one_view_per_user():
    ana = client_of("ana2", "viewer")
    assert ana.post("/api/views/", {"name": "Mine"}, format="json").status_code == 201
    again = ana.post("/api/views/", {"name": "Mine"}, format="json")
    assert again.status_code == 409 and "already have a view named 'Mine'" in again.json()["detail"]
    other = ana.post("/api/views/", {"name": "Other"}, format="json").json()
    assert ana.patch(f"/api/views/{other['id']}/", {"name": "Mine"}, format="json").status_code == 409
    assert client_of("dee", "viewer").post("/api/views/", {"name": "Mine"}, format="json").status_code == 201
    assert APIClient().get("/api/views/").status_code in (401, 403)
