"""Reads, split by aggregate. Interfaces call these; they never write."""
from engine.selectors.audit import audit_entries, definition_history
from engine.selectors.definitions import (definition_get, definition_list, version_diff, version_get,
                                          version_latest_published, version_list)
from engine.selectors.nodes import node_type_list
from engine.selectors.processes import health_summary, process_list, scheduler_lag, worker_liveness
from engine.selectors.runs import (RunFilters, incident_list, run_counts, run_events_json, run_events, run_get, run_list,
                                   run_stats, run_why)

__all__ = ["audit_entries", "definition_history", "definition_get", "definition_list", "version_diff", "version_get", "version_latest_published",
           "version_list", "RunFilters", "incident_list", "run_counts", "run_events_json", "run_events", "run_get", "run_list",
           "run_stats", "run_why"]
__all__ += ["node_type_list", "health_summary", "process_list", "scheduler_lag", "worker_liveness"]
from engine.selectors.operate import run_available_actions, run_operator_view, run_why_details  # noqa: E402

__all__ += ["run_available_actions", "run_operator_view", "run_why_details"]
from engine.selectors.callbacks import step_callback  # noqa: E402

__all__ += ["step_callback"]
from engine.selectors.loops import step_iterations, step_map_progress  # noqa: E402

__all__ += ["step_iterations", "step_map_progress"]
from engine.selectors.sla import run_sla, run_sla_states  # noqa: E402

__all__ += ["run_sla", "run_sla_states"]
