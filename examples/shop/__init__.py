"""The demo shop: payments, inventory, shipping, email and fraud services that
the order saga calls over real HTTP, outside the engine's transactions.

Django-independent (``app``, ``store``, ``services``, ``faults``, ``server``);
the Django app exists only for its management commands (``shop_serve``,
``shop_demo``) and the activities that call the shop (``activities``).
"""
