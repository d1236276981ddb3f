"""The use-case file: one row per use case, keyed by ``external_id`` (its reference when it has none)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from import_export.fields import Field

from intake import batch
from intake.choices import KPICategory, KPIDirection, Stage
from intake.models import BusinessUnit, PortfolioBucket, StrategicOutcome, UseCase
from inventory import services
from inventory.resources.base import KEY_CHUNK, InventoryResource, model_field
from inventory.widgets import Choice, Date, KPIList, Ref, RefList, Text, split_list

from .keys import model_key, model_lookup, vendor_key, vendor_lookup

User = get_user_model()

# Intake answers, in the order of the intake form; each is a column of the same name.
ANSWER_COLUMNS = (
    "title", "summary", "problem_statement", "strategic_outcome", "portfolio_bucket", "outcome_baseline",
    "outcome_target", "outcome_time_horizon", "outcome_constraints", "business_owner", "delivery_owner",
    "executive_sponsor", "data_sources", "data_classification", "personal_data", "exposure", "expected_users",
    "integrations", "target_release", "ai_pattern", "generates_content", "interacts_with_people",
    "emotion_or_biometric", "deep_fake", "ai_act_role", "public_service", "autonomy", "decision_impact",
    "regulated_area", "prohibited_practice", "vendors", "ai_models",
)
# Answers that are plain values (not a reference to a unit, a person or a registry entry).
PLAIN_ANSWER_COLUMNS = tuple(name for name in ANSWER_COLUMNS if name not in {
    "strategic_outcome", "portfolio_bucket", "business_owner", "delivery_owner", "executive_sponsor", "vendors",
    "ai_models"})
REGISTRATION_COLUMNS = ("registration_rationale", "missing_criteria", "remediation_owner", "remediation_due")
READONLY_COLUMNS = ("reference", "status", "risk_tier")
COLUMNS = ("external_id", *READONLY_COLUMNS, "business_unit", *ANSWER_COLUMNS, "kpis", "stage",
           *REGISTRATION_COLUMNS)


def _user(label: str) -> Ref:
    return Ref(label=label, find=lambda name: User.objects.filter(username=name).first(),
               key=lambda user: user.get_username())


class UseCaseResource(InventoryResource):
    key_prefix = "UC-"
    readonly_columns = READONLY_COLUMNS
    create_only_columns = REGISTRATION_COLUMNS
    write_is_one_service = True  # use_case_import

    external_id = Field(attribute="external_id", column_name="external_id", widget=Text(100))
    reference = Field(attribute="reference", column_name="reference", widget=Text())
    status = Field(attribute="status", column_name="status", widget=Text())
    risk_tier = Field(attribute="risk_tier", column_name="risk_tier", widget=Text())
    business_unit = Field(attribute="business_unit", column_name="business_unit", widget=Ref(
        label="business unit", find=lambda code: BusinessUnit.objects.filter(code=code).first(),
        key=lambda unit: unit.code))
    strategic_outcome = Field(attribute="strategic_outcome", column_name="strategic_outcome", widget=Ref(
        label="strategic outcome", find=lambda name: StrategicOutcome.objects.filter(name=name).first(),
        key=lambda outcome: outcome.name))
    portfolio_bucket = Field(attribute="portfolio_bucket", column_name="portfolio_bucket", widget=Ref(
        label="portfolio bucket", find=lambda code: PortfolioBucket.objects.filter(code=code).first(),
        key=lambda bucket: bucket.code))
    business_owner = Field(attribute="business_owner", column_name="business_owner", widget=_user("user"))
    delivery_owner = Field(attribute="delivery_owner", column_name="delivery_owner", widget=_user("user"))
    executive_sponsor = Field(attribute="executive_sponsor", column_name="executive_sponsor", widget=_user("user"))
    vendors = Field(attribute="vendors", column_name="vendors",
                    widget=RefList(label="vendor", find=vendor_lookup, key=vendor_key))
    ai_models = Field(attribute="ai_models", column_name="ai_models",
                      widget=RefList(label="AI model", find=model_lookup, key=model_key))
    kpis = Field(attribute="kpis", column_name="kpis",
                 widget=KPIList(categories=KPICategory.values, directions=KPIDirection.values))
    stage = Field(attribute="stage", column_name="stage", widget=Choice(Stage, blank=False))
    registration_rationale = Field(column_name="registration_rationale", widget=Text(5000))
    missing_criteria = Field(column_name="missing_criteria", widget=Text())
    remediation_owner = Field(column_name="remediation_owner", widget=_user("user"))
    remediation_due = Field(column_name="remediation_due", widget=Date())

    # The plain answers: a column per model field, with the widget its type calls for.
    locals().update({name: model_field(UseCase, name) for name in PLAIN_ANSWER_COLUMNS})

    class Meta(InventoryResource.Meta):
        model = UseCase
        fields = COLUMNS
        import_order = export_order = COLUMNS

    def import_data(self, dataset, **kwargs):
        # The file's new use cases get their RACI, grants and registers together once every row is
        # written (after_import, in the same transaction): the same services, once per file.
        # before_import has matched every key with the store and file_problems refused a key given twice.
        # Without the preview's diff (the commands) no new row's links or KPIs are read back before the file
        # is settled, so they are written with it too.
        with batch.created_together(keys_checked=True, rows_later=self._meta.skip_diff):
            return super().import_data(dataset, **kwargs)

    def after_import(self, dataset, result, **kwargs):
        batch.settle_pending()

    def get_queryset(self):
        return (UseCase.objects.order_by("reference")
                .select_related("business_unit", "strategic_outcome", "portfolio_bucket", "business_owner",
                                "delivery_owner", "executive_sponsor")
                .prefetch_related("kpis", "vendors", "ai_models"))

    def find(self, key: str):
        return UseCase.objects.filter(external_id=key).first() or (
            UseCase.objects.filter(reference=key).first() if key else None)

    def keys_stored(self, keys: list[str]) -> set[str]:
        """Those of ``keys`` that are a stored use case's external id or reference (what ``find`` matches)."""
        return super().keys_stored(keys) | {
            key for start in range(0, len(keys), KEY_CHUNK)
            for key in UseCase.objects.filter(reference__in=keys[start:start + KEY_CHUNK])
            .values_list("reference", flat=True)}

    def dehydrate_external_id(self, obj) -> str:
        return obj.external_id or obj.reference

    def dehydrate_registration_rationale(self, obj) -> str:
        return ""

    def dehydrate_missing_criteria(self, obj) -> str:
        return ""

    def dehydrate_remediation_owner(self, obj) -> str:
        return ""

    def dehydrate_remediation_due(self, obj) -> str:
        return ""

    def write(self, instance, *, is_create: bool, values: dict[str, Any], changed: set[str], key: str, actor):
        if is_create:
            answers = {name: values[name] for name in ANSWER_COLUMNS}
            answers["external_id"] = key
            kpis = values["kpis"]
            unit = values["business_unit"]
            use_case = None
        else:
            if "business_unit" in changed:
                raise ValidationError({"business_unit": "A use case stays in its business unit."})
            answers = {name: values[name] for name in ANSWER_COLUMNS if name in changed}
            kpis = values["kpis"] if "kpis" in changed else None
            unit, use_case = None, UseCase.objects.get(pk=instance.pk)
        registration = services.Registration(
            stage=values["stage"], rationale=values["registration_rationale"],
            missing=tuple(split_list(values["missing_criteria"])), owner=values["remediation_owner"],
            due=values["remediation_due"],
        )
        return services.use_case_import(actor=actor, use_case=use_case, business_unit=unit, answers=answers,
                                        kpis=kpis, registration=registration)
