"""Recording a gap-closure plan: one action, owner and date per readiness area below 4."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from intake import permissions, steps
from intake.models import UseCase
from intake.permissions import Action
from reviews.models import GapClosureAction, ReadinessArea

MAX_ACTION = 500


def _clean(key: str, item: Any, errors: dict[str, str]) -> dict | None:
    """One area's action, owner and date, or None to remove it (an empty action); problems in ``errors``."""
    if not isinstance(item, Mapping):
        errors[key] = "Give the action, its owner and a date."
        return None
    action = item.get("action")
    action = action.strip() if isinstance(action, str) else ""
    if not action:
        return None
    owner = get_user_model().objects.filter(is_active=True, username=item.get("owner") or "").first() \
        if isinstance(item.get("owner"), str) else None
    due_on = item.get("due_on")
    problems = []
    if len(action) > MAX_ACTION or "\x00" in action:
        problems.append(f"Write the action in at most {MAX_ACTION} characters.")
    if owner is None:
        problems.append("Name its owner by username (an active user).")
    if not isinstance(due_on, datetime.date) or due_on < timezone.localdate():
        problems.append("Give a due date from today on.")
    if problems:
        errors[key] = " ".join(problems)
        return None
    return {"action": action, "owner": owner, "due_on": due_on}


def _same(row: GapClosureAction | None, item: Any) -> bool:
    if row is None or not isinstance(item, Mapping):
        return False
    action = item.get("action")
    return ((action.strip() if isinstance(action, str) else None) == row.action
            and item.get("owner") == row.owner.get_username() and item.get("due_on") == row.due_on)


@transaction.atomic
def gap_plan_record(*, use_case: UseCase, actor: AbstractBaseUser, items: Mapping[str, Any]) -> list[GapClosureAction]:
    """Set the plan's action for each area given (by key: ``{"action", "owner" (username), "due_on"}``; an empty
    action removes it). Who records evidence records it (Action.MANAGE_EVIDENCE). Every problem is a
    ValidationError at its area's key, and nothing is written."""
    permissions.require(actor, Action.MANAGE_EVIDENCE, use_case)
    steps.lock(use_case)
    areas = ReadinessArea.objects.in_bulk(field_name="key")
    errors: dict[str, str] = {key: "Unknown readiness area." for key in items if key not in areas}
    saved = {row.area.key: row for row in GapClosureAction.objects.filter(use_case=use_case).select_related(
        "area", "owner")}
    # An item as it is saved is left alone: a past due date or a departed owner elsewhere in the plan does
    # not stop the rest being saved, and unchanged rows are not sent to sync clients again.
    changed = {key: item for key, item in items.items() if not _same(saved.get(key), item)}
    cleaned = {key: _clean(key, item, errors) for key, item in changed.items() if key in areas}
    if errors:
        raise ValidationError(errors)
    for key, values in cleaned.items():
        if values is None:
            GapClosureAction.objects.filter(use_case=use_case, area=areas[key]).delete()
            continue
        row = GapClosureAction.objects.filter(use_case=use_case, area=areas[key]).first() \
            or GapClosureAction(use_case=use_case, area=areas[key])
        row.action, row.owner, row.due_on, row.recorded_by = values["action"], values["owner"], values["due_on"], actor
        row._history_user = actor
        row.save()
    return list(GapClosureAction.objects.filter(use_case=use_case).select_related("area", "owner"))
