"""Unsafe configuration reported at start-up through Django's system checks."""
from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.database)
def postgres_only(app_configs, **kwargs):
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        return [checks.Error("Flowdeck needs PostgreSQL (row locks, SKIP LOCKED, JSONB)",
                             id="flowdeck.E001")]
    return []


@checks.register()
def http_allow_list(app_configs, **kwargs):
    if "*" in settings.FLOWDECK_HTTP_ALLOWED_HOSTS:
        return [checks.Warning("FLOWDECK_HTTP_ALLOWED_HOSTS contains '*': http nodes may call any host",
                               id="flowdeck.W001")]
    return []
