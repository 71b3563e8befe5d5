"""The dashboard API tests' client: an operator who is also a designer."""
import pytest
from rest_framework.test import APIClient

from tests.support.users import make_user


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(make_user("opal", "operator", "designer"))
    return client
