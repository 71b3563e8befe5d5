from engine.models.definitions import WorkflowDefinition, WorkflowVersion
from engine.models.runs import RunEvent, StepRun, WorkflowRun

__all__ = ["WorkflowDefinition", "WorkflowVersion", "WorkflowRun", "StepRun", "RunEvent"]
