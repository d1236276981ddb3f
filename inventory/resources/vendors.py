"""The vendor, registry-model and assessment files, keyed by ``external_id`` (``V-12``, ``M-7``, ``A-3``
when a record has none)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from import_export.fields import Field

from inventory import services
from inventory.resources.base import InventoryResource, model_field
from inventory.widgets import Choice, Date, Ratings, Ref, Text
from vendors.choices import AssessmentOutcome, Rating
from vendors.models import AIModel, Vendor, VendorAssessment

from .keys import ASSESSMENT_PREFIX, MODEL_PREFIX, VENDOR_PREFIX, vendor_key, vendor_lookup

User = get_user_model()

VENDOR_COLUMNS = ("external_id", "name", "website", "description", "criticality", "status", "approval_expires")
MODEL_COLUMNS = ("external_id", "provider", "name", "version", "hosting", "max_data_classification", "max_tier",
                 "status", "next_review_date", "notes")
ASSESSMENT_COLUMNS = ("external_id", "vendor", "status", "started_on", "assessor", "due_on", "ratings", "outcome",
                      "conditions", "notes", "completed_at")


def _vendor_ref() -> Ref:
    return Ref(label="vendor", find=vendor_lookup, key=vendor_key)


def _key_of(values: dict[str, Any], key: str, instance) -> dict[str, Any]:
    """The row's values, with its key as the external id of a new record."""
    return {**values, "external_id": key} if instance.pk is None else values


class VendorResource(InventoryResource):
    key_prefix = VENDOR_PREFIX
    readonly_columns = ("status", "approval_expires")

    external_id = Field(attribute="external_id", column_name="external_id", widget=Text(100))
    name = model_field(Vendor, "name")
    website = model_field(Vendor, "website")
    description = model_field(Vendor, "description")
    criticality = model_field(Vendor, "criticality")
    status = Field(attribute="status", column_name="status", widget=Text())
    approval_expires = Field(attribute="approval_expires", column_name="approval_expires", widget=Date())

    class Meta(InventoryResource.Meta):
        model = Vendor
        fields = VENDOR_COLUMNS
        import_order = export_order = VENDOR_COLUMNS

    def get_queryset(self):
        return Vendor.objects.order_by("name")

    def write(self, instance, *, is_create, values, changed, key, actor):
        vendor = None if is_create else instance
        values = _key_of(values, key, instance) if is_create else {k: values[k] for k in changed}
        return services.vendor_save(actor=actor, vendor=vendor, values=values)


class AIModelResource(InventoryResource):
    key_prefix = MODEL_PREFIX

    external_id = Field(attribute="external_id", column_name="external_id", widget=Text(100))
    provider = Field(attribute="provider", column_name="provider", widget=_vendor_ref())

    locals().update({name: model_field(AIModel, name) for name in MODEL_COLUMNS[2:]})

    class Meta(InventoryResource.Meta):
        model = AIModel
        fields = MODEL_COLUMNS
        import_order = export_order = MODEL_COLUMNS

    def get_queryset(self):
        return AIModel.objects.select_related("provider").order_by("provider__name", "name", "version")

    def write(self, instance, *, is_create, values, changed, key, actor):
        model = None if is_create else instance
        values = _key_of(values, key, instance) if is_create else {k: values[k] for k in changed}
        return services.ai_model_save(actor=actor, model=model, values=values)


class VendorAssessmentResource(InventoryResource):
    key_prefix = ASSESSMENT_PREFIX
    readonly_columns = ("status", "started_on", "completed_at")

    external_id = Field(attribute="external_id", column_name="external_id", widget=Text(100))
    vendor = Field(attribute="vendor", column_name="vendor", widget=_vendor_ref())
    status = Field(attribute="status", column_name="status", widget=Text())
    started_on = Field(attribute="started_on", column_name="started_on", widget=Date())
    assessor = Field(attribute="assessor", column_name="assessor", widget=Ref(
        label="user", find=lambda name: User.objects.filter(username=name).first(), key=lambda u: u.get_username()))
    due_on = model_field(VendorAssessment, "due_on")
    ratings = Field(column_name="ratings", widget=Ratings(ratings=Rating.values))
    outcome = Field(attribute="outcome", column_name="outcome", widget=Choice(AssessmentOutcome))
    conditions = model_field(VendorAssessment, "conditions")
    notes = model_field(VendorAssessment, "notes")
    completed_at = Field(attribute="completed_at", column_name="completed_at", widget=Text())

    class Meta(InventoryResource.Meta):
        model = VendorAssessment
        fields = ASSESSMENT_COLUMNS
        import_order = export_order = ASSESSMENT_COLUMNS

    def get_queryset(self):
        return (VendorAssessment.objects.select_related("vendor", "assessor").prefetch_related("ratings__area")
                .order_by("vendor__name", "started_on", "id"))

    def dehydrate_ratings(self, obj) -> str:
        if obj.pk is None:
            return ""
        return Ratings(ratings=Rating.values).render({r.area.key: r.rating for r in obj.ratings.all() if r.rating})

    def dehydrate_completed_at(self, obj) -> str:
        return obj.completed_at.isoformat(timespec="seconds") if obj.completed_at else ""

    def write(self, instance, *, is_create, values, changed, key, actor):
        return services.assessment_import(
            actor=actor, assessment=None if is_create else instance, vendor=values.get("vendor"),
            values=_key_of(values, key, instance), changed=changed)
