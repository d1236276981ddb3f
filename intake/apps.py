from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IntakeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "intake"
    verbose_name = "Intake"

    def ready(self) -> None:
        from intake.permissions import forget_permission_ids

        # A flush (tests) or migrate may re-create permissions under new ids.
        post_migrate.connect(forget_permission_ids, dispatch_uid="intake.forget_permission_ids")
