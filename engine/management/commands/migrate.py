"""Django's ``migrate``, without the engine's statement and idle-transaction timeouts.

Every connection starts with ``statement_timeout`` and ``idle_in_transaction_session_timeout``
(flowdeck/settings.py, FLOWDECK_DB_*): right for the engine's short transactions, wrong for
a migration that builds an index over a large table. ``lock_timeout`` stays: a migration that
cannot get its lock within it fails, rather than queueing every worker behind its lock request.
"""
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections


class Command(MigrateCommand):
    def handle(self, *args, **options):
        connection = connections[options["database"]]
        with connection.cursor() as cur:
            cur.execute("SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0")
        return super().handle(*args, **options)
