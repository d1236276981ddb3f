"""Vendors, their due diligence and the approved model registry (governance model, section 8).

Status, approval expiry and assessment outcomes change only through
``vendors.services``; the admin shows them read-only.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from vendors import choices as c
from vendors import rules
from vendors.storage import evidence_storage
from vendors.validators import validate_evidence_file

User = settings.AUTH_USER_MODEL


class Vendor(models.Model):
    name = models.CharField(max_length=200, unique=True)
    external_id = models.CharField(
        "external id", max_length=100, blank=True, db_index=True,
        help_text="The id of the record in the inventory it was imported from; unique when set.",
    )
    website = models.URLField(blank=True)
    description = models.TextField(max_length=5000, blank=True)
    criticality = models.CharField(max_length=10, choices=c.Criticality.choices, default=c.Criticality.MEDIUM)
    status = models.CharField(
        max_length=30, choices=c.VendorStatus.choices, default=c.VendorStatus.PROSPECT, db_index=True
    )
    approval_expires = models.DateField(null=True, blank=True, db_index=True)
    offboarded_at = models.DateTimeField(null=True, blank=True)
    offboarding_reason = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], condition=~Q(external_id=""),
                                    name="uniq_vendor_external_id"),
        ]

    def __str__(self) -> str:
        return self.name

    def effective_status(self, today: datetime.date | None = None) -> str:
        """The status as shown to people: an expired approval reads "approval_expired"."""
        return rules.effective_status(self.status, self.approval_expires, today or timezone.localdate())

    def effective_status_label(self, today: datetime.date | None = None) -> str:
        return c.EffectiveStatus(self.effective_status(today)).label

    def name_with_status(self, today: datetime.date | None = None) -> str:
        """The name with the status as it stands, e.g. "Northwind AI (approved)", "Acme (approval expired)".

        How pages name a vendor a use case depends on; from the row's own fields,
        so a prefetched list of vendors costs no query per vendor.
        """
        return f"{self.name} ({self.effective_status_label(today).lower()})"

    def is_approved(self, today: datetime.date | None = None) -> bool:
        return rules.vendor_is_approved(self, today or timezone.localdate())


class VendorContact(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=200, blank=True, help_text="E.g. account manager, security contact, DPO.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["vendor", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name


class Certification(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="certifications")
    kind = models.CharField(max_length=20, choices=c.CertificationKind.choices)
    name = models.CharField(max_length=200, blank=True, help_text="Required when the kind is Other.")
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True, db_index=True)
    # The storage sanitises the uploaded name; the validator limits size and type.
    evidence = models.FileField(
        upload_to="vendors/certifications/%Y/%m/", storage=evidence_storage, max_length=255, blank=True,
        validators=[validate_evidence_file],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["vendor", "kind", "-expires_on", "id"]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.display_name}"

    @property
    def display_name(self) -> str:
        return self.name if self.kind == c.CertificationKind.OTHER else self.get_kind_display()

    def clean(self) -> None:
        errors = {}
        if self.kind == c.CertificationKind.OTHER and not self.name.strip():
            errors["name"] = "Name the certification when the kind is Other."
        if self.issued_on and self.expires_on and self.expires_on < self.issued_on:
            errors["expires_on"] = "A certification cannot expire before it was issued."
        if errors:
            raise ValidationError(errors)

    def is_expired(self, today: datetime.date | None = None) -> bool:
        return self.expires_on is not None and self.expires_on < (today or timezone.localdate())


class ChecklistArea(models.Model):
    """One of the due-diligence areas every assessment rates (seeded with the 12 of section 8)."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    critical = models.BooleanField(default=False, help_text='A "does not meet" here blocks approval.')
    questions = models.TextField(max_length=3000, blank=True, help_text="What to ask the vendor, one per line.")
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Inactive areas are left out of new assessments.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.name


