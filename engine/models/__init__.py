from engine.models.audit import AuditEntry
from engine.models.definitions import WorkflowDefinition, WorkflowVersion
from engine.models.hooks import WebhookDelivery, WebhookHook
from engine.models.processes import EngineProcess
from engine.models.runs import RunEvent, StepRun, WorkflowRun
from engine.models.schedules import Schedule, ScheduleFire
from engine.models.signals import RunSignal
from engine.models.tasks import HumanTask

__all__ = ["AuditEntry", "WorkflowDefinition", "WorkflowVersion", "WorkflowRun", "StepRun", "RunEvent", "RunSignal", "EngineProcess",
           "HumanTask"]
__all__ += ["WebhookHook", "WebhookDelivery"]
__all__ += ["Schedule", "ScheduleFire"]
