"""Unsafe configuration reported at start-up through Django's system checks."""
from django.conf import settings
from django.core import checks

from engine.store.retention import ArchiveUnsupported, archive_dir, archive_problem


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


@checks.register()
def retention_settings(app_configs, **kwargs):
    """Retention (docs/operating-retention.md): an archive place this version cannot write to is an
    error at start-up, never a silent delete without an archive."""
    found = []
    try:
        directory = archive_dir(getattr(settings, "FLOWDECK_ARCHIVE_URL", ""))
    except ArchiveUnsupported as exc:
        found.append(checks.Error(f"FLOWDECK_ARCHIVE_URL {exc}", id="flowdeck.E171",
                                  hint="Set a directory (e.g. /var/lib/flowdeck/archive) or empty it to delete "
                                       "without an archive."))
        directory = None
    problem = archive_problem(directory) if directory is not None else None
    if problem:
        found.append(checks.Warning(f"FLOWDECK_ARCHIVE_URL: {problem}; the prune will fail until it is fixed",
                                    id="flowdeck.W171"))
    for name, low in (("FLOWDECK_RETENTION_DAYS", 0), ("FLOWDECK_RETENTION_BATCH", 1)):
        if int(getattr(settings, name, low)) < low:
            found.append(checks.Error(f"{name} must be at least {low}", id="flowdeck.E172"))
    at = (getattr(settings, "FLOWDECK_RETENTION_AT", "") or "").strip()
    hours, _, minutes = at.partition(":")
    if at and not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        found.append(checks.Error(f"FLOWDECK_RETENTION_AT {at!r} is not a time of day HH:MM (UTC), nor empty",
                                  id="flowdeck.E173"))
    return found


@checks.register(deploy=True)
def retention_archive_deploy(app_configs, **kwargs):
    if int(getattr(settings, "FLOWDECK_RETENTION_DAYS", 0)) > 0 and not getattr(settings, "FLOWDECK_ARCHIVE_URL", ""):
        return [checks.Warning("FLOWDECK_ARCHIVE_URL is empty: runs past FLOWDECK_RETENTION_DAYS are deleted without "
                               "an archive", id="flowdeck.W172")]
    return []
