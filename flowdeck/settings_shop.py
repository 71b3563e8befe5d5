"""flowdeck.settings plus the demo shop (examples/shop): its Django app (the
shop_serve and shop_demo commands), its activities, and where they call it.

Select it to run the demo: `make run` exports DJANGO_SETTINGS_MODULE=flowdeck.settings_shop
(flowdeck/supervisord.conf passes it to every program); tests/settings.py and
bench/chaos.py build on it. flowdeck.settings itself knows nothing of examples/.
"""
from flowdeck.settings import *  # noqa: F401,F403
from flowdeck.settings import FLOWDECK_ACTIVITY_MODULES, FLOWDECK_WORKFLOW_MODULES, INSTALLED_APPS, env

INSTALLED_APPS = INSTALLED_APPS + ["examples.shop"]  # only its management commands (shop_serve, shop_demo)
FLOWDECK_ACTIVITY_MODULES = FLOWDECK_ACTIVITY_MODULES + ["examples.shop.activities"]
# The order saga as a code workflow, beside its graph (examples/shop/workflows.py); a process
# started with FLOWDECK_WORKFLOW_MODULES set has those instead (a worker on other versions).
FLOWDECK_WORKFLOW_MODULES = FLOWDECK_WORKFLOW_MODULES or ["examples.shop.workflows"]
FLOWDECK_DEFINITION_PATHS = ["examples/definitions"]   # what `manage.py load_definitions` (flowdeck_setup) loads

# Where the shop's activities call it, and its ledgers' database (default: ours).
FLOWDECK_SHOP_URL = env("FLOWDECK_SHOP_URL", default="http://127.0.0.1:8001")
SHOP_DATABASE_URL = env("SHOP_DATABASE_URL", default="")
