"""The risk register at the gates in admin: which risk areas each tier must have assessed (reference data,
governance admins edit it, every edit in its history), and the acceptances and notices, read-only.

Acceptances are recorded on the risk register page and the API through ``reviews.services.risk_accept``,
where separation of duties is checked under the use case's lock; admin lists them for search and audit.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin_access import GovernanceEditsMixin
from reviews.models import RiskAcceptance, RiskNotice, TierRiskArea

from .records import ReadOnlyVisibleAdmin


@admin.register(TierRiskArea)
class TierRiskAreaAdmin(GovernanceEditsMixin, SimpleHistoryAdmin):
    list_display = ("tier", "area")
    list_filter = ("tier", "area")


@admin.register(RiskAcceptance)
class RiskAcceptanceAdmin(ReadOnlyVisibleAdmin):
    """Immutable records: a new acceptance of the same risk replaces the old one, which stays listed."""

    use_case_path = "risk__use_case_id"
    list_display = ("risk", "use_case", "expires_on", "accepted_by", "accepted_at")
    list_filter = ("expires_on",)
    list_select_related = ("risk__use_case", "accepted_by")
    search_fields = ("risk__use_case__reference", "rationale", "compensating_controls")
    date_hierarchy = "expires_on"
    readonly_fields = ("risk", "rationale", "compensating_controls", "expires_on", "accepted_by", "accepted_at",
                       "updated_at")

    @admin.display(description="use case", ordering="risk__use_case__reference")
    def use_case(self, obj):
        return obj.risk.use_case


@admin.register(RiskNotice)
class RiskNoticeAdmin(ReadOnlyVisibleAdmin):
    """Emails about risks: threshold crossings and acceptances ending, each sent once."""

    use_case_path = "risk__use_case_id"
    list_display = ("risk", "kind", "sent_at")
    list_filter = ("kind",)
    list_select_related = ("risk__use_case",)
    search_fields = ("risk__use_case__reference",)
    readonly_fields = ("risk", "kind", "key", "sent_at", "recipients")
