"""Who may do what in the admin pages of reference data and records, in one place."""

from core.roles import is_governance_admin


class StaffReadsMixin:
    """Active staff read; nobody adds, changes or deletes here (the pages and services write)."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GovernanceEditsMixin(StaffReadsMixin):
    """Reference data: staff read it, governance admins maintain it (every edit in its history)."""

    def has_add_permission(self, request):
        return is_governance_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_governance_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_governance_admin(request.user)
