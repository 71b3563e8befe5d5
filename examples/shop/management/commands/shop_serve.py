"""Run the demo shop (a process of `make run`, flowdeck/supervisord.conf): ``manage.py shop_serve --port 8001``."""
from django.conf import settings
from django.core.management.base import BaseCommand

from examples.shop.server import supervise


def settings_database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgresql://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class Command(BaseCommand):
    help = ("Serve the demo shop's payments, inventory, shipping, email and fraud APIs. Its ledgers live in "
            "the schema 'shop' of SHOP_DATABASE_URL (default: the engine's database).")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--threads", type=int, default=32)

    def handle(self, *args, host, port, threads, **options):
        env = {} if settings.SHOP_DATABASE_URL else {"SHOP_DATABASE_URL": settings_database_url()}
        return_code = supervise(host=host, port=port, threads=threads, env=env)
        if return_code:
            raise SystemExit(return_code)
