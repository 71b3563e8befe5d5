"""``choice``: the first rule whose condition holds picks the branch (edge branch = rule id), else "default"."""
from __future__ import annotations

import collections

from engine.errors import InvalidInput
from engine.nodes.base import NodeType, expression_error, unknown_branch
from engine.spec.bounded import Budget
from engine.spec.conditions import condition_expressions, evaluate_condition
from engine.spec.problems import pointer, short
from engine.spec.schema import CONDITION_OPS, MAX_CONDITION_DEPTH, UNARY_OPS
from engine.states import StepStatus


def choice_branch(node: dict, context: dict) -> str:
    """The first rule whose condition holds, else "default". The rules share one expression
    budget; past it, ExpressionLimit."""
    budget = Budget()
    for rule in node.get("rules", []):
        if evaluate_condition(rule["condition"], context, budget=budget):
            return rule["id"]
    return "default"


def _rule_id(rule) -> str | None:
    rule_id = rule.get("id") if isinstance(rule, dict) else None
    return rule_id if isinstance(rule_id, str) else None


class Choice(NodeType):
    type = "choice"
    fields = {"rules": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/rule"}}}
    required = ("rules",)
    adds_data = False
    unique_branches = True

    def expressions(self, node):
        if isinstance(node.get("rules"), list):
            for index, rule in enumerate(node["rules"]):
                if isinstance(rule, dict) and "condition" in rule:
                    yield from condition_expressions(rule["condition"], f"/rules/{index}/condition")

    def check(self, v, node_id, index, node):
        rules = node.get("rules")
        for rule_index, rule in enumerate(rules if isinstance(rules, list) else []):
            if isinstance(rule, dict) and isinstance(rule.get("condition"), dict):   # else: schema error
                check_condition(v, node_id, rule["condition"], pointer("nodes", index, "rules", rule_index,
                                                                       "condition"), 1)

    def check_outgoing(self, v, node_id, node, outs):
        rules = node.get("rules")
        rule_ids: dict[str, int] = {}   # id -> index in rules
        for index, rule in enumerate(rules if isinstance(rules, list) else []):
            rule_id = _rule_id(rule)
            if rule_id is None:
                continue
            path = v.node_path(node_id, "rules", index, "id")
            if rule_id == "default":
                v.add("E017", 'rule id "default" is reserved for the default edge', node_id=node_id, path=path)
            elif rule_id in rule_ids:
                v.add("E017", f"rule id {rule_id!r} is used more than once", node_id=node_id, path=path)
            else:
                rule_ids[rule_id] = index
        branches = collections.Counter(edge.branch for edge in outs)
        for edge in outs:
            if edge.branch != "default" and edge.branch not in rule_ids:
                unknown_branch(v, node_id, self.type, edge, "a rule id or \"default\"")
        for rule_id, index in rule_ids.items():
            if not branches[rule_id]:
                v.add("E017", f"rule {rule_id!r} has no edge (an edge with branch {rule_id!r})",
                      node_id=node_id, path=v.node_path(node_id, "rules", index))
        if not branches["default"]:
            v.add("E016", f"choice {node_id!r} has no edge with branch \"default\"", node_id=node_id,
                  path=v.node_path(node_id))

    def next_nodes(self, graph, node_id, node, output, context):
        # The branch the step recorded; evaluated again only without one.
        branch = output.get("branch") if isinstance(output, dict) else None
        return graph.next_nodes(node_id, branch or choice_branch(node, context or {}))

    def activate(self, a, node_id, node):
        self._decide(a, a.create(node_id, status=StepStatus.RUNNING), node)

    def rearm(self, a, step, node):
        self._decide(a, step, node)   # its conditions failed: evaluated again on today's data

    def _decide(self, a, step, node):
        try:
            branch = choice_branch(node, a.context())
        except InvalidInput as exc:   # the step fails, whoever activated it (a start, a worker, the scheduler)
            return a.fail(step, expression_error(exc, "MappingError"))
        a.succeed(step, {"branch": branch}, branch=branch)


def check_condition(v, node_id: str, cond, path: str, depth: int) -> None:
    if depth > MAX_CONDITION_DEPTH:
        v.add("E020", f"condition nested deeper than {MAX_CONDITION_DEPTH}", node_id=node_id, path=path)
        return
    if not isinstance(cond, dict):
        v.add("E001", "a condition must be an object", node_id=node_id, path=path)
        return
    shapes = [key for key in ("all", "any", "not", "field") if key in cond]
    if len(shapes) != 1:
        v.add("E001", "a condition needs exactly one of all, any, not or field", node_id=node_id, path=path)
        return
    shape = shapes[0]
    allowed = {"field", "op", "value"} if shape == "field" else {shape}
    for key in cond:
        if key not in allowed:
            v.add("E001", f"unexpected key {short(key)!r} in a {shape} condition", node_id=node_id,
                  path=f"{path}/{pointer(key)[1:]}")
    if shape in ("all", "any"):
        items = cond[shape]
        if not isinstance(items, list) or not items:
            v.add("E001", f"{shape} takes a non-empty list of conditions", node_id=node_id, path=f"{path}/{shape}")
            return
        for index, item in enumerate(items):
            check_condition(v, node_id, item, f"{path}/{shape}/{index}", depth + 1)
    elif shape == "not":
        check_condition(v, node_id, cond["not"], f"{path}/not", depth + 1)
    else:
        op = cond.get("op")
        if not isinstance(cond["field"], str):
            v.add("E001", "field must be an expression string", node_id=node_id, path=f"{path}/field")
        if op not in CONDITION_OPS:
            v.add("E001", f"op {short(op)!r} is not one of {', '.join(CONDITION_OPS)}", node_id=node_id,
                  path=f"{path}/op")
        elif op not in UNARY_OPS and "value" not in cond:
            v.add("E001", f"op {op!r} needs a value", node_id=node_id, path=path)
        elif op in ("in", "not_in") and not isinstance(cond.get("value"), list):
            v.add("E001", f"op {op!r} needs a list value", node_id=node_id, path=f"{path}/value")


NODE = Choice()
