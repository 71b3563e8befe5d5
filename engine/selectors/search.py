"""The runs list's search box, read: a business-key prefix or a run id, and field terms on the
run's input (``customer.email=ann@example.com amount_cents=4990``) that all must match.

A field term is JSONB containment (``input @> {"customer": {"email": "ann@example.com"}}``),
which the GIN index ``run_input_gin`` (jsonb_path_ops, engine/migrations/0026) serves at any
table size. The runs API documents the syntax (dashboard/views.py FILTER_PARAMS); bench/search.py
measures it (docs/benchmarks.md, "Search").

A plain email-looking text is not matched against every input field: no index serves "any
field equals" (jsonb_path_ops indexes whole paths, and wildcard paths fall back to reading
every run), so it stays a business-key prefix; name the field instead.
"""
from __future__ import annotations

import dataclasses
import json
import re

from engine.errors import InvalidInput
from engine.jsonpaths import PathError, containment, parse_value

MAX_TERMS = 10
MAX_QUERY = 1000
MAX_INPUT_FILTER = 10_000    # characters of an ``input`` filter's JSON
# One term: path=value with the value "quoted" (spaces allowed inside) or up to the next space.
_TERM = re.compile(r'\S*?="(?:[^"\\]|\\.)*"(?=\s|$)|\S+')
SYNTAX = ('search: field terms are path=value, e.g. customer.email=ann@example.com amount_cents=4990 '
          'items[].sku=SKU-MUG name="Ann Lee" (numbers, true, false and null are JSON; anything else, or a '
          '"quoted" value, is a string); every term must match; other words are a business-key prefix or a run id')


@dataclasses.dataclass(frozen=True)
class Search:
    text: str | None                  # business-key prefix or run id (None: none)
    contains: tuple[dict, ...] = ()   # containment objects on the run's input, all must match


def search_parse(q: str | None) -> Search:
    """``q`` as the runs list reads it. Without a field term, the whole text is the business-key
    prefix or run id, as before field search existed."""
    q = (q or "").strip()
    if not q:
        return Search(None)
    if len(q) > MAX_QUERY:
        raise InvalidInput(f"search is {len(q)} characters; at most {MAX_QUERY}")
    terms = _TERM.findall(q)
    if not any("=" in term for term in terms):
        return Search(q)
    words, contains = [], []
    for term in terms:
        if "=" not in term:
            words.append(term)
            continue
        path, _, raw = term.partition("=")
        try:
            contains.append(containment(path, parse_value(raw)))
        except PathError as exc:
            raise InvalidInput(f"search term {term[:80]!r}: {exc}. {SYNTAX}",
                               errors=[{"field": "q", "message": f"{term[:80]}: {exc}"}])
    if len(contains) > MAX_TERMS:
        raise InvalidInput(f"search has {len(contains)} field terms; at most {MAX_TERMS}")
    return Search(" ".join(words) or None, tuple(contains))


def input_filter(value) -> dict | None:
    """The ``input`` filter: a JSON object (or its text, from a query string) the run's input
    must contain."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        if len(value) > MAX_INPUT_FILTER:
            raise InvalidInput(f"input filter is {len(value)} characters; at most {MAX_INPUT_FILTER}")
        try:
            value = json.loads(value, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:   # RecursionError: nested past Python's limit
            raise InvalidInput(f"input must be a JSON object the run's input contains, e.g. "
                               f'{{"customer": {{"email": "ann@example.com"}}}}; not JSON: {exc}')
    if not isinstance(value, dict):
        raise InvalidInput('input must be a JSON object the run\'s input contains, e.g. {"amount_cents": 4990}')
    return value or None


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")
