from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self):
        from dashboard.broadcast import publish_events
        from engine import events
        events.subscribe(publish_events)
