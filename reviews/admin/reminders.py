"""Read-only admin of the reminder log: who was reminded of which review, when."""

from django.contrib import admin

from reviews.models import ReminderLog

from .records import ReadOnlyVisibleAdmin


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyVisibleAdmin):
    list_display = ("review", "kind", "for_date", "sent_at")
    list_filter = ("kind", "for_date")
    list_select_related = ("review__use_case",)
    search_fields = ("review__use_case__reference",)
    date_hierarchy = "for_date"
    readonly_fields = ("review", "kind", "for_date", "sent_at", "recipients")
