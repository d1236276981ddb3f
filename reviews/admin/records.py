"""Read-only admin views of review records, filtered like the queue.

Conditions, decisions, comments and evidence are written through the review
page and its services; here they can be searched and audited.
"""

from django.contrib import admin

from core.admin_access import StaffReadsMixin
from intake import permissions
from reviews.models import Comment, EvaluationMetric, Evidence, ReviewCondition, ReviewDecision


class ReadOnlyVisibleAdmin(StaffReadsMixin, admin.ModelAdmin):
    use_case_path = "review__use_case_id"

    def get_queryset(self, request):
        return permissions.restrict(super().get_queryset(request), request.user, field=self.use_case_path)


@admin.register(ReviewCondition)
class ReviewConditionAdmin(ReadOnlyVisibleAdmin):
    list_display = ("text", "review", "owner", "due_date", "met")
    list_filter = ("met",)
    list_select_related = ("review__use_case", "owner")
    search_fields = ("text", "review__use_case__reference")


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyVisibleAdmin):
    list_display = ("review", "decision", "decided_by", "decided_at")
    list_filter = ("decision",)
    list_select_related = ("review__use_case", "decided_by")
    search_fields = ("review__use_case__reference", "rationale")


@admin.register(Comment)
class CommentAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "use_case_id"
    list_display = ("use_case", "author", "created_at")
    list_select_related = ("use_case", "author")
    search_fields = ("use_case__reference", "body")


class EvaluationMetricInline(admin.TabularInline):
    """An evaluation report's metrics, read-only: they are recorded with the upload."""

    model = EvaluationMetric
    fields = readonly_fields = ("name", "threshold", "result", "higher_is_better")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "use_case_id"
    list_display = ("original_name", "use_case", "artefact_type", "rejected_at", "size", "uploaded_by",
                    "uploaded_at")
    list_filter = ("artefact_type",)
    list_select_related = ("use_case", "uploaded_by", "artefact_type")
    inlines = (EvaluationMetricInline,)
    search_fields = ("use_case__reference", "original_name")
    exclude = ("file",)  # downloads go through the permission-checked view
