from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "API and integrations"

    def ready(self) -> None:
        # Tombstones and webhook events listen to the domain's saves and deletes; API tokens are
        # revoked on a password change, a deactivation or a lockout.
        from api import signals, tokens  # noqa: F401
