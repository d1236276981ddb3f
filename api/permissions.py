"""Who may call the API at all. What they may see and do on a use case is
``intake.permissions``' call, made by the services and the viewsets' querysets."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission


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
