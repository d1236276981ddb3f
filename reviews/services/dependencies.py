"""Live use cases follow the registries: a model deprecated or banned, a vendor's approval withdrawn,
rejected, offboarded or expired flags every live use case that depends on it.

``vendors.services`` send ``vendors.signals`` after the change (reviews.receivers connects them here):
vendors sits below reviews and must not import it, and every door of a change (admin, API, demo, the
expiry sweep) goes through those services, so a signal is the one place that sees them all. A flag is
raised once per use case and dependency; raising it opens a re-review (architecture and security, and
procurement for a vendor) with the change named, and queues one email to the delivery owner and the
go/no-go A. Restoring the model or vendor clears the flag and reopens nothing.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from config.tasks import enqueue_on_commit
from intake import steps
from intake.choices import Activity, RaciLetter, ReviewFunction, Stage, Status
from intake.models import RaciAssignment, UseCase
from intake.selectors import DEFAULT_SLA_DAYS, FLAGGED_MODEL_FUNCTIONS, required_review_functions
from reviews import selectors
from reviews.choices import APPROVED_STATUSES as REVIEW_APPROVED
from reviews.models import DependencyFlag, DependencyKind, DependencyNotice, Review
from vendors.choices import APPROVED_STATUSES as VENDOR_APPROVED
from vendors.choices import EffectiveStatus, ModelStatus

from .workflow import _reopen

logger = logging.getLogger(__name__)

# Live: past exploration and not stopped or retired (a paused system still runs somewhere).
LIVE_STAGES = (Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED, Stage.PAUSED)
LIVE_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED, Status.APPROVED)

# What each new status does to the use cases that depend on it; any other status leaves them as they are
# (a vendor under re-assessment keeps its flags and raises none).
FLAGGING = {
    DependencyKind.MODEL: frozenset({ModelStatus.DEPRECATED, ModelStatus.BANNED}),
    DependencyKind.VENDOR: frozenset({EffectiveStatus.REJECTED, EffectiveStatus.OFFBOARDED,
                                      EffectiveStatus.APPROVAL_EXPIRED}),
}
CLEARING = {
    DependencyKind.MODEL: frozenset({ModelStatus.APPROVED, ModelStatus.RESTRICTED}),
    DependencyKind.VENDOR: frozenset(VENDOR_APPROVED),
}
REREVIEW_FUNCTIONS = {
    DependencyKind.MODEL: tuple(FLAGGED_MODEL_FUNCTIONS),
    DependencyKind.VENDOR: (*FLAGGED_MODEL_FUNCTIONS, ReviewFunction.PROCUREMENT),
}


def live_dependents(kind: str, object_id: int):
    """Ids of the live use cases that use the model, or the vendor (named, or behind one of their models)."""
    depends = Q(ai_models=object_id) if kind == DependencyKind.MODEL else (
        Q(vendors=object_id) | Q(ai_models__provider=object_id))
    return (UseCase.objects.filter(depends, stage__in=LIVE_STAGES, status__in=LIVE_STATUSES)
            .values_list("pk", flat=True).distinct().order_by("pk"))


def dependency_changed(*, kind: str, object_id: int, name: str, status: str, actor, note: str = "") -> list[int]:
    """A step of ``ai_model_status_set`` / ``vendor_status_set`` (their permission checks stand): flag or
    clear the live dependents of the model or vendor. Returns the ids of the flags it raised."""
    if status in CLEARING[kind]:
        _clear(kind=kind, object_id=object_id, actor=actor)
        return []
    if status not in FLAGGING[kind]:
        return []
    return [flag.pk for pk in list(live_dependents(kind, object_id))
            if (flag := _raise(pk, kind=kind, object_id=object_id, name=name, status=status, note=note, actor=actor))]


def _touch(use_case_ids: list[int]) -> None:
    # The flags are part of the use case's API representation: delta sync and ETags see them change.
    UseCase.objects.filter(pk__in=use_case_ids).update(updated_at=timezone.now())


def _clear(*, kind: str, object_id: int, actor) -> None:
    now = timezone.now()
    flags = list(DependencyFlag.objects.filter(kind=kind, object_id=object_id, cleared_at__isnull=True))
    for flag in flags:
        flag.cleared_at = now
        flag._history_user = actor
        flag.save(update_fields=["cleared_at"])
    _touch([flag.use_case_id for flag in flags])


@transaction.atomic
def _raise(use_case_pk: int, *, kind: str, object_id: int, name: str, status: str, note: str,
           actor) -> DependencyFlag | None:
    """The use case's flag for the dependency: raised (with its re-review and email) if none is open,
    else brought up to date (deprecated -> banned) without a second re-review."""
    use_case = steps.lock(UseCase(pk=use_case_pk))
    flag = DependencyFlag.objects.select_for_update().filter(
        use_case=use_case, kind=kind, object_id=object_id, cleared_at__isnull=True).first()
    if flag is not None:
        if flag.status != status:
            flag.status, flag.name, flag._history_user = status, name, actor
            flag.save(update_fields=["status", "name"])
            _touch([use_case.pk])
        return None
    flag = DependencyFlag(use_case=use_case, kind=kind, object_id=object_id, name=name, status=status,
                          note=note[:2000])
    flag._history_user = actor
    flag.save()
    flag.reviews.set(_open_rereview(use_case, flag, actor=actor))
    _touch([use_case.pk])
    from reviews.dependency_tasks import send_dependency_notice as task  # the task module imports this one

    enqueue_on_commit(task, flag.pk)
    return flag


def _open_rereview(use_case: UseCase, flag: DependencyFlag, *, actor) -> list[Review]:
    """Open (or reopen) the flag's review functions; an approved use case goes back to in review in a new
    cycle, one already under review gets them in its current cycle."""
    functions = REREVIEW_FUNCTIONS[flag.kind]
    names = ", ".join(str(ReviewFunction(f).label) for f in functions)
    why = f"{flag.change}" + (f" ({flag.note})" if flag.note else "")
    note = f"Dependency re-review: {why}: {names}."
    if use_case.status == Status.APPROVED:
        cycle = selectors.current_cycle(use_case) + 1
        steps.move_status(use_case, to=Status.IN_REVIEW, actor=actor, kind="dependency_rereview", note=note)
        existing: dict[str, Review] = {}
    else:
        cycle = selectors.current_cycle(use_case)
        existing = {r.function: r for r in selectors.reviews_in_cycle(use_case, cycle).select_for_update()}
        steps.record_event(use_case, kind="dependency_rereview", actor=actor, before=use_case.status, note=note)
    sla = required_review_functions(use_case)
    today = timezone.localdate()
    reviews = []
    for function in functions:
        review = existing.get(function)
        if review is None:
            review = Review(use_case=use_case, function=function, stage=use_case.stage, cycle=cycle,
                            due_date=today + datetime.timedelta(days=sla.get(function, DEFAULT_SLA_DAYS)))
            review._history_user = actor
            review.save()
        elif review.status in REVIEW_APPROVED:
            _reopen(review, actor=actor, note=f"reopened: {why}")
        reviews.append(review)
    return reviews


# -- the email ------------------------------------------------------------------------------------


def _emails(users) -> set[str]:
    return {user.email for user in users if user.is_active and user.email}


def notice_recipients(use_case: UseCase) -> list[str]:
    """The delivery owner and the go/no-go A (a person, or every active member of a group)."""
    emails = _emails([use_case.delivery_owner] if use_case.delivery_owner_id else [])
    assignment = (RaciAssignment.objects.filter(use_case=use_case, activity__key=Activity.GO_NO_GO,
                                                letter=RaciLetter.ACCOUNTABLE)
                  .select_related("user", "group").first())
    if assignment is not None:
        emails |= _emails([assignment.user] if assignment.user_id else assignment.group.user_set.all())
    return sorted(emails)


@transaction.atomic
def dependency_notices_unsent() -> list[int]:
    """Open flags whose email has not gone: the daily sweep queues them again (a task lost with the broker,
    or nobody to tell until an owner was named). One query."""
    return list(DependencyFlag.objects.filter(cleared_at__isnull=True, notice__isnull=True)
                .order_by("pk").values_list("pk", flat=True))


def send_dependency_notice(*, flag_id: int) -> DependencyNotice | None:
    """System: run by a task, no user. Email the flag once; None when cleared, already sent or nobody to tell.

    A mail failure propagates (the task retries) and leaves no log row.
    """
    flag = (DependencyFlag.objects.select_for_update(of=("self",)).select_related("use_case__delivery_owner")
            .filter(pk=flag_id, cleared_at__isnull=True).first())
    if flag is None or DependencyNotice.objects.filter(flag=flag).exists():
        return None
    recipients = notice_recipients(flag.use_case)
    if not recipients:
        logger.warning("No one to tell about dependency flag %s.", flag_id)
        return None
    try:
        with transaction.atomic():
            notice = DependencyNotice.objects.create(flag=flag, recipients=recipients)
    except IntegrityError:  # another worker has sent it
        return None
    use_case = flag.use_case
    body = render_to_string("reviews/email/dependency_flagged.txt", {
        "flag": flag, "use_case": use_case, "functions": [ReviewFunction(f).label for f in
                                                          REREVIEW_FUNCTIONS[flag.kind]],
        "url": f"{settings.SITE_URL.rstrip('/')}{reverse('intake:detail', args=[use_case.reference])}"})
    subject = f"[Stagegate] {use_case.reference}: {flag.change}; re-review opened"
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    return notice
