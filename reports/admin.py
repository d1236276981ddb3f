"""Admin of board packs: see every pack and its error, and retry failed ones through the service.

Packs are made by requesting them (the board packs page) or by the monthly
schedule, never typed in here, so add and change are off; the retry action is
offered to whoever ``reports.permissions`` lets retry, and calls
``board_pack_retry``, whose refusals it shows as they are.
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from core.edges import REFUSALS, report
from intake import permissions as intake_permissions

from . import permissions, services
from .models import BoardPack, Dossier, PackStatus


@admin.register(BoardPack)
class BoardPackAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "audience", "period_start", "period_end", "status", "scheduled", "requested_by",
                    "requested_at", "generated_at")
    list_filter = ("status", "audience", "scheduled")
    date_hierarchy = "requested_at"
    list_select_related = ("requested_by",)
    search_fields = ("decisions_required", "next_period_priorities", "resourcing_notes", "error")
    fields = readonly_fields = (
        "audience", "period_start", "period_end", "decisions_required", "next_period_priorities", "resourcing_notes",
        "status", "error", "scheduled", "requested_by", "requested_at", "generated_at", "pdf", "created_at",
        "updated_at",
    )
    actions = ("retry",)

    @admin.display(description="PDF")
    def pdf(self, obj: BoardPack) -> str:
        # Media has no URL (MEDIA_URL is None): the file leaves only through the permission-checked view.
        if obj.status != PackStatus.READY or not obj.file:
            return "—"
        return format_html('<a href="{}">Download</a>', reverse("reports:download", args=[obj.pk]))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request) -> bool:
        return permissions.can(request.user, permissions.Action.RETRY)

    @admin.action(description="Retry the selected failed packs", permissions=["retry"])
    def retry(self, request, queryset):
        retried = 0
        for pack in queryset:
            try:
                services.board_pack_retry(actor=request.user, pack=pack)
            except REFUSALS as exc:
                report(request, exc, prefix=str(pack))
            else:
                retried += 1
        if retried:
            self.message_user(request, f"Queued again: {retried}.", messages.SUCCESS)


@admin.register(Dossier)
class DossierAdmin(SimpleHistoryAdmin):
    """Audit dossiers, read-only: they are built from the use case's dossier page (or the API), never typed in."""

    list_display = ("__str__", "status", "pages", "requested_by", "requested_at", "generated_at")
    list_filter = ("status",)
    date_hierarchy = "requested_at"
    list_select_related = ("use_case", "requested_by")
    search_fields = ("use_case__reference", "use_case__title", "error")
    fields = readonly_fields = ("use_case", "status", "error", "pages", "requested_by", "requested_at",
                                "generated_at", "pdf", "updated_at")

    @admin.display(description="PDF")
    def pdf(self, obj: Dossier) -> str:
        # As for packs: the file leaves only through the permission-checked view (the use case's visibility).
        if obj.status != PackStatus.READY or not obj.file:
            return "—"
        url = f"{reverse('use_case_dossier_pdf', args=[obj.use_case.reference])}?id={obj.pk}"
        return format_html('<a href="{}">Download</a>', url)

    def get_queryset(self, request):
        # A dossier holds everything about its use case: listed only to those who see the use case.
        return intake_permissions.restrict(super().get_queryset(request), request.user, field="use_case_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
