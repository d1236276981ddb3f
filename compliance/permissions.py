"""Who sees and works the obligation registers. Default deny; 404 for the unseen.

A use case's register follows the use case: whoever sees it sees its obligations; whoever records its
gate evidence (``Action.MANAGE_EVIDENCE``) works them. Accepting a risk against an obligation, or declaring
one a gate waits for not applicable, is a gate decision: the gate's A only, never one of the use case's own
people. The organisation's register is read
by every signed-in person and worked by governance admins.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from core import roles
from intake import permissions as intake_permissions
from intake.permissions import Action

from .choices import ObligationStatus
from .models import Obligation

ORGANISATION_ONLY = "Only governance admins work the organisation's register."


def visible_obligations(user, queryset: QuerySet[Obligation] | None = None) -> QuerySet[Obligation]:
    """The obligations ``user`` may see: the organisation's, and those of the use cases they see."""
    queryset = Obligation.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    return queryset.filter(Q(use_case__isnull=True)
                           | Q(use_case__in=intake_permissions.visible_use_case_ids(user)))


def require_view(user, obligation: Obligation) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404("No such obligation.")
    if obligation.use_case_id is not None:
        intake_permissions.require(user, Action.VIEW, obligation.use_case)


def decides_the_gate(obligation: Obligation, status: str) -> bool:
    """Accepting a risk, or declaring not applicable an obligation a gate waits for, lets the gate pass
    without the evidence: a gate decision, never the use case's own people's."""
    return status == ObligationStatus.RISK_ACCEPTED or (
        status == ObligationStatus.NOT_APPLICABLE and bool(obligation.requirement.required_before))


def require_work(user, obligation: Obligation, *, status: str = "") -> None:
    """Http404 when unseen; PermissionDenied (saying who may) when ``user`` may not change it to ``status``."""
    require_view(user, obligation)
    if obligation.use_case_id is None:
        if not roles.is_governance_admin(user):
            raise PermissionDenied(ORGANISATION_ONLY)
        return
    if decides_the_gate(obligation, status):
        # The use case's own people first hear why (separation of duties), not a bare "no permission".
        intake_permissions.refuse_own_people(user, Action.DECIDE_GATE, obligation.use_case)
        intake_permissions.require(user, Action.DECIDE_GATE, obligation.use_case)
        return
    intake_permissions.require(user, Action.MANAGE_EVIDENCE, obligation.use_case)


def may_set(user, obligation: Obligation, status: str = "") -> bool:
    """Whether ``user`` may change ``obligation`` to ``status`` (any change but a gate decision when ""), as
    ``require_work`` decides, without writing: a page offers only what its viewer may choose. The service
    still checks the lifecycle and what the status needs."""
    try:
        require_work(user, obligation, status=status)
    except (PermissionDenied, Http404):
        return False
    return True


def can_work(user, obligation: Obligation) -> bool:
    try:
        require_work(user, obligation)
    except (PermissionDenied, Http404):
        return False
    return True


def require_load(user) -> None:
    """Loading a framework file: governance admins (the command line, run by the operator, passes None)."""
    if user is not None and not roles.is_governance_admin(user):
        raise PermissionDenied("Only governance admins load framework files.")
