"""The framework layer: frameworks and their requirements (reference data loaded from files), the crosswalk
from the playbook's own controls to requirements, and the obligation registers (the organisation's answers).

A requirement is never deleted once loaded: a newer file that drops it marks it deprecated, so the answers
given to it stay readable (docs/decisions/compliance-frameworks.md).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from intake.choices import Stage

from .choices import ControlKind, EvidenceKind, ObligationStatus, Scope
from .library import condition_errors

User = settings.AUTH_USER_MODEL
GATE_STAGES = [(s.value, s.label) for s in (Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED)]


class Framework(models.Model):
    key = models.SlugField(max_length=60, unique=True, help_text="Stable key from the file, e.g. eu-ai-act.")
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(help_text="Only a higher version of the file is loaded over this one.")
    publisher = models.CharField(max_length=200)
    published = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=500)
    copyright = models.TextField(max_length=2000, blank=True)
    content_hash = models.CharField(max_length=64, editable=False)
    loaded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class Requirement(models.Model):
    """An obligation or control, by its official reference, with our own short title and guidance."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="requirements")
    identifier = models.CharField(max_length=60, help_text="Its official reference: Art. 9, GOVERN 1.1, A.6.2.6.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    guidance = models.TextField(max_length=2000, blank=True)
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.SYSTEM)
    assessable = models.BooleanField(default=True, help_text="Headings carry no status; their children do.")
    applies_from = models.DateField(null=True, blank=True, help_text="Law can move it: keep the source below.")
    applies_from_source = models.CharField(max_length=200, blank=True)
    applies_when = models.JSONField(
        default=list, blank=True,
        help_text='Any one of these conditions selects it, e.g. [{"eu_category": ["high_risk"], "role": '
                  '["provider"]}]; an empty list applies to every use case.')
    required_before = models.CharField(
        max_length=20, blank=True, choices=GATE_STAGES,
        help_text="The gate into this stage refuses a use case while this obligation is not satisfied.")
    expected_evidence = models.CharField(max_length=500, blank=True)
    deprecated = models.BooleanField(default=False, help_text="Dropped by a newer file; its answers are kept.")
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["framework", "identifier"], name="uniq_requirement_identifier")]

    def __str__(self) -> str:
        return f"{self.identifier} {self.title}"

    def clean(self) -> None:
        # A rule the loader would refuse is refused here too: a typo must not switch a law off everywhere.
        if problems := condition_errors(self.applies_when):
            raise ValidationError({"applies_when": problems})
        if self.required_before and not (self.assessable and self.scope == Scope.SYSTEM):
            raise ValidationError({"required_before": "Only a use case's obligations (system scope, with a status) "
                                                      "can be needed at a gate."})


class CrosswalkEntry(models.Model):
    """One of the playbook's controls counts as evidence for a requirement (its record is suggested)."""

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="crosswalk")
    control = models.CharField(max_length=20, choices=ControlKind.choices)
    key = models.CharField(max_length=60, help_text="The control's key: a review function, checklist item, ...")
    rationale = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="Where the mapping comes from.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["requirement", "control", "key"]
        verbose_name_plural = "crosswalk entries"
        constraints = [models.UniqueConstraint(fields=["requirement", "control", "key"], name="uniq_crosswalk")]

    def __str__(self) -> str:
        return f"{self.get_control_display()} {self.key} -> {self.requirement.identifier}"


class Obligation(models.Model):
    """An applicable requirement in a register: a use case's (``use_case`` set) or the organisation's.

    ``applicable`` turns False when the use case's answers stop selecting it: the answer stays, unused.
    """

    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="obligations")
    use_case = models.ForeignKey("intake.UseCase", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="obligations")
    applicable = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=ObligationStatus.choices, default=ObligationStatus.NOT_STARTED)
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    justification = models.TextField(max_length=5000, blank=True)
    accepted_until = models.DateField(null=True, blank=True)
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["requirement__framework__name", "requirement__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["requirement", "use_case"], name="uniq_obligation_per_use_case"),
            models.UniqueConstraint(fields=["requirement"], condition=models.Q(use_case__isnull=True),
                                    name="uniq_organisation_obligation"),
        ]

    def __str__(self) -> str:
        where = self.use_case.reference if self.use_case_id else "organisation"
        return f"{self.requirement.identifier} ({where})"


def evidence_path(instance: ObligationEvidence, filename: str) -> str:
    return f"obligations/{instance.obligation_id}/{filename}"


class ObligationEvidence(models.Model):
    """Evidence for an obligation: a link to an existing record (a review, a checklist entry, an artefact,
    ...) or an uploaded file."""

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=10, choices=EvidenceKind.choices)
    record_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    record_id = models.PositiveBigIntegerField(null=True, blank=True)
    record = GenericForeignKey("record_type", "record_id")
    control = models.CharField(max_length=20, blank=True, choices=ControlKind.choices)
    label = models.CharField(max_length=300, help_text="What it is, as the register lists it.")
    file = models.FileField(upload_to=evidence_path, blank=True, max_length=300)
    note = models.CharField(max_length=1000, blank=True)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["obligation", "id"]
        verbose_name_plural = "obligation evidence"
        constraints = [
            models.UniqueConstraint(fields=["obligation", "record_type", "record_id"], name="uniq_evidence_record",
                                    condition=models.Q(record_id__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.label
