"""The remediation lists of registered systems: read here, written by the services.

A registration (``reviews.services.use_case_register``) opens the items and their owners mark them done
on the use-case page (``remediation_complete``); the admin lists them, with what is overdue, for whoever
may see the use case.
"""

from django.contrib import admin
from django.utils import timezone

from reviews.models import RemediationItem, RemediationStatus

from .records import ReadOnlyVisibleAdmin


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", "Overdue"),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status=RemediationStatus.OPEN, due_on__lt=timezone.localdate())
        return queryset


@admin.register(RemediationItem)
class RemediationItemAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "use_case_id"
    list_display = ("use_case", "criterion_label", "gate_stage", "owner", "due_on", "status", "is_overdue",
                    "done_by", "done_at")
    list_filter = ("status", OverdueFilter, "gate_stage")
    list_select_related = ("use_case", "owner", "done_by")
    search_fields = ("use_case__reference", "criterion_label", "criterion_key", "owner__username")
    date_hierarchy = "due_on"

    @admin.display(boolean=True, description="overdue")
    def is_overdue(self, obj: RemediationItem) -> bool:
        return obj.overdue
