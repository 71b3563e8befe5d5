"""``task``: run a registered activity (engine/activities.py) with the node's input."""
from __future__ import annotations

from engine.nodes.base import ActivityNode
from engine.spec.expressions import mapping_expressions
from engine.spec.input_fit import input_problems
from engine.spec.problems import pointer, short
from engine.spec.schema import (CALLBACK, COMPENSATION, DEFAULT_FAILURE_POLICY, HEARTBEAT, MAPPING, ON_FAILURE, RETRY,
                                SLA, TIMEOUT)


class Task(ActivityNode):
    type = "task"
    fields = {"activity": {"type": "string", "minLength": 1, "maxLength": 200},
              "input": MAPPING, "retry": RETRY, "timeout": TIMEOUT,
              "heartbeat_timeout": HEARTBEAT, "compensation": COMPENSATION, "on_failure": ON_FAILURE,
              "callback": CALLBACK, "sla": SLA}
    required = ("activity",)
    defaults = {"timeout": 300, "on_failure": DEFAULT_FAILURE_POLICY}

    def expressions(self, node):
        if "input" in node:
            yield from mapping_expressions(node["input"], "/input")
        yield from super().expressions(node)

    def check(self, v, node_id, index, node):
        activity = node.get("activity")
        if isinstance(activity, str) and activity and not v.activity_exists(activity):
            v.add("E013", f"activity {short(activity)!r} is not registered", node_id=node_id,
                  path=pointer("nodes", index, "activity"))
        elif isinstance(activity, str) and activity:
            for path, problem in input_problems(node.get("input"), v.input_schema(activity)):
                v.add("E035", f"the input of {node_id!r} {problem} ({short(activity)})", node_id=node_id,
                      path=pointer("nodes", index, "input") + path)
        super().check(v, node_id, index, node)


NODE = Task()
