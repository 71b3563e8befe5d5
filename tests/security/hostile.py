"""Hypothesis strategies for hostile input: malformed specs and malformed API bodies.

Every value drawn here is *definitely* wrong (each carries at least one defect
the server must refuse), plus optional noise (unicode, HTML, attack strings in
places where they are legal), so a test can assert a 4xx every time.

A drawn case is ``Hostile(body: bytes, content_type: str, defects: tuple)``;
``defects`` names what is wrong, for the failure message.

Some defects cannot be written as Python values and go in at the byte level:
a sentinel string is serialised, then replaced by the raw text (``NaN``, a
float that overflows, an over-deep array, a 5,000-digit integer).
"""
from __future__ import annotations

import copy
import dataclasses
import json
import re

from hypothesis import strategies as st

from engine.nodes import NODE_TYPES
from engine.spec.schema import MAX_JSON_DEPTH

MAX_BODY = 2 * 1024 * 1024          # settings.DATA_UPLOAD_MAX_MEMORY_SIZE
BODY_MAX_DEPTH = 100                 # webapi.parsers.MAX_DEPTH

# Strings that are legal as data (labels, reasons, inputs) and must stay inert.
ATTACK_TEXT = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"><svg onload=alert(1)>",
    "javascript:alert(1)", "{{7*7}}", "${7*7}", "#{7*7}", "<%= 7*7 %>", "__import__('os').system('id')",
    "'; DROP TABLE engine_workflowrun; --", "../../../../etc/passwd", "\r\nSet-Cookie: pwned=1",
    "\u202egnp.exe", "\ufeff\u200b\u200d", "Ω≈ç√∫˜µ≤≥÷", "😀👩‍👩‍👧‍👦🏳️‍🌈", "ﷺ", "𝕏" * 50, "\\", "\"", "%00", "%s%n",
]

# jmespath that does not parse or is not allowed (E015): each is checked in test_hostile_specs.
BAD_EXPRESSIONS = [
    "__import__('os').system('id')", "eval('1+1')", "open('/etc/passwd')", "input; import os",
    "{{ 7*7 }}", "${x}", "input[?", "`{\"a\":`", "a ||", "lambda: 1", "input.", "&input",
    "(" * 40 + "a" + ")" * 40, "unknown_function(input)",
]

_SENTINEL = "\u2063hostile-{}\u2063"
_RAW = {
    "nan": b"NaN", "infinity": b"-Infinity", "float_overflow": b"1e400", "int_5000_digits": b"9" * 5000,
}


@dataclasses.dataclass(frozen=True)
class Hostile:
    body: bytes
    content_type: str
    defects: tuple[str, ...]

    def __repr__(self) -> str:   # shown by hypothesis on failure; the body may be megabytes
        return f"Hostile(defects={self.defects}, content_type={self.content_type!r}, body={self.body[:300]!r}...)"


# --- JSON values ----------------------------------------------------------------------

def text_noise() -> st.SearchStrategy[str]:
    return st.one_of(st.text(max_size=30), st.sampled_from(ATTACK_TEXT))


def json_leaves() -> st.SearchStrategy:
    return st.one_of(
        st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
        st.floats(allow_nan=False, allow_infinity=False), text_noise())


def json_values(max_leaves: int = 12) -> st.SearchStrategy:
    return st.recursive(json_leaves(), lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)),
        max_leaves=max_leaves)


def nested(depth: int, leaf=0):
    """[[[...leaf...]]] ``depth`` levels deep, built without recursion."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def _drf_int(value) -> bool:
    """Would DRF's IntegerField accept ``value``? (It strips a trailing ".0" and calls int().)"""
    try:
        int(re.sub(r"\.0*\s*$", "", str(value)))
        return True
    except ValueError:
        return False


