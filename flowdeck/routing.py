"""Websocket routes; each app contributes its own."""
websocket_urlpatterns = []
try:
    from dashboard.routing import websocket_urlpatterns as _dashboard
    websocket_urlpatterns += _dashboard
except ImportError:  # the console app adds its routes when it lands
    pass
