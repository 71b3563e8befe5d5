from django.apps import AppConfig
from django.utils.module_loading import import_module


class EngineConfig(AppConfig):
    name = "engine"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings
        for module in [*settings.FLOWDECK_ACTIVITY_MODULES, *getattr(settings, "FLOWDECK_WORKFLOW_MODULES", [])]:
            import_module(module)
        from engine import checks  # noqa: F401  (registers system checks)
        from engine import tracing
        tracing.configure()   # only when OTEL_TRACES_EXPORTER names an exporter
