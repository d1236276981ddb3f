"""The governance policy in force: the numbers every gate is judged by (``reviews.models.policy``)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from reviews.models import GovernancePolicy


def policy_in_force(at: datetime.datetime | None = None) -> GovernancePolicy:
    """The latest version in force at ``at`` (now), its critical areas prefetched.

    A data migration writes version 1, so there always is one; a future-dated version waits for its
    ``effective_from``.
    """
    at = at or timezone.now()
    return (GovernancePolicy.objects.filter(effective_from__lte=at).prefetch_related("critical_areas")
            .order_by("-effective_from", "-version").first()) or _first()


def _first() -> GovernancePolicy:
    # Only a database emptied by hand has no version in force: the earliest one, or the playbook's.
    return GovernancePolicy.objects.order_by("version").first() or GovernancePolicy(version=0)


def critical_area_ids(policy: GovernancePolicy) -> set[int]:
    return {area.pk for area in policy.critical_areas.all()} if policy.pk else set()


def strong_candidate(total: int | None, policy: GovernancePolicy | None = None) -> bool | None:
    """Whether a pilot-selection total marks a strong candidate (None while unscored)."""
    if total is None:
        return None
    return total > (policy or policy_in_force()).pilot_strong_above