def wrong_type(kind: str) -> st.SearchStrategy:
    """Values DRF will not coerce into ``kind`` (it turns 5 into "5" for a string field, so no numbers there)."""
    containers = st.one_of(st.lists(json_leaves(), max_size=3), st.dictionaries(st.text(max_size=5), json_leaves(),
                                                                                  max_size=3))
    if kind == "str":
        return st.one_of(st.booleans(), containers)
    if kind == "int":
        return st.one_of(st.booleans(), containers,
                         st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not _drf_int(f)),
                         st.text(max_size=10).filter(lambda s: not _drf_int(s)))
    if kind == "bool":
        return st.one_of(containers, st.integers(min_value=2), st.sampled_from(["maybe", "tru", "", "2"]))
    if kind == "object":
        return st.one_of(st.lists(json_leaves(), max_size=3), st.text(max_size=10), st.integers(),
                         st.booleans())
    if kind == "any":   # a JSONField that takes anything but null
        return st.none()
    raise ValueError(kind)


# --- Specs ----------------------------------------------------------------------------

def _node(id, type, **fields):
    return {"id": id, "type": type, "label": id, "position": {"x": 0, "y": 0}, **fields}


def _edge(source, target, branch=None):
    edge = {"id": f"e_{source}_{target}", "source": source, "target": target}
    if branch:
        edge["branch"] = branch
    return edge


def valid_spec() -> dict:
    """A valid spec with most node types (test_hostile_specs checks it stays valid)."""
    nodes = [
        _node("start", "start"),
        _node("charge", "task", activity="flowdeck.noop", input={"amount": "input.amount", "cur": "'EUR'"},
              retry={"max_attempts": 2}, compensation={"activity": "flowdeck.noop"}),
        _node("route", "choice", rules=[{"id": "big", "condition": {"field": "input.amount", "op": "gt",
                                                                      "value": 100}}]),
        _node("fan", "parallel"),
        _node("left", "wait", seconds=0),
        _node("right", "http", method="POST", url="http://127.0.0.1:9/hook/{{ run.id }}",
              body={"order": "input"}, headers={"X-Trace": "{{ run.id }}"}),
        _node("joined", "join", fork="fan"),
        _node("review", "signal", signal="order.approved", timeout=60),
        _node("done", "end", output={"charge": "data.charge"}),
        _node("rejected", "fail", error="not approved", code="rejected"),
    ]
    edges = [
        _edge("start", "charge"), _edge("charge", "route"),
        _edge("route", "fan", "big"), _edge("route", "done", "default"),
        _edge("fan", "left"), _edge("fan", "right"), _edge("left", "joined"), _edge("right", "joined"),
        _edge("joined", "review"), _edge("review", "done"), _edge("review", "rejected", "timeout"),
    ]
    return {"schema_version": 1, "settings": {"stuck_after": 600}, "nodes": nodes, "edges": edges}


def _pick_node(draw, spec, types=None):
    """A node of one of ``types`` (any node when an earlier defect left none); None when no node is left."""
    nodes = [n for n in spec["nodes"] if isinstance(n, dict)]
    candidates = [n for n in nodes if types is None or str(n.get("type")) in types] or nodes
    return draw(st.sampled_from(candidates)) if candidates else None


# Each mutation takes (draw, spec) and returns (spec, raw replacements); each leaves the spec invalid.
def _not_object(draw, spec):
    return draw(st.one_of(json_leaves(), st.lists(json_leaves(), max_size=3))), {}


def _drop_top_key(draw, spec):
    del spec[draw(st.sampled_from(["schema_version", "nodes", "edges"]))]
    return spec, {}


def _wrong_top_type(draw, spec):
    key = draw(st.sampled_from(["schema_version", "nodes", "edges", "settings"]))
    spec[key] = draw({"schema_version": st.sampled_from(["1", 1.5, None, [1], True]),
                      "nodes": wrong_type("object").filter(lambda v: not isinstance(v, list)) | st.none(),
                      "edges": st.one_of(st.text(max_size=5), st.integers(), st.dictionaries(st.text(max_size=3),
                                                                                              json_leaves())),
                      "settings": st.one_of(st.lists(json_leaves(), max_size=2), st.text(max_size=5),
                                            st.just({"stuck_after": -1}), st.just({"unknown": 1}))}[key])
    return spec, {}


