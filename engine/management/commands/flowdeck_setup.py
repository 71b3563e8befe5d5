"""What `make run` does before starting the processes: migrate, a demo
superuser, the demo definitions."""
import os

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, create the demo superuser and load the demo definitions."

    def handle(self, *args, **options):
        call_command("migrate", verbosity=0, interactive=False)
        User = get_user_model()
        username = os.environ.get("FLOWDECK_ADMIN_USER", "admin")
        password = os.environ.get("FLOWDECK_ADMIN_PASSWORD", "admin")
        if not User.objects.filter(username=username).exists():
            User.objects.create_superuser(username=username, email=f"{username}@example.com", password=password)
        call_command("load_definitions", verbosity=0)
        port = os.environ.get("FLOWDECK_PORT", "8000")
        self.stdout.write(self.style.SUCCESS(
            f"\n  Flowdeck is starting at http://127.0.0.1:{port}/\n"
            f"  demo superuser: {username} / {password}\n"
            f"  API docs: http://127.0.0.1:{port}/api/docs/   health: http://127.0.0.1:{port}/healthz\n"))
