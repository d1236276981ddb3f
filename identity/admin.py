"""Admin for what the identity provider says about people.

The mapping (IdP group -> Stagegate group, business unit, admin access) is the one thing edited
here, by governance admins only: it decides who reviews what and who opens the admin. Every edit
is in its history, and is applied at once to the people in the IdP groups it names (each change a
MembershipSync row, source "admin"). IdP groups, external identities and syncs are what the IdP
said and what that did: read-only.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count
from simple_history.admin import SimpleHistoryAdmin

from core.admin_access import GovernanceEditsMixin, StaffReadsMixin
from identity.models import ExternalIdentity, IdpGroup, IdpGroupMapping, MembershipSync, SyncSource
from identity.services import idp_group_members_reapply


@admin.register(IdpGroupMapping)
class IdpGroupMappingAdmin(GovernanceEditsMixin, SimpleHistoryAdmin):
    list_display = ("idp_group", "group", "business_unit", "admin_access")
    list_filter = ("admin_access", "group", "business_unit")
    list_select_related = ("group", "business_unit")
    search_fields = ("idp_group",)

    def save_model(self, request, obj, form, change):
        before = form.initial.get("idp_group") if change else None
        super().save_model(request, obj, form, change)
        self._apply(request, {obj.idp_group, before} - {None})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._apply(request, {obj.idp_group})

    def delete_queryset(self, request, queryset):
        names = set(queryset.values_list("idp_group", flat=True))
        super().delete_queryset(request, queryset)
        self._apply(request, names)

    def _apply(self, request, idp_groups: set[str]) -> None:
        """The people in these IdP groups, brought in line with the mapping now (not at their next sign-in).

        People holding a newly managed group by hand, in none of these IdP groups, keep it until their
        next sign-in or SCIM push (docs/decisions/idp-group-mapping.md).
        """
        changed = idp_group_members_reapply(names=idp_groups, source=SyncSource.ADMIN)
        if changed:
            self.message_user(request, f"Memberships changed for {changed} {'person' if changed == 1 else 'people'} "
                                       "in these IdP groups (see Membership syncs).", messages.INFO)


@admin.register(IdpGroup)
class IdpGroupAdmin(StaffReadsMixin, SimpleHistoryAdmin):
    list_display = ("name", "external_id", "member_count", "created_at")
    search_fields = ("name", "external_id")
    fields = ("name", "external_id", "scim_id", "members", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj: IdpGroup) -> int:
        return obj.member_count


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(StaffReadsMixin, SimpleHistoryAdmin):
    list_display = ("user", "oidc_issuer", "oidc_subject", "scim_external_id", "last_sign_in_at")
    list_select_related = ("user",)
    list_filter = ("oidc_issuer",)
    search_fields = ("user__username", "user__email", "oidc_subject", "scim_external_id")
    fields = ("user", "oidc_issuer", "oidc_subject", "scim_id", "scim_external_id", "last_sign_in_at")
    readonly_fields = fields


@admin.register(MembershipSync)
class MembershipSyncAdmin(StaffReadsMixin, admin.ModelAdmin):
    list_display = ("at", "user", "source", "groups_added", "groups_removed", "business_units_added",
                    "business_units_removed", "admin_access")
    list_select_related = ("user",)
    list_filter = ("source", "admin_access")
    search_fields = ("user__username",)
    date_hierarchy = "at"
    fields = ("user", "source", "at", "idp_groups", "groups_added", "groups_removed", "business_units_added",
              "business_units_removed", "admin_access")
    readonly_fields = fields
