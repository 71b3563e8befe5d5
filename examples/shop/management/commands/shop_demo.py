"""Start the four demo orders on the graph saga, on its per-line version (a map) and on its code
version (idempotent: business keys ORD-DEMO-1..4, per definition)."""
import httpx
import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from engine.errors import EngineError
from engine.models import WorkflowDefinition
from engine.services.runs import run_start
from examples.shop import store
from examples.shop.demo import DEMO_FAULTS, DEMO_ORDERS, faults_merge
from examples.shop.faults import configs_clean
from examples.shop.management.commands.shop_serve import settings_database_url

DEFINITION = "order-saga"
CODE_DEFINITION = "order-saga-code"   # examples/shop/workflows.py: the same saga as one function
LINES_DEFINITION = "order-saga-lines"  # examples/definitions/order_saga_lines.json: stock reserved per line (a map)


def demo_faults_apply() -> str:
    """Through the shop's API when it runs, else straight into its table (read when it starts)."""
    try:
        with httpx.Client(base_url=settings.FLOWDECK_SHOP_URL, timeout=3) as client:
            current = client.get("/faults").raise_for_status().json()
            client.put("/faults", json=faults_merge(current, DEMO_FAULTS)).raise_for_status()
            return "via the shop's API"
    except httpx.HTTPError:
        pass
    url = (settings.SHOP_DATABASE_URL or settings_database_url()).replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        store.schema_create(conn)
        store.faults_save(conn, configs_clean(faults_merge(store.faults_load(conn), DEMO_FAULTS)))
    return "in the shop's database"


class Command(BaseCommand):
    help = "Start the demo orders of the order saga: succeeding, retried, compensated, waiting for approval."

    def handle(self, *args, **options):
        if not WorkflowDefinition.objects.filter(key__in=[DEFINITION, LINES_DEFINITION]).count() == 2:
            call_command("load_definitions", verbosity=0)
        where = demo_faults_apply()
        self.stdout.write(f"demo faults set {where}")
        for key in (DEFINITION, LINES_DEFINITION, CODE_DEFINITION):
            for what, order in DEMO_ORDERS:
                try:
                    run, created = run_start(definition_key=key, input=order, business_key=order["order_id"],
                                             reason="demo order")
                except EngineError as exc:
                    raise CommandError(f"{key} {order['order_id']}: {exc}")
                self.stdout.write(f"{key} {order['order_id']}: run {run.id} "
                                  f"{'started' if created else 'exists'} ({what})")
