"""The code workflow registry: Python functions that are durable flows (docs/workflows-as-code.md).

A workflow is registered by name and version label at import (the modules in
FLOWDECK_WORKFLOW_MODULES, imported at startup like the activity modules). Runs pin the version
they started on; a process that lacks it does not advance them (engine/store/code.py).
"""
from __future__ import annotations

import dataclasses
import hashlib
import inspect
import re
from typing import Any, Callable

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")   # a definition key (a slug)
LABEL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")


class WorkflowRegistrationError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Workflow:
    name: str
    version: str
    fn: Callable[..., Any]
    module: str
    source: str
    description: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.source.encode()).hexdigest()

    def spec(self) -> dict:
        """What the version row keeps: a published version never changes."""
        return {"kind": "code", "workflow": self.name, "code_version": self.version, "module": self.module,
                "source": self.source, "nodes": [], "edges": []}


_registry: dict[str, dict[str, Workflow]] = {}


def _label_key(label: str):
    """Natural order: "2" before "10", dates in date order."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", label) if part]


def workflow(name: str, *, version: str, description: str = "") -> Callable[[Callable], Callable]:
    """Register ``fn(ctx, input) -> output`` as version ``version`` of code workflow ``name``."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise WorkflowRegistrationError(f"workflow name {name!r}: lowercase letters, digits, - and _ (a slug)")
    if not isinstance(version, str) or not LABEL_PATTERN.match(version):
        raise WorkflowRegistrationError(f"workflow {name} version {version!r}: letters, digits, '.', '-', '_'")

    def register(fn: Callable) -> Callable:
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):
            source = ""
        versions = _registry.setdefault(name, {})
        old = versions.get(version)
        if old is not None and old.fn is not fn and old.module != fn.__module__:
            raise WorkflowRegistrationError(f"workflow {name} version {version} is already registered "
                                            f"by {old.module}")
        versions[version] = Workflow(name, version, fn, fn.__module__, source,
                                     description or (fn.__doc__ or "").strip().split("\n")[0])
        fn.workflow_name, fn.workflow_version = name, version
        return fn
    return register


def lookup(name: str, version: str) -> Workflow | None:
    return _registry.get(name, {}).get(version)


def latest(name: str) -> Workflow | None:
    """The version new runs start on: the highest label (natural order)."""
    versions = _registry.get(name)
    if not versions:
        return None
    return versions[max(versions, key=_label_key)]


def workflow_list() -> list[Workflow]:
    return [w for name in sorted(_registry) for _, w in sorted(_registry[name].items(),
                                                                key=lambda kv: _label_key(kv[0]))]


def unregister(name: str, version: str | None = None) -> None:
    """For tests that define workflows of their own."""
    if version is None:
        _registry.pop(name, None)
    else:
        _registry.get(name, {}).pop(version, None)
