"""Compliance frameworks and the obligation registers.

Frameworks and their requirements are reference data (read-only here). An obligation is a requirement in
a register, a use case's or the organisation's. The update input checks only the shape (a status of the
lifecycle, strings, an ISO date, record references); what a change must carry (evidence before met, a
justification of 20 to 5000 characters for not applicable and an accepted risk, an expiry within a year)
is ``compliance.services.obligation_update``'s to say, and its messages come back at those fields.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from compliance.choices import ControlKind, EvidenceKind, ObligationStatus, Scope
from compliance.models import GATE_STAGES, Framework, Obligation, ObligationEvidence, Requirement
from compliance.selectors import Suggestion, is_satisfied

from .common import ChoiceField, InputSerializer, ReadSerializer

MAX_ID = 2**63 - 1
MAX_LINKS = 50
RECORD_TYPE_HELP = "The record's type as app_label.model, e.g. reviews.review (as suggested lists it)."


class NamedChoiceField(ChoiceField):
    """A choice whose schema is a component named after what it is (``enum_name``), not after the field:
    several models have a "status", a "kind" or a "scope" (ENUM_NAME_OVERRIDES does the same for others)."""

    def __init__(self, *, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(**kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        values = "\n".join(f"* `{value}` - {label}" for value, label in field.choices.items())
        component = ResolvedComponent(name=field.enum_name, type=ResolvedComponent.SCHEMA, object=field.enum_name,
                                      schema={"type": "string", "enum": list(field.choices), "description": values})
        auto_schema.registry.register_on_missing(component)
        return component.ref  # a nullable one becomes "this enum, or null" (spectacular adds the null)


def obligation_status(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(enum_name="ObligationStatusEnum", choices=ObligationStatus.choices, **kwargs)


def gate_stage(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(enum_name="RequiredBeforeEnum", choices=GATE_STAGES, allow_blank=True, **kwargs)


class FrameworkSerializer(ReadSerializer):
    """A framework loaded from its file (reference data: only a higher version of the file replaces it)."""

    class Meta:
        model = Framework
        fields = ("key", "name", "version", "publisher", "published", "source", "copyright", "updated_at")


class RequirementSerializer(ReadSerializer):
    """A requirement by its official reference, with our own short title and guidance."""

    parent = serializers.CharField(source="parent.identifier", allow_null=True,
                                   help_text="The parent's identifier (e.g. GOVERN 1 for GOVERN 1.1); null at the top.")
    scope = NamedChoiceField(enum_name="RequirementScopeEnum", choices=Scope.choices,
                             help_text="system: one obligation per use case it applies to; organisation: one in "
                                       "the organisation's register.")
    required_before = gate_stage(help_text="The stage whose gate refuses a use case while this obligation is "
                                                "not satisfied; null when no gate waits for it.")

    class Meta:
        model = Requirement
        fields = ("identifier", "title", "parent", "applies_from", "guidance", "scope", "assessable",
                  "applies_from_source", "required_before", "deprecated", "updated_at")


class ObligationEvidenceSerializer(ReadSerializer):
    """Evidence of an obligation: a linked Stagegate record, or an uploaded file (record_type null)."""

    kind = NamedChoiceField(enum_name="EvidenceKindEnum", choices=EvidenceKind.choices)
    control = NamedChoiceField(enum_name="ControlKindEnum", choices=ControlKind.choices, allow_blank=True,
                               help_text="The playbook control the linked record evidences; null for an upload.")
    record_type = serializers.SerializerMethodField(help_text=f"{RECORD_TYPE_HELP} null for an uploaded file "
                                                              "kept with the obligation.")

    class Meta:
        model = ObligationEvidence
        fields = ("id", "kind", "control", "record_type", "record_id", "label", "note", "added_at")

    def get_record_type(self, evidence: ObligationEvidence) -> str | None:
        # The view's queryset joins record_type (no query per row).
        ctype = evidence.record_type
        return f"{ctype.app_label}.{ctype.model}" if ctype else None


class SuggestionSerializer(serializers.Serializer):
    """A record of the use case that the crosswalk offers as evidence; link it with PATCH evidence."""

    record_type = serializers.CharField(help_text=RECORD_TYPE_HELP)
    record_id = serializers.IntegerField(source="record.pk")
    label = serializers.CharField()
    state = serializers.CharField(help_text="Its state in words, e.g. Approved, scored 4/5, ready.")
    linked = serializers.BooleanField(help_text="Already linked as evidence of this obligation.")


class ObligationSerializer(ReadSerializer):
    """An applicable requirement in a register, with its status, evidence and suggested evidence."""

    # The view passes ``suggestions`` (obligation id -> its suggestions) in the context: read for a whole page
    # at once (compliance.selectors.register_suggestions), never per row.

    framework = serializers.CharField(source="requirement.framework.key", help_text="The framework's key.")
    identifier = serializers.CharField(source="requirement.identifier",
                                       help_text="The requirement's official reference, e.g. Art. 9.")
    title = serializers.CharField(source="requirement.title")
    owner = serializers.CharField(source="owner.username", allow_null=True, help_text="The owner's username.")
    status = obligation_status(help_text="met, not_applicable and a risk_accepted until after today satisfy it.")
    evidence = ObligationEvidenceSerializer(many=True)
    suggested = serializers.SerializerMethodField(
        help_text="The use case's records the crosswalk offers as evidence (none on the organisation's register).")
    required_before = gate_stage(
        source="requirement.required_before",
        help_text="The stage whose gate refuses the use case while this obligation is not satisfied; null when "
                  "no gate waits for it.")
    applicable = serializers.SerializerMethodField(
        help_text="false once the use case's answers no longer select it, or a newer framework file dropped it: "
                  "its answer is kept, it no longer counts. Lists show such obligations only to delta sync "
                  "(updated_since), so a client learns it was dropped.")

    satisfied = serializers.SerializerMethodField(
        help_text="Whether it counts as covered: met, not applicable, or an accepted risk until after today "
                  "(the coverage endpoint counts these).")

    class Meta:
        model = Obligation
        fields = ("id", "framework", "identifier", "title", "status", "satisfied", "owner", "justification",
                  "accepted_until", "evidence", "suggested", "required_before", "applicable", "updated_at")

    def get_satisfied(self, obligation: Obligation) -> bool:
        return is_satisfied(obligation)

    def get_applicable(self, obligation: Obligation) -> bool:
        return obligation.applicable and not obligation.requirement.deprecated

    @extend_schema_field(SuggestionSerializer(many=True))
    def get_suggested(self, obligation: Obligation) -> list[dict]:
        suggestions: dict[int, list[Suggestion]] = self.context.get("suggestions", {})
        return SuggestionSerializer(suggestions.get(obligation.pk, []), many=True).data


class EvidenceLinkSerializer(InputSerializer):
    """A suggested record to link as evidence."""

    record_type = serializers.CharField(max_length=100, help_text=RECORD_TYPE_HELP)
    record_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The record's id.")


class ObligationUpdateSerializer(InputSerializer):
    """Set the owner, link suggested records, then change the status: one change, whole or not at all."""

    status = obligation_status(
        required=False,
        help_text="met needs evidence (linked before or in this change); not_applicable a justification; "
                  "risk_accepted a justification and accepted_until (the use case's gate Accountable or a "
                  "governance admin only, never its own people). From met or not_applicable it only goes back "
                  "to in_progress.")
    justification = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False,
        help_text="Why it does not apply, or why the risk is accepted: 20 to 5000 characters. Kept with "
                  "not_applicable and risk_accepted only; give it with the status.")
    accepted_until = serializers.DateField(
        required=False, allow_null=True,
        help_text="The day an accepted risk stops counting: after today, at most 365 days ahead. Kept with "
                  "risk_accepted only; give it with the status.")
    evidence = EvidenceLinkSerializer(
        many=True, required=False, max_length=MAX_LINKS,
        help_text="Suggested records to link as evidence before the status changes (already linked ones are "
                  "kept as they are).")
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True), required=False,
        allow_null=True,
        help_text="The owner's username: someone named in the use case's RACI (a governance admin on the "
                  "organisation's register); null for none.")

    def validate(self, attrs: dict) -> dict:
        # Both are kept only as part of a status change: alone they would be silently ignored.
        alone = [name for name in ("justification", "accepted_until") if name in attrs]
        if alone and "status" not in attrs:
            raise serializers.ValidationError(
                {"status": [f"Give the status that {' and '.join(alone)} go{'es' if len(alone) == 1 else ''} with "
                            "(not_applicable or risk_accepted)."]})
        return attrs


class ObligationUploadSerializer(InputSerializer):
    """A file evidencing an obligation (multipart/form-data)."""

    file = serializers.FileField(help_text="PDF, PNG, JPEG, DOCX, XLSX, CSV or TXT, up to 10 MB.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000,
                                 help_text="What the file shows, as the register lists it.")


class CoverageSerializer(serializers.Serializer):
    """One framework's coverage of a use case: satisfied against applicable obligations."""

    framework = serializers.CharField(source="framework.key", help_text="The framework's key.")
    name = serializers.CharField(source="framework.name")
    applicable = serializers.IntegerField(help_text="Obligations that apply to the use case.")
    met = serializers.IntegerField(help_text="Of those, the ones satisfied (met, not applicable, or an accepted "
                                             "risk in force): the number every page, the board pack and the "
                                             "dossier show.")
    percent = serializers.IntegerField()
    missing = serializers.SerializerMethodField(help_text="The identifiers not yet satisfied, in framework order.")

    def get_missing(self, row) -> list[str]:
        return [obligation.requirement.identifier for obligation in row.missing]


class UseCaseCoverageSerializer(serializers.Serializer):
    """A use case's coverage, framework by framework."""

    reference = serializers.CharField(help_text="The use case's reference.")
    frameworks = CoverageSerializer(many=True)
