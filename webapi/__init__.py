"""The REST API's shared pieces, for the apps that serve HTTP (designer, dashboard):
the hardened JSON parser (``parsers``; the console's websocket messages use it too),
the role permissions (``permissions``, over ``engine.roles``) and the one error body
(``api_errors``). Wired as DRF defaults in ``flowdeck/settings.py``'s ``REST_FRAMEWORK``.
The engine has no HTTP and never imports this app; this app may import the engine.
"""
