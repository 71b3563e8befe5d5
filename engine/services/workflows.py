"""Code workflows as definitions (engine/store/versions.py keeps their version rows)."""
from engine.store.versions import workflow_start_version, workflow_sync, workflows_sync

__all__ = ["workflow_start_version", "workflow_sync", "workflows_sync"]
