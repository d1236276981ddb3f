"""Gate evidence: risks, incidents, KPI actuals, readiness, pilot selection, the rollout checklist.

The area, criterion and item keys are the contract of the issue; the services
check them against the admin-editable reference data again.
"""

from __future__ import annotations

from rest_framework import serializers

from intake.models import PILOT_CRITERIA
from reviews.models import Incident, KPIActual, MitigationStatus, Risk, RiskArea

from .common import InputSerializer, ReadSerializer, UsernameField, UTCDateTimeField
from .incidents import IncidentActionSerializer, PostIncidentReviewSerializer

READINESS_AREAS = (
    "problem_clarity", "strategic_relevance", "value_case", "success_criteria", "ownership", "decision_rights",
    "workflow_fit", "user_adoption", "data_readiness", "technical_feasibility", "security_readiness",
    "privacy_legal_readiness", "model_risk", "operational_controls", "vendor_readiness", "delivery_capacity",
    "production_readiness", "executive_visibility",
)
CHECKLIST_ITEMS = (
    "problem_definition", "ownership", "success_criteria", "workflow_fit", "security_review", "privacy_legal_review",
    "data_readiness", "reliability_threshold", "human_oversight", "monitoring_active", "incident_response_owner",
    "rollback_readiness", "support_model", "executive_visibility",
)
READINESS_BANDS = ("strong", "moderate", "weak", "low")


def keyed(name: str, keys: tuple[str, ...], make, *, strict: bool = True) -> type[serializers.Serializer]:
    """A serializer with one field per key (so the schema lists every key)."""
    base = InputSerializer if strict else serializers.Serializer
    return type(name, (base,), {key: make() for key in keys})


# ---------------------------------------------------------------- risks, incidents, KPI actuals


class RiskSerializer(ReadSerializer):
    """A risk on a use case's register."""

    use_case = serializers.CharField(source="use_case.reference")
    owner = serializers.CharField(source="owner.username", allow_null=True)
    score = serializers.IntegerField(help_text="likelihood x impact")
    needs_escalation = serializers.BooleanField()

    class Meta:
        model = Risk
        fields = ("id", "use_case", "area", "description", "likelihood", "impact", "score", "owner", "controls",
                  "mitigation_status", "escalation_threshold", "needs_escalation", "created_at", "updated_at")


class RiskInputSerializer(InputSerializer):
    """A new risk."""

    use_case = serializers.CharField(max_length=20, help_text="The use case's reference (on create only).")
    area = serializers.ChoiceField(choices=RiskArea.choices)
    description = serializers.CharField(max_length=2000)
    likelihood = serializers.IntegerField(min_value=1, max_value=5)
    impact = serializers.IntegerField(min_value=1, max_value=5)
    owner = UsernameField(allow_null=True, required=False)
    controls = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    mitigation_status = serializers.ChoiceField(choices=MitigationStatus.choices, required=False)
    escalation_threshold = serializers.IntegerField(min_value=1, max_value=25, required=False)


class RiskUpdateSerializer(RiskInputSerializer):
    """Changes to a risk: only the fields given change."""

    use_case = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class IncidentSerializer(ReadSerializer):
    """An incident of a use case."""

    use_case = serializers.CharField(source="use_case.reference")
    reported_by = serializers.CharField(source="reported_by.username")
    owner = serializers.CharField(source="owner.username", allow_null=True)
    post_incident_review = PostIncidentReviewSerializer(allow_null=True, read_only=True)
    actions = IncidentActionSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = ("id", "use_case", "severity", "title", "what_happened", "impact", "response", "corrective_action",
                  "rollback_done", "status", "occurred_at", "reported_by", "owner", "review_due",
                  "post_incident_review", "actions", "created_at", "updated_at")


class IncidentInputSerializer(InputSerializer):
    """A new incident; severity 1 notifies the sponsor and governance admins."""

    use_case = serializers.CharField(max_length=20, help_text="The use case's reference (on create only).")
    severity = serializers.IntegerField(min_value=1, max_value=4, help_text="1 is the most severe.")
    title = serializers.CharField(max_length=200)
    what_happened = serializers.CharField(max_length=5000)
    impact = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    response = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    corrective_action = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    rollback_done = serializers.BooleanField(required=False)
    status = serializers.ChoiceField(choices=Incident._meta.get_field("status").choices, required=False)
    occurred_at = UTCDateTimeField()


