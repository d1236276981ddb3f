"""After an incident, in admin: post-incident reviews, their actions and the reminders sent, read-only.

They are recorded on the incident's page (and the API) through reviews.services.incidents, where the RACI
decides who may; admin lists them for search and audit, filtered by the same permission choke point.
"""

from django.contrib import admin

from reviews.models import IncidentAction, IncidentActionReminderLog, PostIncidentReview

from .records import ReadOnlyVisibleAdmin


@admin.register(PostIncidentReview)
class PostIncidentReviewAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "incident__use_case_id"
    list_display = ("incident", "completed_by", "completed_at")
    list_select_related = ("incident__use_case", "completed_by")
    search_fields = ("incident__use_case__reference", "incident__title", "cause", "lessons")


@admin.register(IncidentAction)
class IncidentActionAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "incident__use_case_id"
    list_display = ("description", "incident", "owner", "due_date", "status", "done_at")
    list_filter = ("status",)
    list_select_related = ("incident__use_case", "owner")
    search_fields = ("incident__use_case__reference", "incident__title", "description")
    date_hierarchy = "due_date"


@admin.register(IncidentActionReminderLog)
class IncidentActionReminderLogAdmin(ReadOnlyVisibleAdmin):
    """Reminders sent about incident actions and overdue post-incident reviews (each once per kind and day)."""

    use_case_path = "incident__use_case_id"
    list_display = ("incident", "action", "kind", "for_date", "sent_at")
    list_filter = ("kind", "for_date")
    list_select_related = ("incident__use_case", "action")
    search_fields = ("incident__use_case__reference", "incident__title")
    date_hierarchy = "for_date"
    readonly_fields = ("incident", "action", "kind", "for_date", "sent_at", "recipients")
