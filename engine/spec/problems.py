"""How the validator and the node types word and place a problem (pure helpers)."""
from __future__ import annotations

import collections
from typing import Any

# A well-formed edge, as the validator indexed it (``index``: its position in the spec's edges).
Edge = collections.namedtuple("Edge", "index id source target branch")


def short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def pointer(*parts: Any) -> str:
    """A JSON pointer to ``parts`` (RFC 6901 escapes)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
