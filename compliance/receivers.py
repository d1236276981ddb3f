"""The compliance layer follows use cases through ``intake.signals`` (intake and reviews never import it)."""

from django.dispatch import receiver

from intake.signals import use_case_changed, use_cases_created

from .services import obligations_open, obligations_sync

REPORTED = ("answers_changed", "tier_overridden")


@receiver(use_cases_created, dispatch_uid="compliance.obligations_open")
def _use_cases_created(sender, *, use_cases, actor, **_kwargs):
    return obligations_open(use_cases=use_cases, actor=actor)


@receiver(use_case_changed, dispatch_uid="compliance.obligations_sync")
def _use_case_changed(sender, *, use_case, actor, reason="", **_kwargs):
    # Submission re-evaluates the register quietly; a later change of answers or tier is reported on the history.
    return obligations_sync(use_case=use_case, actor=actor, report=reason in REPORTED)
