"""Reads for the vendors app: querysets with what their pages need."""

from __future__ import annotations

import datetime

from django.db.models import Case, CharField, F, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone

from vendors.choices import APPROVED_STATUSES, AssessmentStatus, EffectiveStatus
from vendors.models import (
    AIModel,
    ApprovalPolicy,
    AssessmentRating,
    Certification,
    Vendor,
    VendorAssessment,
)

# Open work first (declaration order of AssessmentStatus), then the oldest due date;
# assessments without a due date come after those with one.
ASSESSMENT_QUEUE_ORDER = ("status_rank", F("due_on").asc(nulls_last=True), "started_on", "id")


def effective_status_expression(today: datetime.date) -> Case:
    """SQL twin of ``rules.effective_status``, for lists and filters."""
    return Case(
        When(status__in=APPROVED_STATUSES, approval_expires__lt=today, then=Value(EffectiveStatus.APPROVAL_EXPIRED)),
        default=F("status"),
        output_field=CharField(),
    )


def vendor_list(*, today: datetime.date | None = None) -> QuerySet[Vendor]:
    """Vendors by name, each annotated with ``effective_status_value`` as of ``today``."""
    today = today or timezone.localdate()
    return Vendor.objects.annotate(effective_status_value=effective_status_expression(today)).order_by("name")


def vendor_detail(pk: int) -> Vendor:
    """One vendor with its contacts, certifications, assessments (and ratings) and models."""
    assessments = VendorAssessment.objects.select_related("assessor", "completed_by").prefetch_related(
        Prefetch("ratings", queryset=AssessmentRating.objects.select_related("area"))
    )
    return vendor_list().prefetch_related(
        "contacts",
        Prefetch("certifications", queryset=Certification.objects.order_by("kind", "-expires_on", "id")),
        Prefetch("assessments", queryset=assessments.order_by("-started_on", "-id")),
        Prefetch("ai_models", queryset=AIModel.objects.order_by("name", "version")),
    ).get(pk=pk)


def status_rank_expression() -> Case:
    return Case(
        *[When(status=status, then=Value(rank)) for rank, status in enumerate(AssessmentStatus)],
        default=Value(len(AssessmentStatus)),
        output_field=IntegerField(),
    )


def assessment_queue() -> QuerySet[VendorAssessment]:
    """The procurement queue: open first, then in progress, then done; oldest due first within each."""
    return (
        VendorAssessment.objects.select_related("vendor", "assessor", "completed_by")
        .annotate(status_rank=status_rank_expression())
        .order_by(*ASSESSMENT_QUEUE_ORDER)
    )


def model_registry() -> QuerySet[AIModel]:
    return AIModel.objects.select_related("provider").order_by("provider__name", "name", "version")


def approval_validity_months(criticality: str) -> int | None:
    """Months an approval lasts for this criticality, or None when no policy is set."""
    return ApprovalPolicy.objects.filter(criticality=criticality).values_list("validity_months", flat=True).first()


def assessment_ratings(assessment: VendorAssessment) -> QuerySet[AssessmentRating]:
    return assessment.ratings.select_related("area").order_by("area__order", "area__key")


def certifications_expiring(*, today: datetime.date | None = None, within_days: int = 30) -> QuerySet[Certification]:
    """Certifications that expire from today up to ``within_days`` ahead, soonest first."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=within_days)
    return (
        Certification.objects.select_related("vendor")
        .filter(expires_on__gte=today, expires_on__lte=horizon)
        .order_by("expires_on", "id")
    )
