from django.apps import AppConfig


class WebapiConfig(AppConfig):
    """No models: the parser, permissions and error handler the REST API shares."""
    name = "webapi"
    verbose_name = "Web API"
