"""Read-only admin of the dependency flags and their logs: the vendors services raise and clear the flags."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reviews.models import DependencyFlag, DependencyNotice, MonitoringReminderLog

from .records import ReadOnlyVisibleAdmin


@admin.register(DependencyFlag)
class DependencyFlagAdmin(ReadOnlyVisibleAdmin, SimpleHistoryAdmin):
    use_case_path = "use_case_id"
    list_display = ("use_case", "kind", "name", "status", "since", "cleared_at")
    list_filter = ("kind", "status")
    list_select_related = ("use_case",)
    search_fields = ("use_case__reference", "name")
    date_hierarchy = "since"
    readonly_fields = ("use_case", "kind", "object_id", "name", "status", "note", "since", "cleared_at", "reviews")


@admin.register(DependencyNotice)
class DependencyNoticeAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "flag__use_case_id"
    list_display = ("flag", "sent_at")
    list_select_related = ("flag",)
    readonly_fields = ("flag", "sent_at", "recipients")


@admin.register(MonitoringReminderLog)
class MonitoringReminderLogAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "evidence__use_case_id"
    list_display = ("evidence", "due_on", "for_date", "sent_at")
    list_select_related = ("evidence",)
    date_hierarchy = "for_date"
    readonly_fields = ("evidence", "due_on", "for_date", "sent_at", "recipients")
