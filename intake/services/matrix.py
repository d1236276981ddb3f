"""Risk-tier matrix versions: every edit of the live matrix publishes one."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from intake import selectors
from intake.models import RiskMatrixVersion
from intake.permissions import Action, require


@transaction.atomic
def matrix_publish(*, actor: AbstractBaseUser, note: str = "") -> RiskMatrixVersion | None:
    """Publish the live matrix as a new version when it differs from the last one (governance admins)."""
    require(actor, Action.PUBLISH_MATRIX)
    snapshot = selectors.matrix_snapshot_live()
    current = RiskMatrixVersion.objects.select_for_update().order_by("-number").first()
    if current is not None and current.snapshot == snapshot:
        return None
    number = (current.number if current else 0) + 1
    return RiskMatrixVersion.objects.create(number=number, snapshot=snapshot, note=note, created_by=actor)
