"""Who may do what with board packs and the portfolio: one ``require`` for the services and pages,
``can`` for what an edge shows.

The rule is two permissions the org groups hold (migration reports/0002, editable in admin):
``reports.request_boardpack`` (the PMO) to request and retry packs, and ``reports.download_boardpack``
(the PMO, executive sponsors) to see and download them and the portfolio dashboard. Governance admins
(``core.roles``) may do everything. Whoever may not see packs is told "not found" by the pages and
the API, so their existence does not leak.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.roles import is_governance_admin

REQUEST_PERM = "reports.request_boardpack"
DOWNLOAD_PERM = "reports.download_boardpack"


class Action(StrEnum):
    REQUEST = "request"  # queue a new pack
    RETRY = "retry"  # queue a failed (or lost) pack again
    VIEW = "view"  # the packs, their PDFs, the portfolio dashboard and its CSV


_PERM = {Action.REQUEST: REQUEST_PERM, Action.RETRY: REQUEST_PERM, Action.VIEW: DOWNLOAD_PERM}
REASONS = {
    Action.REQUEST: "Only the PMO and governance admins request board packs.",
    Action.RETRY: "Only the PMO and governance admins retry board packs.",
}


def can(user, action: Action, obj=None) -> bool:
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    return is_governance_admin(user) or user.has_perm(_PERM[action])


def require(user, action: Action, obj=None) -> None:
    """Http404 when ``user`` may not see packs (``VIEW``); PermissionDenied, with why, when they may
    not request or retry one."""
    if can(user, action, obj):
        return
    if action == Action.VIEW:
        raise Http404("No such page.")
    raise PermissionDenied(REASONS[action])
