"""Who may call the API at all, who may read the records no use case owns
(vendor assessments ``vendors.permissions``; board packs ``reports.permissions``),
and the api app's own ``require``: who may manage service accounts (``api.services``).
What they may see and do on a use case is ``intake.permissions``' call, made by the
services and the viewsets' querysets."""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.roles import is_governance_admin
from vendors import permissions as vendor_permissions


def service_account(user):
    """The user's ServiceAccount, or None (the authenticators joined it in: no query)."""
    return getattr(user, "service_account", None) if getattr(user, "pk", None) else None


class IsAuthenticatedUser(BasePermission):
    message = "Authentication credentials were not provided."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_active)


class ReadOnlyServiceAccount(BasePermission):
    message = "This service account is read-only: it may read but never write."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        account = service_account(request.user)
        return account is None or not account.read_only


def may_view_vendor_assessments(user) -> bool:
    """Whom the vendors admin shows assessments to: everyone else sees no assessment at all."""
    return vendor_permissions.can(user, vendor_permissions.Action.VIEW_ASSESSMENTS)


# -- the api app's own actions -----------------------------------------------------------------


class Action(StrEnum):
    SERVICE_ACCOUNT_VIEW = "service_account_view"
    SERVICE_ACCOUNT_CREATE = "service_account_create"
    SERVICE_ACCOUNT_ROTATE = "service_account_rotate"


REASONS: dict[Action, str] = {
    Action.SERVICE_ACCOUNT_VIEW: "Only governance admins see service accounts.",
    Action.SERVICE_ACCOUNT_CREATE: "Only governance admins create service accounts.",
    Action.SERVICE_ACCOUNT_ROTATE: "Only governance admins rotate service-account tokens.",
}


def can(user, action: Action, obj=None) -> bool:
    """Whether ``user`` may take ``action``: a service account is a key to the API, so only
    governance admins (``core.roles``) see them, make one or issue its token."""
    return is_governance_admin(user)


def require(user, action: Action, obj=None) -> None:
    """The first call of every api write service: PermissionDenied, with why, unless ``can``."""
    if not can(user, action, obj):
        raise PermissionDenied(REASONS[action])
