"""Load definition exports (JSON files) and publish them when they changed."""
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from engine.errors import EngineError
from engine.models import WorkflowDefinition
from engine.services.definitions import definition_import
from engine.states import VersionStatus


class Command(BaseCommand):
    help = "Import definition JSON files (default: settings.FLOWDECK_DEFINITION_PATHS) and publish them."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="files or folders")
        parser.add_argument("--no-publish", action="store_true")

    def handle(self, *args, paths=(), no_publish=False, **options):
        files = []
        for raw in paths or settings.FLOWDECK_DEFINITION_PATHS:
            path = Path(raw)
            files += sorted(path.glob("*.json")) if path.is_dir() else [path]
        for path in files:
            try:
                document = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"{path}: {exc}")
            existing = WorkflowDefinition.objects.filter(key=document.get("key")).first()
            if existing and existing.versions.filter(status=VersionStatus.PUBLISHED, is_test=False,
                                                     spec=document.get("spec")).exists():
                self.stdout.write(f"{path}: {existing.key} unchanged")
                continue
            try:
                version = definition_import(document={"format": "flowdeck.definition/v1", **document},
                                            publish=not no_publish)
            except EngineError as exc:
                raise CommandError(f"{path}: {exc} {getattr(exc, 'errors', '')}")
            self.stdout.write(f"{path}: {version.definition.key} v{version.number} {version.status}")
