"""Read-only admin of the reminder logs: who was reminded of which review or missing measurement, when."""

from django.contrib import admin

from reviews.models import MeasurementReminderLog, ReminderLog

from .records import ReadOnlyVisibleAdmin


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyVisibleAdmin):
    list_display = ("review", "kind", "for_date", "sent_at")
    list_filter = ("kind", "for_date")
    list_select_related = ("review__use_case",)
    search_fields = ("review__use_case__reference",)
    date_hierarchy = "for_date"
    readonly_fields = ("review", "kind", "for_date", "sent_at", "recipients")


@admin.register(MeasurementReminderLog)
class MeasurementReminderLogAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "kpi__use_case_id"
    list_display = ("kpi", "due_on", "for_date", "sent_at")
    list_filter = ("for_date",)
    list_select_related = ("kpi__use_case",)
    search_fields = ("kpi__use_case__reference", "kpi__name")
    date_hierarchy = "for_date"
    readonly_fields = ("kpi", "due_on", "for_date", "sent_at", "recipients")
