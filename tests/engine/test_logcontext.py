"""Structured logs: with LOG_FORMAT=json each line is one JSON object, and every line logged during a
step attempt (the engine's, the activity's) carries its run id, node, attempt and worker."""
import io
import json
import logging

import pytest
from django.conf import settings
from pythonjsonlogger.json import JsonFormatter

from engine import logcontext
from engine.logcontext import ContextFilter
from engine.services.runs import run_start
from tests.support.flows import FAST_RETRY, chain, drain, make_due, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def json_lines():
    """A handler made as settings.LOGGING makes the json one, on the root logger."""
    spec = {k: v for k, v in settings.LOGGING["formatters"]["json"].items() if k != "()"}
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter(spec.pop("fmt"), **spec))
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.removeHandler(handler)


def test_lines_logged_during_an_attempt_carry_run_node_attempt_and_worker(json_lines):
    publish("logged", chain(task("say", activity="test.log", input={"say": "'hello'"}),
                            task("flaky", activity="test.flaky", input={"succeed_on": "`2`"}, retry=FAST_RETRY)))
    run, _ = run_start(definition_key="logged")
    for _ in range(2):
        drain(run.id)
        make_due(run.id)
    logging.getLogger("engine.elsewhere").warning("not about a run")
    lines = json_lines()
    said = next(line for line in lines if line["message"] == "activity says hello")
    assert said["run_id"] == str(run.id) and said["node"] == "say" and said["attempt"] == 1
    assert said["level"] == "WARNING" and said["logger"] == "engine.test_activity" and "time" in said
    assert said["worker"].count(":") == 2   # host:pid:thread
    assert "about" not in said
    other = next(line for line in lines if line["message"] == "not about a run")
    assert other["run_id"] == "" and other["worker"]


def test_the_human_format_shows_the_run_in_brackets():
    record = logging.LogRecord("engine.x", logging.INFO, __file__, 1, "hello", (), None)
    with logcontext.bound(run_id="r-1", node="charge", attempt=3):
        ContextFilter().filter(record)
    line = logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]).format(record)
    assert line.endswith("INFO engine.x [run_id=r-1 node=charge attempt=3] hello")
