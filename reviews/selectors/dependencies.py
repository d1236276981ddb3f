"""Reads of the dependency flags and monitoring-plan reviews: the API's ``dependency_flags`` and the
dependencies part of the "Between gates" panel."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from intake.models import TierPolicy, UseCase
from reviews.models import DependencyFlag


def _row(flag: DependencyFlag) -> dict[str, Any]:
    return {"kind": flag.kind, "name": flag.name, "status": flag.status, "since": flag.since}


def dependency_flags_for(use_case_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The open flags of many use cases in one query: {use case id: [{"kind", "name", "status", "since"}]}."""
    ids = list(use_case_ids)
    flags: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    rows = (DependencyFlag.objects.filter(use_case_id__in=ids, cleared_at__isnull=True)
            .only("use_case_id", "kind", "name", "status", "since").order_by("since", "id"))
    for flag in rows:
        flags[flag.use_case_id].append(_row(flag))
    return flags


def dependency_flags(use_case: UseCase) -> list[dict[str, Any]]:
    """The use case's open flags, oldest first: {"kind": "model"|"vendor", "name", "status", "since"}."""
    return dependency_flags_for([use_case.pk])[use_case.pk]


def monitoring_review(use_case: UseCase, today: datetime.date | None = None) -> dict[str, Any] | None:
    """The current monitoring plan's review date under the tier's re-review cadence, or None without a plan."""
    from reviews.services.monitoring import current_plans, review_due_on  # the rule lives with the reminder

    plan = current_plans().filter(use_case=use_case).only("pk", "original_name", "uploaded_at").first()
    cadence = TierPolicy.objects.filter(tier=use_case.risk_tier).values_list("rereview_days", flat=True).first()
    if plan is None or cadence is None:
        return None
    due_on = review_due_on(plan.uploaded_at, cadence)
    return {"name": plan.original_name, "due_on": due_on, "overdue": due_on < (today or timezone.localdate())}


def dependency_panel(use_case: UseCase, *, today: datetime.date | None = None) -> dict[str, Any]:
    """The dependencies part of the "Between gates" panel: open flags and the monitoring plan's review."""
    flags = [{**flag, "status_label": flag["status"].replace("_", " ")} for flag in dependency_flags(use_case)]
    return {"flags": flags, "shown": bool(flags), "monitoring": monitoring_review(use_case, today)}