def _unknown_top_key(draw, spec):
    spec[draw(st.text(min_size=1, max_size=20).filter(
        lambda k: k not in ("schema_version", "nodes", "edges", "settings")))] = draw(json_leaves())
    return spec, {}


def _bad_schema_version(draw, spec):
    spec["schema_version"] = draw(st.integers().filter(lambda v: v != 1))
    return spec, {}


def _unknown_node_type(draw, spec):
    _pick_node(draw, spec)["type"] = draw(st.one_of(
        st.text(max_size=20).filter(lambda t: t not in NODE_TYPES), st.sampled_from(ATTACK_TEXT),
        wrong_type("str")))
    return spec, {}


def _drop_node_field(draw, spec):
    node = _pick_node(draw, spec)
    required = {"task": ["activity"], "http": ["url", "method"], "fail": ["error"], "join": ["fork"],
                "signal": ["signal"], "choice": ["rules"]}.get(str(node.get("type")), [])
    node.pop(draw(st.sampled_from(["id", "type"] + required)), None)
    return spec, {}


def _wrong_node_field(draw, spec):
    node = _pick_node(draw, spec)
    field = draw(st.sampled_from(["id", "label", "position", "stuck_after"]))
    node[field] = draw({
        "id": st.one_of(wrong_type("str"), st.integers(), st.sampled_from(["", "1abc", "has space", "a" * 65,
                                                                            "é", "a-b", "a\n"])),
        "label": st.one_of(wrong_type("str"), st.integers()),
        "position": st.one_of(st.text(max_size=5), st.lists(st.integers(), max_size=2),
                              st.just({"x": "0", "y": 0}), st.just({"x": 0})),
        "stuck_after": st.one_of(st.text(max_size=5), st.integers(max_value=0), st.just([1])),
    }[field])
    return spec, {}


def _duplicate_node_id(draw, spec):
    spec["nodes"].append(copy.deepcopy(_pick_node(draw, spec)))
    return spec, {}


def _cycle(draw, spec):
    if not isinstance(spec.get("edges"), list):   # an earlier defect took the edges: nothing to add to
        return spec, {}
    spec["edges"].append(_edge(draw(st.sampled_from(["review", "joined"])), "charge"))
    return spec, {}


def _dangling_edge(draw, spec):
    if not isinstance(spec.get("edges"), list):   # an earlier defect took the edges: nothing to add to
        return spec, {}
    spec["edges"].append({"id": "e_dangling", "source": draw(st.sampled_from(["start", "nowhere"])),
                          "target": draw(st.text(max_size=10).map(lambda t: "missing_" + t))})
    return spec, {}


def _many_nodes(draw, spec):
    count = draw(st.sampled_from([501, 2000, 10_000]))
    spec["nodes"] += [_node(f"n{i}", "task", activity="flowdeck.noop") for i in range(count)]
    return spec, {}


def _many_edges(draw, spec):
    if not isinstance(spec.get("edges"), list):   # an earlier defect took the edges: nothing to add to
        return spec, {}
    spec["edges"] += [_edge("start", f"x{i}") for i in range(2001)]
    return spec, {}


def _deep_value(draw, spec):
    """Nesting over the spec limit (64, E020) or over the body limit (100, refused before parsing)."""
    depth = draw(st.one_of(st.integers(MAX_JSON_DEPTH + 1, BODY_MAX_DEPTH - 5),
                           st.integers(BODY_MAX_DEPTH + 1, 300), st.sampled_from([5_000, 100_000])))
    node = _pick_node(draw, spec)
    if depth < BODY_MAX_DEPTH:
        node["description"] = nested(depth)
        return spec, {}
    node["description"] = _SENTINEL.format("deep")
    return spec, {_SENTINEL.format("deep"): b"[" * depth + b"]" * depth}


def _long_label(draw, spec):
    _pick_node(draw, spec)["label"] = "L" * draw(st.sampled_from([201, 1_000, 100_000]))
    return spec, {}


def _huge_string(draw, spec):
    """Over the 1 MiB spec limit (E020), or over the 2 MiB body limit (413)."""
    _pick_node(draw, spec)["description"] = "x" * draw(st.sampled_from([1_100_000, 2_200_000]))
    return spec, {}


