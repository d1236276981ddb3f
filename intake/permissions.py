"""The one permission choke point for use cases. Default deny.

Lists are filtered in the database by an ``id__in`` subquery of permitted
ids; detail pages fetch through ``use_case_for`` and get 404, never 403, for
anything the user may not see, so a reference's existence never leaks.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import QuerySet
from django.http import Http404

from intake.models import UseCase


class Action(StrEnum):
    VIEW = "view"
    EDIT = "edit"
    SUBMIT = "submit"
    OVERRIDE_TIER = "override_tier"
    SCORE_PILOT = "score_pilot"


def _is_governance_admin(user) -> bool:
    return bool(user.is_superuser)


def visible_use_case_ids(user) -> QuerySet:
    """A subquery of the ids ``user`` may see (empty for anonymous users)."""
    if not user.is_authenticated:
        return UseCase.objects.none().values("id")
    if _is_governance_admin(user):
        return UseCase.objects.values("id")
    return UseCase.objects.filter(business_unit__members=user).values("id")


def use_cases_for(user, queryset: QuerySet[UseCase] | None = None) -> QuerySet[UseCase]:
    queryset = UseCase.objects.all() if queryset is None else queryset
    return queryset.filter(id__in=visible_use_case_ids(user))


def use_case_for(user, reference: str, queryset: QuerySet[UseCase] | None = None) -> UseCase:
    """The use case, or 404 whether it is missing or merely not visible."""
    try:
        return use_cases_for(user, queryset).get(reference=reference)
    except UseCase.DoesNotExist:
        raise Http404("No such use case.") from None


def can(user, action: Action, use_case: UseCase) -> bool:
    """Whether ``user`` may take ``action`` on a use case they can already see."""
    if action == Action.VIEW:
        return True
    if action in (Action.EDIT, Action.SUBMIT):
        return use_case.is_editable_status
    if action in (Action.OVERRIDE_TIER, Action.SCORE_PILOT):
        return _is_governance_admin(user)
    return False
