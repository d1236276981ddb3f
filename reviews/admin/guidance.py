"""The guidance shown beside each risk entry, editable by governance admins (their group holds its
permissions since reviews 0013); SimpleHistoryAdmin records who changed what."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reviews.models import RiskAreaGuidance


@admin.register(RiskAreaGuidance)
class RiskAreaGuidanceAdmin(SimpleHistoryAdmin):
    list_display = ("area", "default_owner_role", "good_control")
    search_fields = ("area", "default_owner_role", "good_control")
    fields = ("area", "default_owner_role", "good_control")

    def get_readonly_fields(self, request, obj=None):
        # The area is what the guidance is for: fixed once written, so edits change the words only.
        return ("area",) if obj is not None else ()