def _bad_expression(draw, spec):
    node = _pick_node(draw, spec, {"task"})
    node["input"] = {"x": draw(st.sampled_from(BAD_EXPRESSIONS + ["input." + "a" * 1000]))}
    return spec, {}


# Expressions that parse but can provably build too much (E028): k pipes of a multi-select, up to
# the 63 that fit in 1000 characters, alone or inside a function that walks the expansion.
_COSTLY_PARTS = ["[@,@]", "[@,@,@]", "{a: @, b: @}", "[[@,@],[@,@]]"]
_COSTLY_WRAPS = ["{}", "to_string({})", "length(to_string({}))", "contains({}, `1`)", "sort(to_array({}))"]


def _costly_expression(draw, spec):
    part = draw(st.sampled_from(_COSTLY_PARTS))
    factor = {"[@,@]": 2, "[@,@,@]": 3, "{a: @, b: @}": 2, "[[@,@],[@,@]]": 4}[part]
    fewest = next(k for k in range(1, 64) if factor ** k > 10_000)
    most = (900 // (len(part) + 1))
    text = draw(st.sampled_from(_COSTLY_WRAPS)).format("|".join([part] * draw(st.integers(fewest, most))))
    node = _pick_node(draw, spec, {"task", "choice", "http", "wait"})
    kind = node.get("type")
    if kind == "choice":
        node["rules"] = [{"id": "big", "condition": {"field": text, "op": "exists"}}]
    elif kind == "http":
        node["url"] = "http://127.0.0.1:9/{{ " + text + " }}"
    elif kind == "wait":
        node.pop("seconds", None)
        node["until"] = text
    else:
        node["type"], node["activity"], node["input"] = "task", node.get("activity", "flowdeck.noop"), {"x": text}
    return spec, {}


def _number_literal(draw, spec):
    """A number literal inside an expression that is not finite or not 64-bit (E029)."""
    literal = draw(st.sampled_from(["`1e400`", "`-1e400`", "`NaN`", "`Infinity`", "`-Infinity`",
                                    "`9223372036854775808`", "`[1, 2, 1e999]`", "`{\"a\": NaN}`"]))
    node = _pick_node(draw, spec, {"task"})
    node["input"] = {"x": draw(st.sampled_from(["{}", "sum([{}, `1`])", "[{}]", "input || {}"])).format(literal)}
    return spec, {}


def _huge_duration(draw, spec):
    """A duration, interval or count past its maximum (E029): 1e12 s and the like."""
    value = draw(st.sampled_from([1e12, 1e308, 10 ** 15, 365 * 86400 + 1, 86401]))
    where = draw(st.sampled_from(["task.timeout", "task.heartbeat_timeout", "retry.initial_interval",
                                  "retry.max_interval", "retry.max_attempts", "retry.backoff_coefficient",
                                  "wait.seconds", "signal.timeout", "stuck_after", "settings.stuck_after"]))
    if where == "settings.stuck_after":
        spec["settings"] = {"stuck_after": 1e12}
        return spec, {}
    kind, field = where.split(".") if "." in where else ("any", where)
    node = _pick_node(draw, spec, {"task" if kind == "retry" else kind} if kind != "any" else None)
    if kind == "retry":
        value = value if field != "max_attempts" else int(min(value, 10 ** 15))
        node["retry"] = {field: value, **({"initial_interval": 1} if field == "max_interval" else {})}
    elif kind == "wait":
        node.pop("until", None)
        node[field] = value if value > 365 * 86400 else 1e12
    elif kind == "signal":
        node[field] = value if value > 365 * 86400 else 1e12
    else:
        node[field] = value if kind != "any" or value > 365 * 86400 else 1e12
    return spec, {}


def _null_byte(draw, spec):
    node = _pick_node(draw, spec)
    where = draw(st.sampled_from(["label", "id", "key", "description"]))
    text = draw(st.text(max_size=5)) + "\x00" + draw(st.text(max_size=5))
    if where == "key":
        node[text] = "x"
    else:
        node[where] = text
    return spec, {}


def _lone_surrogate(draw, spec):
    text = draw(st.text(max_size=5)) + draw(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))
    _pick_node(draw, spec)["label"] = text
    return spec, {}


