from django.apps import AppConfig


class ShopConfig(AppConfig):
    """Only for the management commands; the shop itself does not use Django."""
    name = "examples.shop"
    label = "shop"
    verbose_name = "Demo shop"
