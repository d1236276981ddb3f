"""Who may call the API at all, and who may read the records no use case owns
(vendor assessments follow the vendors admin's permissions; board packs
``reports.services.can_download``). What they may see and do on a use case is
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


# What the admin shows an assessment to (ModelAdmin.has_view_permission: view or change).
VENDOR_ASSESSMENT_PERMS = ("vendors.view_vendorassessment", "vendors.change_vendorassessment")


def may_view_vendor_assessments(user) -> bool:
    """Procurement, the assessors (security, legal), the read-only org roles and governance admins,
    as in admin (vendors/migrations/0005): everyone else sees no assessment at all."""
    if not (user.is_authenticated and user.is_active):
        return False
    return any(user.has_perm(perm) for perm in VENDOR_ASSESSMENT_PERMS)
