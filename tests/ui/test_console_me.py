"""GET /api/me/: the console's hint of what the user may do (the API enforces it anyway)."""
import pytest
from rest_framework.test import APIClient

from tests.support.users import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("roles, capabilities", [
    (("viewer",), ["view"]),
    (("operator",), ["operate", "view"]),
    (("designer",), ["design", "view"]),
    (("viewer", "operator"), ["operate", "view"]),
    (("admin",), ["administer", "audit", "design", "operate", "view"]),
])
def test_me_names_the_roles_and_what_they_allow(roles, capabilities):
    client = APIClient()
    client.force_authenticate(make_user("ana", *roles))
    body = client.get("/api/me/").json()
    assert body == {"username": "ana", "roles": sorted(roles), "capabilities": capabilities}


def test_me_needs_a_role_and_a_login():
    client = APIClient()
    assert client.get("/api/me/").status_code == 401
    client.force_authenticate(make_user("nobody"))
    assert client.get("/api/me/").status_code == 403
