"""`manage.py alerts_watch --once`: one evaluation, its counts printed."""
import io

import pytest
from django.core.management import call_command

from alerts.services import rule_create

pytestmark = pytest.mark.django_db(transaction=True)   # the command closes old connections, as in production


def test_once_evaluates_every_enabled_rule_and_says_what_it_sent(receiver):
    rule_create(user=None, fields={"name": "quiet", "kind": "sla_breach",
                                   "channels": [{"type": "webhook", "url": receiver.url("/hook")}]})
    out = io.StringIO()
    call_command("alerts_watch", "--once", stdout=out)
    assert out.getvalue().strip() == "rules 1, firing 0, repeat 0, resolved 0, errors 0"
    assert receiver.bodies("/hook") == []
