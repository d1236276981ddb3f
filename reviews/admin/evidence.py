"""Gate evidence in admin: reference data editable, per-use-case evidence read-only.

Evidence is recorded on the use-case pages (and the API) through
reviews.services, where the RACI decides who may; admin lists it for search
and audit, filtered by the same permission choke point.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reviews.models import (
    ChecklistEntry,
    ChecklistItem,
    CostEntry,
    GapClosureAction,
    GateDecision,
    Incident,
    IncidentAlert,
    KPIActual,
    ReadinessArea,
    ReadinessBand,
    ReadinessScore,
    Risk,
)

from .records import ReadOnlyVisibleAdmin


@admin.register(ReadinessArea)
class ReadinessAreaAdmin(SimpleHistoryAdmin):
    list_display = ("name", "key", "key_question", "order")  # which are critical is the governance policy's
    fields = ("name", "key", "description", "key_question", "red_flags", "order")
    search_fields = ("name", "key", "key_question")


@admin.register(ReadinessBand)
class ReadinessBandAdmin(SimpleHistoryAdmin):
    list_display = ("label", "key", "guidance", "allows_controlled_rollout")  # cut-offs: the governance policy


@admin.register(ChecklistItem)
class ChecklistItemAdmin(SimpleHistoryAdmin):
    list_display = ("name", "key", "order")


@admin.register(ReadinessScore)
class ReadinessScoreAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "use_case_id"
    list_display = ("use_case", "area", "score", "scored_by", "updated_at")
    list_filter = ("score", "area")
    list_select_related = ("use_case", "area", "scored_by")
    search_fields = ("use_case__reference",)


@admin.register(GapClosureAction)
class GapClosureActionAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "use_case_id"
    list_display = ("use_case", "area", "action", "owner", "due_on", "updated_at")
    list_filter = ("area",)
    list_select_related = ("use_case", "area", "owner")
    search_fields = ("use_case__reference", "action")


@admin.register(ChecklistEntry)
class ChecklistEntryAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "use_case_id"
    list_display = ("use_case", "item", "ready", "updated_by", "updated_at")
    list_filter = ("ready", "item")
    list_select_related = ("use_case", "item", "updated_by")
    search_fields = ("use_case__reference",)


@admin.register(Risk)
class RiskAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "use_case_id"
    list_display = ("use_case", "area", "likelihood", "impact", "risk_score", "owner", "mitigation_status")
    list_filter = ("area", "mitigation_status", "likelihood", "impact")
    list_select_related = ("use_case", "owner")
    search_fields = ("use_case__reference", "description")

    @admin.display(description="score")
    def risk_score(self, obj):
        return obj.score


@admin.register(KPIActual)
class KPIActualAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "kpi__use_case_id"
    list_display = ("kpi", "measured_on", "value", "recorded_by")
    list_select_related = ("kpi", "recorded_by")
    search_fields = ("kpi__use_case__reference", "kpi__name")
    date_hierarchy = "measured_on"


@admin.register(CostEntry)
class CostEntryAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "use_case_id"
    list_display = ("use_case", "period_start", "category", "budget", "actual")
    list_filter = ("category",)
    list_select_related = ("use_case",)
    search_fields = ("use_case__reference",)


@admin.register(Incident)
class IncidentAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "use_case_id"
    list_display = ("title", "use_case", "severity", "status", "rollback_done", "occurred_at")
    list_filter = ("severity", "status", "rollback_done")
    list_select_related = ("use_case",)
    search_fields = ("use_case__reference", "title")


@admin.register(IncidentAlert)
class IncidentAlertAdmin(ReadOnlyVisibleAdmin):
    """Severity-1 alerts sent: to whom, when (reviews.tasks.send_incident_alert logs each once)."""

    use_case_path = "incident__use_case_id"
    list_display = ("incident", "sent_at")
    list_select_related = ("incident",)
    search_fields = ("incident__use_case__reference", "incident__title")
    readonly_fields = ("incident", "history_id", "sent_at", "recipients")


@admin.register(GateDecision)
class GateDecisionAdmin(ReadOnlyVisibleAdmin):
    """Gate decisions are immutable records."""

    use_case_path = "use_case_id"
    list_display = ("use_case", "outcome", "from_stage", "to_stage", "decided_by", "decided_at")
    list_filter = ("outcome", "to_stage")
    list_select_related = ("use_case", "decided_by")
    search_fields = ("use_case__reference", "rationale")
