from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "API and integrations"

    def ready(self) -> None:
        # Tombstones and webhook events listen to the domain's saves and deletes.
        from api import signals  # noqa: F401
