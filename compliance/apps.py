from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "compliance"
    verbose_name = "Compliance frameworks"

    def ready(self) -> None:
        from reviews.selectors import gates

        from . import receivers  # noqa: F401  (connects to intake.signals.use_case_changed)
        from .selectors import obligation_criteria

        if obligation_criteria not in gates.EXTRA_CRITERIA:
            gates.EXTRA_CRITERIA.append(obligation_criteria)
