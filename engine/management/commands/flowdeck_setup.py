"""What `make run` does before starting the processes: migrate, a demo
superuser and one demo user per role, the demo definitions."""
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand

from engine.roles import ROLES


class Command(BaseCommand):
    help = "Migrate, create the demo superuser and load the demo definitions."

    def handle(self, *args, **options):
        call_command("migrate", verbosity=0, interactive=False)
        User = get_user_model()
        username = os.environ.get("FLOWDECK_ADMIN_USER", "admin")
        password = os.environ.get("FLOWDECK_ADMIN_PASSWORD", "admin")
        if not User.objects.filter(username=username).exists():
            User.objects.create_superuser(username=username, email=f"{username}@example.com", password=password)
        logins = [f"admin (superuser): {username} / {password}"]
        for role in ROLES:
            name = f"demo-{role}"
            user = User.objects.filter(username=name).first()
            if user is None:
                user = User.objects.create_user(name, password=name)
            user.groups.add(Group.objects.get_or_create(name=role)[0])
            logins.append(f"{role}: {name} / {name}")
        call_command("load_definitions", verbosity=0)
        port = os.environ.get("FLOWDECK_PORT", "8000")
        self.stdout.write(self.style.SUCCESS(
            f"\n  Flowdeck is starting at http://127.0.0.1:{port}/\n"
            + "".join(f"  {line}\n" for line in logins)
            + f"  API docs: http://127.0.0.1:{port}/api/docs/   health: http://127.0.0.1:{port}/healthz\n"))