def _raw_number(draw, spec):
    kind = draw(st.sampled_from(sorted(_RAW)))
    _pick_node(draw, spec, {"task"})["timeout"] = _SENTINEL.format(kind)
    return spec, {_SENTINEL.format(kind): _RAW[kind]}


def _big_int(draw, spec):
    """Valid JSON, but outside the 64-bit range a spec allows (E001)."""
    _pick_node(draw, spec, {"task"})["timeout"] = draw(st.sampled_from([2 ** 63, 2 ** 64 + 1, 10 ** 40, -(2 ** 70)]))
    return spec, {}


def _edge_out_of_end(draw, spec):
    if not isinstance(spec.get("edges"), list):   # an earlier defect took the edges: nothing to add to
        return spec, {}
    spec["edges"].append(_edge(draw(st.sampled_from(["done", "rejected"])), "review"))
    return spec, {}


def _no_start(draw, spec):
    spec["nodes"] = [n for n in spec["nodes"] if n.get("type") != "start"]
    return spec, {}


def _two_starts(draw, spec):
    if not isinstance(spec.get("edges"), list):   # an earlier defect took the edges: nothing to add to
        return spec, {}
    spec["nodes"].append(_node("start2", "start"))
    spec["edges"].append(_edge("start2", "charge"))
    return spec, {}


def _choice_without_default(draw, spec):
    if not isinstance(spec.get("edges"), list):   # an earlier defect took the edges: nothing to add to
        return spec, {}
    spec["edges"] = [e for e in spec["edges"] if e.get("branch") != "default"]
    return spec, {}


def _bad_http(draw, spec):
    node = _pick_node(draw, spec, {"http"})
    field, value = draw(st.sampled_from([
        ("url", "file:///etc/passwd"), ("url", "gopher://127.0.0.1:25/"), ("url", "ftp://x/"),
        ("url", "http://x/{{ input"), ("method", "TRACE"), ("method", "get"),
        ("headers", {"Bad Header": "x"}), ("headers", {"X-A": "a\r\nInjected: 1"}),
        ("expected_statuses", [99]), ("expected_statuses", []),
    ]))
    node[field] = value
    return spec, {}


def _bad_retry(draw, spec):
    _pick_node(draw, spec, {"task"})["retry"] = draw(st.sampled_from([
        {"initial_interval": 120}, {"max_attempts": 0}, {"backoff_coefficient": 0.5}, {"jitter": 2},
        {"max_attempts": "3"}, {"unknown": 1}]))
    return spec, {}


def _bad_condition(draw, spec):
    node = _pick_node(draw, spec, {"choice"})
    node["type"] = "choice"
    node["rules"] = [{"id": "big", "condition": draw(st.sampled_from([
        {"field": "input.a", "op": "regex", "value": ".*"}, {"all": []}, {"not": {"not": "x"}},
        {"field": "input.a", "op": "in", "value": "x"}, {"field": 5, "op": "eq", "value": 1},
        {"field": "input.a"}, _nested_not(12), {"any": [{"field": "__import__('os')", "op": "exists"}]},
    ]))}]
    return spec, {}


def _nested_not(depth):
    cond = {"field": "input.a", "op": "exists"}
    for _ in range(depth):
        cond = {"not": cond}
    return cond


SPEC_DEFECTS = {f.__name__.lstrip("_"): f for f in [
    _not_object, _drop_top_key, _wrong_top_type, _unknown_top_key, _bad_schema_version, _unknown_node_type,
    _drop_node_field, _wrong_node_field, _duplicate_node_id, _cycle, _dangling_edge, _many_nodes, _many_edges,
    _deep_value, _long_label, _huge_string, _bad_expression, _costly_expression, _number_literal, _huge_duration,
    _null_byte, _lone_surrogate, _raw_number, _big_int,
    _edge_out_of_end, _no_start, _two_starts, _choice_without_default, _bad_http, _bad_retry, _bad_condition,
]}
# Defects that only exist as bytes on the wire (the validator never sees them as Python values).
RAW_ONLY = {"raw_number"}
# Defects so large that one example costs a noticeable fraction of a second: drawn less often.
EXPENSIVE = {"many_nodes", "many_edges", "huge_string"}


