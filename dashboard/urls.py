from django.urls import path

from dashboard import callbacks, views, views_inbox
from dashboard.health import HealthView
from dashboard.me import MeView

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("runs/", views.RunListView.as_view(), name="run-list"),
    path("runs/counts/", views.RunCountsView.as_view(), name="run-counts"),
    path("runs/bulk/", views.BulkView.as_view(), name="run-bulk"),
    path("runs/<str:run_id>/", views.RunDetailView.as_view(), name="run-detail"),
    path("runs/<str:run_id>/events/", views.RunEventsView.as_view(), name="run-events"),
    path("runs/<str:run_id>/cancel/", views.CancelView.as_view(), name="run-cancel"),
    path("runs/<str:run_id>/compensate/", views.CompensateView.as_view(), name="run-compensate"),
    path("runs/<str:run_id>/signal/", views.SignalView.as_view(), name="run-signal"),
    path("runs/<str:run_id>/retry/", views.RetryView.as_view(), name="run-retry"),
    path("runs/<str:run_id>/data/", views.DataView.as_view(), name="run-data"),
    path("runs/<str:run_id>/steps/<str:node_id>/retry/", views.StepRetryView.as_view(), name="step-retry"),
    path("runs/<str:run_id>/steps/<str:node_id>/skip/", views.StepSkipView.as_view(), name="step-skip"),
    path("runs/<str:run_id>/steps/<str:node_id>/force-retry/", views.StepForceRetryView.as_view(),
         name="step-force-retry"),
    path("callbacks/<str:token>/", callbacks.CallbackView.as_view(), name="callback"),
    path("callbacks/<str:token>/heartbeat/", callbacks.CallbackHeartbeatView.as_view(), name="callback-heartbeat"),
    path("inbox/", views_inbox.InboxView.as_view(), name="inbox"),
    path("inbox/<str:task_id>/", views_inbox.TaskView.as_view(), name="inbox-task"),
    path("inbox/<str:task_id>/claim/", views_inbox.ClaimView.as_view(), name="inbox-claim"),
    path("inbox/<str:task_id>/unclaim/", views_inbox.UnclaimView.as_view(), name="inbox-unclaim"),
    path("inbox/<str:task_id>/complete/", views_inbox.CompleteView.as_view(), name="inbox-complete"),
    path("inbox/<str:task_id>/reject/", views_inbox.RejectView.as_view(), name="inbox-reject"),
    path("incidents/", views.IncidentsView.as_view(), name="incidents"),
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("health/", HealthView.as_view(), name="health"),
    path("audit/export/", views.AuditExportView.as_view(), name="audit-export"),
]
