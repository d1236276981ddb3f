"""Read-only admin of the pilot reminder log: who was reminded of which pilot's end or overrun, when.

A pilot's dates are changed on its pilot page (``reviews.services.pilot_dates_set``), not here.
"""

from django.contrib import admin

from reviews.models import PilotReminderLog

from .records import ReadOnlyVisibleAdmin


@admin.register(PilotReminderLog)
class PilotReminderLogAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "use_case_id"
    list_display = ("use_case", "kind", "pilot_end", "for_date", "sent_at")
    list_filter = ("kind", "for_date")
    list_select_related = ("use_case",)
    search_fields = ("use_case__reference",)
    date_hierarchy = "for_date"
    readonly_fields = ("use_case", "kind", "pilot_end", "for_date", "sent_at", "recipients")
