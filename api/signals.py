"""Cross-cutting receivers (like audit): tombstones for delta sync, and webhook events.

Signals are the one way to hear the domain without the domain apps importing
``api``. Each receiver does one small write or one publish; deliveries leave
only after the transaction commits.
"""

from __future__ import annotations

from operator import attrgetter

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from api import webhooks
from api.models import DeletedUseCaseViewer, Tombstone
from intake.models import (
    KPI,
    BusinessUnit,
    StrategicOutcome,
    UseCase,
    UseCaseEvent,
    UseCaseGroupObjectPermission,
    UseCaseUserObjectPermission,
)
from reports.models import BoardPack, PackStatus
from reviews.choices import REOPENED
from reviews.models import (
    Evidence,
    GapClosureAction,
    GateDecision,
    Incident,
    Review,
    ReviewDecision,
    Risk,
    RiskAcceptance,
)
from vendors.choices import VendorStatus
from vendors.models import AIModel, Vendor, VendorAssessment

# Synced models: (API resource, attribute the API identifies it by, attribute holding its use case's id).
SYNCED = {
    UseCase: ("use-cases", "reference", "id"),
    Review: ("reviews", "pk", "use_case_id"),
    GateDecision: ("gate-decisions", "pk", "use_case_id"),
    Risk: ("risks", "pk", "use_case_id"),
    KPI: ("kpis", "pk", "use_case_id"),
    Incident: ("incidents", "pk", "use_case_id"),
    GapClosureAction: ("gap-closure-actions", "pk", "use_case_id"),
    Evidence: ("artefacts", "pk", "use_case_id"),
    RiskAcceptance: ("risk-acceptances", "pk", "risk.use_case_id"),
    Vendor: ("vendors", "pk", None),
    VendorAssessment: ("vendor-assessments", "pk", None),
    AIModel: ("models", "pk", None),
    BusinessUnit: ("business-units", "pk", None),
    StrategicOutcome: ("outcomes", "pk", None),
    BoardPack: ("board-packs", "pk", None),
}


def _tombstone(instance, reason: str = Tombstone.Reason.DELETED) -> None:
    resource, id_attr, use_case_attr = SYNCED[type(instance)]
    Tombstone.objects.create(resource=resource, object_id=str(getattr(instance, id_attr)), reason=reason,
                             use_case_id=attrgetter(use_case_attr)(instance) if use_case_attr else None)


def tombstone_deleted(sender, instance, **kwargs) -> None:
    _tombstone(instance)


for _model in SYNCED:
    post_delete.connect(tombstone_deleted, sender=_model, dispatch_uid=f"api-tombstone-{_model.__name__}")


@receiver(pre_delete, sender=UseCase, dispatch_uid="api-remember-viewers")
def remember_viewers(sender, instance: UseCase, **kwargs) -> None:
    """Before its grants go, note who could see the use case: they alone see its tombstones."""
    view = Permission.objects.filter(content_type__app_label="intake", codename="view_usecase").values("id")
    users = set(UseCaseUserObjectPermission.objects.filter(content_object=instance, permission_id__in=view)
                .values_list("user_id", flat=True))
    groups = UseCaseGroupObjectPermission.objects.filter(content_object=instance, permission_id__in=view)
    users |= set(get_user_model().groups.through.objects.filter(group_id__in=groups.values("group_id"))
                 .values_list("user_id", flat=True))
    DeletedUseCaseViewer.objects.bulk_create(
        [DeletedUseCaseViewer(use_case_id=instance.pk, user_id=user_id) for user_id in sorted(users)],
        ignore_conflicts=True,
    )


def _use_case_data(use_case: UseCase) -> dict:
    return {"reference": use_case.reference, "title": use_case.title, "status": use_case.status,
            "stage": use_case.stage, "risk_tier": use_case.risk_tier}


@receiver(post_save, sender=UseCaseEvent, dispatch_uid="api-use-case-event")
def use_case_event(sender, instance: UseCaseEvent, created: bool, **kwargs) -> None:
    """The timeline the intake services write: submissions, stage moves, withdrawals."""
    if not created:
        return
    use_case = instance.use_case
    if instance.kind in ("submitted", "resubmitted"):
        data = {**_use_case_data(use_case), "resubmitted": instance.kind == "resubmitted"}
        webhooks.publish("use_case.submitted", data)
    elif instance.kind == "stage_changed":
        webhooks.publish("use_case.stage_changed", {**_use_case_data(use_case), "note": instance.note})
    elif instance.kind == "status_withdrawn":
        _tombstone(use_case, Tombstone.Reason.ARCHIVED)


@receiver(post_save, sender=ReviewDecision, dispatch_uid="api-review-decided")
def review_decided(sender, instance: ReviewDecision, created: bool, **kwargs) -> None:
    if not created or instance.decision == REOPENED:
        return
    review = instance.review
    webhooks.publish("review.decided", {
        "review": review.pk, "use_case": review.use_case.reference, "function": review.function,
        "decision": instance.decision, "rationale": instance.rationale, "cycle": instance.cycle,
        "decided_by": instance.decided_by.get_username() if instance.decided_by_id else None,
        "decided_at": instance.decided_at,
    })


@receiver(post_save, sender=GateDecision, dispatch_uid="api-gate-decided")
def gate_decided(sender, instance: GateDecision, created: bool, **kwargs) -> None:
    if created:
        webhooks.publish("gate.decided", {
            "id": instance.pk, "use_case": instance.use_case.reference, "outcome": instance.outcome,
            "from_stage": instance.from_stage, "to_stage": instance.to_stage, "rationale": instance.rationale,
            "decided_by": instance.decided_by.get_username(), "decided_at": instance.decided_at,
        })


def _remember_status(sender, instance, **kwargs) -> None:
    """Keep the stored status on the instance, so post_save can tell a change (one query per save)."""
    instance._api_status_before = (
        sender.objects.filter(pk=instance.pk).values_list("status", flat=True).first() if instance.pk else None
    )


pre_save.connect(_remember_status, sender=Vendor, dispatch_uid="api-vendor-status-before")
pre_save.connect(_remember_status, sender=BoardPack, dispatch_uid="api-pack-status-before")


@receiver(post_save, sender=Vendor, dispatch_uid="api-vendor-status")
def vendor_status_changed(sender, instance: Vendor, created: bool, **kwargs) -> None:
    before = getattr(instance, "_api_status_before", None)
    if created or before == instance.status:
        return
    if instance.status == VendorStatus.OFFBOARDED:
        _tombstone(instance, Tombstone.Reason.ARCHIVED)
    webhooks.publish("vendor.status_changed", {
        "id": instance.pk, "name": instance.name, "from_status": before, "status": instance.status,
        "approval_expires": instance.approval_expires,
    })


@receiver(post_save, sender=BoardPack, dispatch_uid="api-board-pack-ready")
def board_pack_ready(sender, instance: BoardPack, created: bool, **kwargs) -> None:
    if instance.status == PackStatus.READY and getattr(instance, "_api_status_before", None) != PackStatus.READY:
        webhooks.publish("board_pack.ready", {
            "id": instance.pk, "audience": instance.audience, "period_start": instance.period_start,
            "period_end": instance.period_end, "generated_at": instance.generated_at,
        })
