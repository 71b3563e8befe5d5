"""``human``: a person's piece of work. The step waits (no worker) while a task, in the Inbox of its
assignee (a role or a user), is claimed and completed with data that fits its ``form``, or rejected
(docs/spec.md, "human"). The task rows are the store's (``Activation.open_task``)."""
from __future__ import annotations

import datetime as dt

import jsonschema

from engine.errors import InvalidInput
from engine.nodes.base import NodeType, expression_error
from engine.roles import ROLES, VIEWER
from engine.spec.problems import pointer, short
from engine.spec.schema import DEFAULT_FAILURE_POLICY, ON_FAILURE, SIGNAL_TIMEOUT, SLA
from engine.spec.templates import render_template, template_error, template_expressions
from engine.states import StepStatus

DEFAULT_FORM = {"type": "object"}
MAX_TITLE = 500
ASSIGNABLE = tuple(role for role in ROLES if role != VIEWER)


def form_problem(form) -> str | None:
    """Why ``form`` is not a JSON Schema of an object (None: it is). Only local ``$ref``s: a schema
    never makes the engine fetch anything."""
    if not isinstance(form, dict) or form.get("type") != "object":
        return 'the form must be a JSON Schema of an object: {"type": "object", ...}'
    try:
        jsonschema.validators.validator_for(form, default=jsonschema.Draft202012Validator).check_schema(form)
    except jsonschema.SchemaError as exc:
        return f"the form is not a valid JSON Schema: {exc.message}"
    if _remote_ref(form):
        return "the form may only $ref its own parts (\"#/...\")"
    return None


def _remote_ref(value) -> bool:
    if isinstance(value, dict):
        ref = value.get("$ref")
        return (isinstance(ref, str) and not ref.startswith("#")) or any(_remote_ref(v) for v in value.values())
    return isinstance(value, list) and any(_remote_ref(v) for v in value)


def form_errors(form: dict, data) -> list[dict]:
    """``data``'s problems against ``form``, one per field (``field``: a JSON pointer), sorted."""
    validator = jsonschema.validators.validator_for(form, default=jsonschema.Draft202012Validator)(form)
    found = []
    for error in validator.iter_errors(data):
        path = list(error.absolute_path)
        if error.validator == "required":   # name the missing field, not its parent
            missing = next((name for name in error.validator_value if isinstance(error.instance, dict)
                            and name not in error.instance), None)
            path = [*path, missing] if missing is not None else path
        found.append({"field": "/" + "/".join(str(p) for p in path), "message": error.message[:500]})
    return sorted(found, key=lambda e: e["field"])[:50]


def assignee_of(node: dict) -> tuple[str, str]:
    """(role, user) of a valid node's assignee: one of them is ""."""
    assignee = node["assignee"]
    return assignee.get("role", ""), assignee.get("user", "")


class Human(NodeType):
    type = "human"
    fields = {"title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE},
              "description": {"type": "string", "maxLength": 5000},
              "assignee": {"type": "object", "additionalProperties": False,
                           "properties": {"role": {"type": "string"},
                                          "user": {"type": "string", "minLength": 1, "maxLength": 150}}},
              "form": {"type": "object"}, "due": SIGNAL_TIMEOUT, "on_failure": ON_FAILURE, "sla": SLA}
    required = ("title", "assignee")
    defaults = {"form": DEFAULT_FORM, "due": None, "on_failure": DEFAULT_FAILURE_POLICY}
    has_tasks = True

    def expressions(self, node):
        yield from template_expressions(node.get("title"), "/title")
        yield from template_expressions(node.get("description"), "/description")

    def check(self, v, node_id, index, node):
        for field in ("title", "description"):
            problem = template_error(node[field]) if isinstance(node.get(field), str) else None
            if problem:
                v.add("E026", f"{field}: {problem}", node_id=node_id, path=pointer("nodes", index, field))
        assignee = node.get("assignee")
        if isinstance(assignee, dict):
            if ("role" in assignee) == ("user" in assignee):
                v.add("E039", 'the assignee needs exactly one of role and user: {"role": "operator"} or '
                              '{"user": "alice"}', node_id=node_id, path=pointer("nodes", index, "assignee"))
            elif "role" in assignee and assignee["role"] not in ASSIGNABLE:
                v.add("E039", f"unknown role {short(assignee['role'])!r}; one of {', '.join(ASSIGNABLE)} (a viewer "
                              "acts on no task)", node_id=node_id, path=pointer("nodes", index, "assignee", "role"))
        if "form" in node and isinstance(node["form"], dict):
            problem = form_problem(node["form"])
            if problem:
                v.add("E038", problem, node_id=node_id, path=pointer("nodes", index, "form"))

    def describe_waiting(self, step, node, now, ago):
        return f"{step.node_id}: {step.wait_reason} for {ago(now, step.scheduled_at)}"

    def activate(self, a, node_id, node):
        self._open(a, a.create(node_id, status=StepStatus.WAITING), node)

    def rearm(self, a, step, node):
        """A failed (rejected) step run again by an operator: a new task."""
        self._open(a, step, node)

    def reopen(self, a, step, node):
        """The run's failure cancelled the task: it is open again, for anyone it is assigned to."""
        task = a.reopen_task(step)
        if task is None:   # none to reopen (closed before tasks were kept): a new one
            return self._open(a, step, node)
        a.hold(step, reason=self._reason(node, task.title), assignee=task.assignee_role or task.assignee_user)

    def _open(self, a, step, node):
        try:
            title = render_template(node["title"], a.context())[:MAX_TITLE]
            description = render_template(node.get("description") or "", a.context())[:5000]
        except InvalidInput as exc:
            step.status = StepStatus.RUNNING   # what a failure expects
            return a.fail(step, expression_error(exc, "MappingError"))
        due = a.now + dt.timedelta(seconds=float(node["due"])) if node.get("due") else None
        role, user = assignee_of(node)
        task_title = title or step.node_id   # a title that rendered empty: the node's id stands for it
        a.hold(step, reason=self._reason(node, task_title), assignee=role or user)
        a.open_task(step, title=task_title, description=description, assignee_role=role, assignee_user=user,
                    form=self.setting(node, "form"), due_at=due)

    def _reason(self, node, title: str) -> str:
        role, user = assignee_of(node)
        return f"waiting for {role or user} to complete '{title}'"[:300]


NODE = Human()
