"""The compliance layer follows use cases through ``intake.signals`` (intake and reviews never import it)."""

from django.dispatch import receiver

from intake.signals import use_case_changed

from .services import obligations_sync

REPORTED = ("answers_changed", "tier_overridden")


@receiver(use_case_changed, dispatch_uid="compliance.obligations_sync")
def _use_case_changed(sender, *, use_case, actor, reason="", **_kwargs):
    # Creation and submission open the register; a later change of answers or tier is reported on the history.
    return obligations_sync(use_case=use_case, actor=actor, report=reason in REPORTED)
