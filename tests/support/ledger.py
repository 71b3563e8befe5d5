"""Reads of the test activities' ledgers."""
from django.db import connection


class Ledger:
    def _rows(self, sql, params=()):
        with connection.cursor() as cur:
            cur.execute("SELECT to_regclass('test_ledger') IS NOT NULL")
            if not cur.fetchone()[0]:
                return []
            cur.execute(sql, params)
            return cur.fetchall()

    def calls(self, name: str | None = None) -> list[tuple]:
        if name is None:
            return self._rows("SELECT name, idempotency_key, attempt FROM test_ledger ORDER BY id")
        return self._rows("SELECT name, idempotency_key, attempt FROM test_ledger WHERE name = %s ORDER BY id", [name])

    def names(self) -> list[str]:
        return [r[0] for r in self.calls()]

    def effects(self) -> list[tuple]:
        with connection.cursor() as cur:
            cur.execute("SELECT to_regclass('test_effects') IS NOT NULL")
            if not cur.fetchone()[0]:
                return []
            cur.execute("SELECT idempotency_key, name FROM test_effects ORDER BY created_at")
            return cur.fetchall()
