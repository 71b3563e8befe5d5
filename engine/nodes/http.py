"""``http``: one HTTP request (engine/httpcall.py), url and headers templated, body mapped."""
from __future__ import annotations

from engine.nodes.base import ActivityNode
from engine.spec.expressions import mapping_expressions, pointer_part
from engine.spec.problems import pointer, short
from engine.spec.schema import (CALLBACK, COMPENSATION, DEFAULT_FAILURE_POLICY, HEADER_NAME_PATTERN, MAPPING,
                                ON_FAILURE, RETRY, SLA, TIMEOUT, full_match)
from engine.spec.templates import template_error, template_expressions

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class Http(ActivityNode):
    type = "http"
    fields = {"method": {"type": "string"},
              "url": {"type": "string", "minLength": 1},
              "headers": {"type": "object", "additionalProperties": {"type": "string"}},
              "body": MAPPING,
              "expected_statuses": {"type": "array", "minItems": 1, "uniqueItems": True,
                                    "items": {"type": "integer", "minimum": 100, "maximum": 599,
                                              "description": "an HTTP status"}},
              "retry": RETRY, "timeout": TIMEOUT, "compensation": COMPENSATION, "on_failure": ON_FAILURE,
              "callback": CALLBACK, "sla": SLA}
    required = ("method", "url")
    final_errors = ("ExpressionLimit", "MappingError", "HttpClientError", "HostNotAllowed", "OutputTooLarge")
    defaults = {"timeout": 300, "expected_statuses": [200, 201, 202, 204],
                "on_failure": DEFAULT_FAILURE_POLICY}

    def expressions(self, node):
        yield from template_expressions(node.get("url"), "/url")
        headers = node.get("headers")
        if isinstance(headers, dict):
            for name, value in headers.items():
                yield from template_expressions(value, f"/headers/{pointer_part(name)}")
        if "body" in node:
            yield from mapping_expressions(node["body"], "/body")
        yield from super().expressions(node)

    def check(self, v, node_id, index, node):
        super().check(v, node_id, index, node)
        method = node.get("method")
        if isinstance(method, str) and method not in METHODS:
            v.add("E026", f"method {short(method)!r} is not one of {', '.join(METHODS)}",
                  node_id=node_id, path=pointer("nodes", index, "method"))
        url = node.get("url")
        if isinstance(url, str):
            problem = template_error(url)
            if problem:
                v.add("E026", f"url: {problem}", node_id=node_id, path=pointer("nodes", index, "url"))
            elif not url.startswith("{{") and not url.lower().startswith(("http://", "https://")):
                v.add("E026", "url must start with http:// or https:// (or a {{ placeholder }})",
                      node_id=node_id, path=pointer("nodes", index, "url"))
        headers = node.get("headers")
        for name, value in headers.items() if isinstance(headers, dict) else ():
            path = pointer("nodes", index, "headers", name)
            if not full_match(HEADER_NAME_PATTERN, name):
                v.add("E026", f"header name {short(name)!r} is not a valid HTTP token", node_id=node_id, path=path)
            if isinstance(value, str):
                problem = template_error(value)
                if problem:
                    v.add("E026", f"header {short(name)!r}: {problem}", node_id=node_id, path=path)
                elif "\r" in value or "\n" in value:
                    v.add("E026", f"header {short(name)!r} contains a line break", node_id=node_id, path=path)


NODE = Http()