def _noise(draw, spec):
    """Legal but hostile-looking content: attack strings in labels and descriptions, odd positions."""
    if not isinstance(spec, dict) or not isinstance(spec.get("nodes"), list):
        return
    for node in spec["nodes"]:
        if isinstance(node, dict) and draw(st.booleans()):
            node["label"] = draw(st.sampled_from(ATTACK_TEXT))
            node["description"] = draw(text_noise())
            node["position"] = {"x": draw(st.floats(-1e9, 1e9)), "y": draw(st.integers(-2 ** 31, 2 ** 31))}


def _defect_names(draw, primary: str, raw: bool) -> list[str]:
    """``primary`` first, then up to two cheap extra defects (the caller loops over every primary)."""
    cheap = sorted(n for n in SPEC_DEFECTS if n not in EXPENSIVE and n != primary and (raw or n not in RAW_ONLY))
    return [primary] + draw(st.lists(st.sampled_from(cheap), max_size=2, unique=True))


def _has_nodes(spec) -> bool:
    return isinstance(spec, dict) and isinstance(spec.get("nodes"), list) and any(
        isinstance(n, dict) for n in spec["nodes"])


@st.composite
def malformed_spec_values(draw, primary: str) -> tuple[object, tuple[str, ...]]:
    """(spec, defects) as Python values, for validate_spec itself (no byte-level defects)."""
    spec, names = valid_spec(), _defect_names(draw, primary, raw=False)
    _noise(draw, spec)
    for name in names:
        if _has_nodes(spec):
            spec, replacements = SPEC_DEFECTS[name](draw, spec)
            if replacements and _has_nodes(spec):   # the over-deep array, as a Python value here
                spec["nodes"][0]["description"] = nested(min(5_000, len(next(iter(replacements.values()))) // 2))
    return spec, tuple(names)


def encode(value, replacements: dict[str, bytes] | None = None) -> bytes:
    raw = json.dumps(value).encode()   # ensure_ascii: lone surrogates become "\udxxx" escapes, as a client sends
    for sentinel, text in (replacements or {}).items():
        raw = raw.replace(json.dumps(sentinel).encode(), text)
    return raw


@st.composite
def malformed_spec_bodies(draw, primary: str, wrap=lambda spec: {"spec": spec}) -> Hostile:
    """A request body holding a malformed spec; ``wrap`` builds the body around it."""
    spec, names = valid_spec(), _defect_names(draw, primary, raw=True)
    _noise(draw, spec)
    replacements: dict[str, bytes] = {}
    for name in names:
        if _has_nodes(spec):
            spec, more = SPEC_DEFECTS[name](draw, spec)
            replacements.update(more)
    return Hostile(encode(wrap(spec), replacements), "application/json", tuple(names))


# --- API bodies -----------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Field:
    kind: str                     # str, int, bool, object, any, slug, choice
    required: bool = False
    nullable: bool = False
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    valid: object = None          # a value that passes, for the fields that are not the defect
    choices: tuple = ()


def _wrong_value(draw, field: Field):
    options = []
    kind = {"slug": "str", "choice": "str"}.get(field.kind, field.kind)
    options.append(wrong_type(kind))
    if field.kind != "any" and not field.nullable:
        options.append(st.none())
    if field.max_length:
        options.append(st.integers(field.max_length + 1, field.max_length + 5000).map(lambda n: "y" * n))
    if field.min_value is not None:
        options.append(st.integers(max_value=field.min_value - 1))
    if field.max_value is not None:
        options.append(st.integers(min_value=field.max_value + 1))
    if field.kind == "slug":
        options.append(st.sampled_from(["has space", "é", "a/b", "a.b", "<script>", ""]))
    if field.kind == "choice":
        options.append(st.text(max_size=10).filter(lambda t: t not in field.choices))
    return draw(st.one_of(options))


@st.composite
def malformed_bodies(draw, fields: dict[str, Field]) -> Hostile:
    """A body for an endpoint with ``fields``, with one or more defects."""
    body = {name: f.valid for name, f in fields.items() if f.valid is not None}
    defects: list[str] = []
    replacements: dict[str, bytes] = {}
    content_type = "application/json"
    field_names = sorted(fields)
    kinds = ["wrong_value", "null_byte", "lone_surrogate", "raw_number", "too_deep", "not_object"]
    if any(f.required for f in fields.values()):
        kinds.append("missing_required")
    byte_kinds = ["not_utf8", "truncated", "garbage", "wrong_content_type", "too_large", "empty_object_array"]
    for kind in draw(st.lists(st.sampled_from(kinds + byte_kinds), min_size=1, max_size=3, unique=True)):
        defects.append(kind)
        if not isinstance(body, dict):
            break
        if kind == "wrong_value":
            name = draw(st.sampled_from(field_names))
            body[name] = _wrong_value(draw, fields[name])
            defects[-1] += f":{name}"
        elif kind == "missing_required":
            name = draw(st.sampled_from([n for n, f in fields.items() if f.required]))
            body.pop(name, None)
            defects[-1] += f":{name}"
        elif kind == "null_byte":
            key = draw(st.sampled_from(field_names + ["extra"]))
            body[key if draw(st.booleans()) else key + "\x00"] = "a\x00b" if draw(st.booleans()) else {"k\x00": 1}
        elif kind == "lone_surrogate":
            body[draw(st.sampled_from(field_names))] = "x" + draw(st.characters(min_codepoint=0xD800,
                                                                               max_codepoint=0xDFFF))
        elif kind == "raw_number":
            raw = draw(st.sampled_from(sorted(_RAW)))
            body[draw(st.sampled_from(field_names + ["extra"]))] = _SENTINEL.format(raw)
            replacements[_SENTINEL.format(raw)] = _RAW[raw]
        elif kind == "too_deep":
            depth = draw(st.sampled_from([BODY_MAX_DEPTH + 1, 1_000, 50_000]))
            body[draw(st.sampled_from(field_names + ["extra"]))] = _SENTINEL.format("deep")
            replacements[_SENTINEL.format("deep")] = b"[" * depth + b"]" * depth
        elif kind == "not_object":
            body = draw(st.one_of(json_leaves(), st.lists(json_leaves(), max_size=3)))
        else:
            content_type = _byte_level(draw, kind, content_type)
    # Noise: extra unknown fields are ignored, so they may be anything legal.
    if isinstance(body, dict) and draw(st.booleans()):
        body["extra_" + draw(st.text(max_size=5))] = draw(json_values(6))
    raw = encode(body, replacements)
    for kind in defects:
        raw = _apply_bytes(draw, kind, raw)
    return Hostile(raw, content_type, tuple(defects))


def _byte_level(draw, kind, content_type):
    if kind == "wrong_content_type":
        return draw(st.sampled_from(["text/plain", "application/xml", "application/x-www-form-urlencoded",
                                     "multipart/form-data; boundary=x", "application/json; charset=latin-1",
                                     "application/json; charset=utf-16"]))
    return content_type


def _apply_bytes(draw, kind, raw: bytes) -> bytes:
    if kind == "not_utf8":
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80",
                                                b"\xc0\xaf"])) + raw[at:]
    if kind == "truncated":   # never to nothing: an empty body is a valid PATCH
        return raw[:draw(st.integers(1, max(1, len(raw) - 1)))]
    if kind == "garbage":
        return draw(st.sampled_from([b"{'single': 'quotes'}", b"{a: 1}", b"[1, 2,]", b"{\"a\": 1}}",
                                     b"\x00\x00", b"undefined", b"{\"a\": 0x10}", b"\"unterminated"]))
    if kind == "too_large":
        return b'{"pad": "' + b"p" * (MAX_BODY + 10) + b'"}'
    if kind == "empty_object_array":
        return draw(st.sampled_from([b"[]", b"null", b"\"\"", b"0"]))
    return raw