class IncidentUpdateSerializer(IncidentInputSerializer):
    """Changes to an incident: only the fields given change. Closing one at severity 1 or 2 needs its
    post-incident review with at least one action (400 at ``status`` otherwise)."""

    use_case = None
    owner = UsernameField(help_text="Who sees the incident through its post-incident review.")
    review_due = serializers.DateField(allow_null=True, help_text="The post-incident review's due date; null puts "
                                       "the default back (14 days after it occurred at severity 1-2, 30 at 3-4).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class KPIActualSerializer(ReadSerializer):
    """A dated KPI measurement."""

    recorded_by = serializers.CharField(source="recorded_by.username")

    class Meta:
        model = KPIActual
        fields = ("id", "kpi", "measured_on", "value", "note", "recorded_by", "created_at", "updated_at")


class KPIActualInputSerializer(InputSerializer):
    """A KPI measurement."""

    measured_on = serializers.DateField()
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    note = serializers.CharField(max_length=500, allow_blank=True, required=False)


# ---------------------------------------------------------------- readiness


def _score(low: int, high: int):
    return lambda: serializers.IntegerField(min_value=low, max_value=high, required=False)


def _note():
    return serializers.CharField(max_length=2000, allow_blank=True, required=False)


ReadinessScoresInput = keyed("ReadinessScoresInput", READINESS_AREAS, _score(1, 5))
ReadinessNotesInput = keyed("ReadinessNotesInput", READINESS_AREAS, _note)


class ReadinessInputSerializer(InputSerializer):
    """Readiness scores to record (any of the 18 areas)."""

    scores = ReadinessScoresInput(help_text="Any of the 18 areas, each scored 1 to 5.")
    notes = ReadinessNotesInput(required=False, help_text="A note per area (optional).")
    explicit_reviews = ReadinessNotesInput(required=False, help_text="For an area scored 1: its explicit review.")


ReadinessScores = keyed("ReadinessScores", READINESS_AREAS,
                        lambda: serializers.IntegerField(allow_null=True, help_text="1-5, null when unscored"),
                        strict=False)


class ReadinessSerializer(serializers.Serializer):
    """The readiness scorecard: scores, total, band and what blocks the gate."""

    scores = ReadinessScores()
    complete = serializers.BooleanField(help_text="Every area is scored.")
    total = serializers.IntegerField(help_text="Sum of the scores, out of 90.")
    band = serializers.ChoiceField(choices=READINESS_BANDS, allow_null=True, help_text="null until complete.")
    gate_blocked = serializers.BooleanField(
        help_text="A critical area scores below the governance policy's minimum (or is unscored).")
    blocking_areas = serializers.ListField(child=serializers.ChoiceField(choices=READINESS_AREAS))
    needs_independent_review = serializers.ListField(
        child=serializers.ChoiceField(choices=READINESS_AREAS),
        help_text="Areas scored 1 without an independent review (POST .../readiness/signoffs/): from pilot on, "
                  "each blocks the gate.")


class ReadinessSignoffInputSerializer(InputSerializer):
    """An independent review of an area scored 1, by a review function's member or a governance admin who is
    not one of the use case's own people."""

    area = serializers.ChoiceField(choices=READINESS_AREAS)
    review = serializers.CharField(min_length=10, max_length=2000, help_text="What you reviewed and decided.")


# ---------------------------------------------------------------- pilot selection

PilotScoresInput = keyed("PilotScoresInput", PILOT_CRITERIA,
                         lambda: serializers.IntegerField(min_value=1, max_value=3))
PilotScores = keyed("PilotScores", PILOT_CRITERIA, lambda: serializers.IntegerField(allow_null=True), strict=False)


class PilotSelectionInputSerializer(InputSerializer):
    """The pilot-selection score: all 12 criteria."""

    scores = PilotScoresInput(help_text="All 12 criteria, each scored 1 to 3.")
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False)


class PilotSelectionSerializer(serializers.Serializer):
    """The pilot-selection score and whether it makes a strong candidate."""

    scores = PilotScores(help_text="null everywhere until the PMO scores it.")
    note = serializers.CharField()
    total = serializers.IntegerField(allow_null=True, help_text="Out of 36; null until scored.")
    strong_candidate = serializers.BooleanField(
        allow_null=True,
        help_text="A total above the governance policy's cut-off (pilot_strong_above in /api/v1/policy/; 30 by "
                  "default).")
    scored_by = serializers.CharField(allow_null=True)
    scored_at = UTCDateTimeField(allow_null=True)


# ---------------------------------------------------------------- rollout checklist


class ChecklistEntryInput(InputSerializer):
    """One rollout checklist item."""

    ready = serializers.BooleanField()
    evidence = serializers.CharField(max_length=2000, allow_blank=True, required=False,
                                     help_text="What shows it is ready (required when ready).")


class ChecklistEntry(serializers.Serializer):
    """One rollout checklist item."""

    ready = serializers.BooleanField()
    evidence = serializers.CharField()
    derived = serializers.BooleanField(
        read_only=True, help_text="Follows the decisions of the reviews it names (e.g. security): never ticked; a "
                                  "PUT may only repeat its `ready`.")
    reason = serializers.CharField(
        read_only=True, help_text="For a derived item, why it is (not) ready: each review's state; else empty.")


ChecklistItemsInput = keyed("ChecklistItemsInput", CHECKLIST_ITEMS, lambda: ChecklistEntryInput(required=False))
ChecklistItems = keyed("ChecklistItems", CHECKLIST_ITEMS, ChecklistEntry, strict=False)


class ChecklistInputSerializer(InputSerializer):
    """Rollout checklist items to mark (any of the 14)."""

    items = ChecklistItemsInput(help_text="Any of the 14 items.")


class ChecklistSerializer(serializers.Serializer):
    """The rollout checklist."""

    items = ChecklistItems()
    all_ready = serializers.BooleanField()
    not_ready = serializers.ListField(child=serializers.ChoiceField(choices=CHECKLIST_ITEMS))
