from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dashboard.views_hooks import HookReceiveView
from webapi.health import healthz
from webapi.metrics import metrics

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("designer.urls")),
    path("api/", include("dashboard.urls")),
    # Webhook starts: signed, not logged in (dashboard/views_hooks.py); ahead of the browser app's routes.
    path("hooks/<slug:key>/", HookReceiveView.as_view(), name="hook-receive"),
    path("api/alerts/", include("alerts.urls")),
    path("", include("designer.page_urls")),  # the browser app: /, /designer/..., /console/...
]