class ApprovalPolicy(models.Model):
    """How long an approval lasts for a vendor of each criticality, before re-assessment."""

    criticality = models.CharField(max_length=10, unique=True, choices=c.Criticality.choices)
    validity_months = models.PositiveSmallIntegerField(
        "approval validity (months)", validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["validity_months"]
        verbose_name_plural = "approval policies"

    def __str__(self) -> str:
        return f"{self.get_criticality_display()} criticality: {self.validity_months} months"


class VendorAssessment(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="assessments")
    external_id = models.CharField(
        "external id", max_length=100, blank=True, db_index=True,
        help_text="The id of the record in the inventory it was imported from; unique when set.",
    )
    status = models.CharField(
        max_length=20, choices=c.AssessmentStatus.choices, default=c.AssessmentStatus.OPEN, db_index=True
    )
    assessor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_on = models.DateField(default=timezone.localdate)
    due_on = models.DateField(null=True, blank=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=30, blank=True, choices=c.AssessmentOutcome.choices)
    conditions = models.TextField(max_length=5000, blank=True, help_text="Required for approval with conditions.")
    notes = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            # One assessment in flight per vendor, even if two people start one at once.
            models.UniqueConstraint(
                fields=["vendor"], condition=~Q(status="completed"), name="uniq_open_assessment_per_vendor"
            ),
            models.UniqueConstraint(fields=["external_id"], condition=~Q(external_id=""),
                                    name="uniq_assessment_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} assessment of {self.started_on:%Y-%m-%d}"

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        if self.status == c.AssessmentStatus.COMPLETED or self.due_on is None:
            return False
        return self.due_on < (today or timezone.localdate())


class AssessmentRating(models.Model):
    """The rating of one checklist area in one assessment; blank until rated."""

    assessment = models.ForeignKey(VendorAssessment, on_delete=models.CASCADE, related_name="ratings")
    area = models.ForeignKey(ChecklistArea, on_delete=models.PROTECT, related_name="ratings")
    rating = models.CharField(max_length=20, blank=True, choices=c.Rating.choices)
    evidence_notes = models.TextField(max_length=5000, blank=True)
    attachment = models.FileField(
        upload_to="vendors/assessments/%Y/%m/", storage=evidence_storage, max_length=255, blank=True,
        validators=[validate_evidence_file],
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "area__order", "area__key"]
        constraints = [models.UniqueConstraint(fields=["assessment", "area"], name="uniq_rating_per_area")]

    def __str__(self) -> str:
        return f"{self.area}: {self.get_rating_display() or 'not yet rated'}"


class AIModel(models.Model):
    """An entry of the approved model registry: what a model may be used for."""

    provider = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="ai_models")
    external_id = models.CharField(
        "external id", max_length=100, blank=True, db_index=True,
        help_text="The id of the record in the inventory it was imported from; unique when set.",
    )
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=100)
    hosting = models.CharField(max_length=20, choices=c.Hosting.choices)
    max_data_classification = models.CharField(
        "highest data classification", max_length=20, choices=c.DataClassification.choices
    )
    max_tier = models.CharField("highest risk tier", max_length=10, choices=c.RiskTier.choices)
    status = models.CharField(max_length=20, choices=c.ModelStatus.choices, default=c.ModelStatus.APPROVED,
                              db_index=True)
    next_review_date = models.DateField(null=True, blank=True)
    notes = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["provider__name", "name", "version"]
        verbose_name = "AI model"
        constraints = [
            models.UniqueConstraint(fields=["provider", "name", "version"], name="uniq_model_provider_name_version"),
            models.UniqueConstraint(fields=["external_id"], condition=~Q(external_id=""),
                                    name="uniq_aimodel_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.name} {self.version}"


class ExpiryReminderKind(models.TextChoices):
    EXPIRING = "expiring", "Expiring soon"
    EXPIRED = "expired", "Expired"


class VendorReminderLog(models.Model):
    """One expiry reminder sent to procurement about a vendor approval or a certification.

    Exactly one of ``vendor`` (its approval), ``certification`` and ``ai_model`` (its review date) is set. The
    partial unique constraints keep two workers from sending one reminder twice
    on a day; ``expires_on`` records which expiry it was about, so a renewal
    (a new expiry date) is reminded again.
    """

    Kind = ExpiryReminderKind

    vendor = models.ForeignKey(Vendor, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="expiry_reminders")
    certification = models.ForeignKey(Certification, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="expiry_reminders")
    # A registry model's review date, reminded like an expiry (``expires_on`` holds the review date).
    ai_model = models.ForeignKey(AIModel, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="review_reminders")
    kind = models.CharField(max_length=20, choices=ExpiryReminderKind.choices)
    expires_on = models.DateField()
    for_date = models.DateField(help_text="The day the reminder was due for.")
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list, blank=True, help_text="Email addresses it was sent to.")

    class Meta:
        ordering = ["-for_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(vendor__isnull=False, certification__isnull=True, ai_model__isnull=True)
                | Q(vendor__isnull=True, certification__isnull=False, ai_model__isnull=True)
                | Q(vendor__isnull=True, certification__isnull=True, ai_model__isnull=False),
                name="vendor_reminder_about_one_thing",
            ),
            models.UniqueConstraint(fields=["vendor", "kind", "for_date"], condition=Q(vendor__isnull=False),
                                    name="vendor_reminder_once_per_day"),
            models.UniqueConstraint(fields=["certification", "kind", "for_date"],
                                    condition=Q(certification__isnull=False),
                                    name="certification_reminder_once_per_day"),
            models.UniqueConstraint(fields=["ai_model", "kind", "for_date"], condition=Q(ai_model__isnull=False),
                                    name="model_review_reminder_once_per_day"),
        ]

    def __str__(self) -> str:
        about = (f"vendor {self.vendor_id}" if self.vendor_id else f"certification {self.certification_id}"
                 if self.certification_id else f"model {self.ai_model_id}")
        return f"{self.get_kind_display()} reminder for {about} on {self.for_date:%Y-%m-%d}"
