"""Publishing the governance policy: every change is a new version, in force from its effective date."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from intake import permissions
from intake.permissions import Action
from reviews.models import GovernancePolicy, ReadinessArea
from reviews.selectors import critical_area_ids, policy_in_force

# The numbers a version holds, as GovernancePolicy's fields (critical areas apart: a list of area keys).
POLICY_FIELDS = ("strong_min_total", "moderate_min_total", "weak_min_total", "critical_minimum", "scale_min_total",
                 "pilot_strong_above", "pilot_time_box_weeks", "priorities_min", "priorities_max", "kpi_rule",
                 "kpi_min_share", "pilot_reminder_days", "concurrent_pilots_min", "concurrent_pilots_max",
                 "impact_within_days", "pilot_kpi_cadence", "live_kpi_cadence")


def _areas(keys: Iterable[str] | None, current: GovernancePolicy, errors: dict) -> list[ReadinessArea]:
    if keys is None:
        return list(ReadinessArea.objects.filter(id__in=critical_area_ids(current)))
    keys = list(keys)
    found = list(ReadinessArea.objects.filter(key__in=keys))
    unknown = sorted(set(keys) - {area.key for area in found})
    if unknown:
        errors["critical_areas"] = [f"No readiness area is called {', '.join(unknown)}."]
    return found


@transaction.atomic
def policy_publish(
    *, actor: AbstractBaseUser, changes: Mapping[str, Any], critical_areas: Iterable[str] | None = None,
    note: str = "", effective_from: datetime.datetime | None = None,
) -> GovernancePolicy:
    """A new version: the one in force with ``changes`` (and ``critical_areas``, by key, when given), in
    force from ``effective_from`` (now). Governance admins only (Http404 for anyone else); a number out of
    its range or out of order with the others (``GovernancePolicy.clean``) is a ValidationError at its
    field. Past versions, and the gate decisions judged under them, never change."""
    permissions.require(actor, Action.PUBLISH_POLICY)
    # Publishers queue on the first version's row (it never changes), then read the highest number: locking
    # the latest row would let two of them, both waiting on it, number the same version.
    GovernancePolicy.objects.select_for_update().order_by("version").first()
    latest = GovernancePolicy.objects.aggregate(highest=Max("version"))["highest"] or 0
    current = policy_in_force()
    errors: dict[str, list[str]] = {name: ["Unknown policy field."] for name in set(changes) - set(POLICY_FIELDS)}
    values = {name: getattr(current, name) for name in POLICY_FIELDS} | {
        name: value for name, value in changes.items() if name in POLICY_FIELDS}
    if not changes and critical_areas is None:
        raise ValidationError("Change at least one number or the critical areas: a version like the last is "
                              "not a new version.")
    policy = GovernancePolicy(version=latest + 1, created_by=actor,
                              effective_from=effective_from or timezone.now(), note=(note or "").strip()[:300],
                              **values)
    areas = _areas(critical_areas, current, errors)
    try:
        policy.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    policy._history_user = actor
    policy.save()
    policy.critical_areas.set(areas)
    return policy
