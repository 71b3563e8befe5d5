"""Parsed spec graphs, cached per version: published versions never change."""
from __future__ import annotations

import functools

from engine.models import WorkflowVersion
from engine.spec import Graph


@functools.lru_cache(maxsize=512)
def graph_for_version(version_id: int) -> Graph:
    spec = WorkflowVersion.objects.values_list("spec", flat=True).get(pk=version_id)
    return Graph(spec)
