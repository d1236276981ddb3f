"""Pilots that end: their time-box, the dates changed by hand, and the reminders of the daily sweep.

The Exploration -> Pilot gate (``gate_decide``) sets the time-box through ``pilot_schedule``: from the
decision day for the policy's ``pilot_time_box_weeks``, unless the decider gives the dates. Afterwards
``pilot_dates_set`` moves them. The sweep reminds the go / no-go Accountable and the delivery owner
``pilot_reminder_days`` before the end, once, and escalates an overrun pilot to the PMO, once; both are
logged like review reminders (``reviews.services.reminders``): the log row and the email commit together.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.errors import InvalidTransition
from intake import permissions, steps
from intake.choices import Activity, OrgGroup, RaciLetter, Stage
from intake.models import RaciAssignment, UseCase
from intake.permissions import Action
from reviews.models import GateOutcome, GovernancePolicy, PilotReminderKind, PilotReminderLog
from reviews.selectors import policy_in_force
from reviews.selectors.pilots import clock_for, is_running, pilot_dates_permission, running_pilots

logger = logging.getLogger(__name__)

TEMPLATES = {
    PilotReminderKind.ENDS_SOON: "reviews/email/pilot_ends_soon.txt",
    PilotReminderKind.OVERRUN: "reviews/email/pilot_overrun.txt",
}


def _checked(start: datetime.date | None, end: datetime.date | None) -> None:
    errors = {}
    if start is None:
        errors["pilot_start"] = "Give the day the pilot starts."
    if end is None:
        errors["pilot_end"] = "Give the day the pilot ends."
    elif start is not None and end < start:
        errors["pilot_end"] = (f"The pilot cannot end ({end:%d %b %Y}) before it starts ({start:%d %b %Y}): "
                               "give an end on or after the start.")
    if errors:
        raise ValidationError(errors)


def pilot_time_box(*, decided_on: datetime.date, policy: GovernancePolicy, start: datetime.date | None = None,
                   end: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The pilot's dates: those given, else from ``decided_on`` for the policy's time-box."""
    start = start or decided_on
    end = end or start + datetime.timedelta(weeks=policy.pilot_time_box_weeks)
    _checked(start, end)
    return start, end


def pilot_schedule(use_case: UseCase, *, to_stage: str, outcome: str, policy: GovernancePolicy,
                   start: datetime.date | None = None, end: datetime.date | None = None) -> None:
    """Step of ``gate_decide`` (which checked the permission and holds the lock): a go into Pilot sets the
    locked use case's time-box, saved with its stage. Any other move keeps the dates it has."""
    if use_case.stage != Stage.EXPLORATION or to_stage != Stage.PILOT or outcome != GateOutcome.SCALE:
        if start or end:
            raise ValidationError({"pilot_start": "Pilot dates are set by a go from Exploration to Pilot."})
        return
    use_case.pilot_start, use_case.pilot_end = pilot_time_box(
        decided_on=timezone.localdate(), policy=policy, start=start, end=end)


@transaction.atomic
def pilot_dates_set(*, use_case: UseCase, actor: AbstractBaseUser, start: datetime.date | None,
                    end: datetime.date | None) -> UseCase:
    """Move a running pilot's start and end (the PMO, governance admins, or whoever decides its gates).

    Raises Http404 for a use case the actor may not see, PermissionDenied with who may, InvalidTransition
    when it runs no pilot, and ValidationError keyed by ``pilot_start`` / ``pilot_end`` for bad dates.
    """
    permissions.require(actor, Action.VIEW, use_case)
    decision = pilot_dates_permission(actor, use_case)
    if not decision:
        raise PermissionDenied(decision.reason)
    use_case = steps.lock(use_case)
    if not is_running(use_case):
        raise InvalidTransition(f"{use_case.reference} is {use_case.get_stage_display().lower()} "
                                f"({use_case.get_status_display().lower()}): only a running pilot has dates to set.")
    _checked(start, end)
    if (start, end) == (use_case.pilot_start, use_case.pilot_end):
        return use_case
    before = f"{_day(use_case.pilot_start)} to {_day(use_case.pilot_end)}"
    use_case.pilot_start, use_case.pilot_end = start, end
    steps.save(use_case, actor)
    steps.record_event(use_case, kind="pilot_dates", actor=actor, before=use_case.status,
                       note=f"Pilot dates: {before} -> {_day(start)} to {_day(end)}.")
    return use_case


def _day(day: datetime.date | None) -> str:
    return f"{day:%d %b %Y}" if day else "none"


# -- the daily sweep -------------------------------------------------------------------------------


def pilot_reminder_kind(*, end: datetime.date, today: datetime.date, reminder_days: int) -> str | None:
    """The reminder a running pilot ending on ``end`` calls for on ``today``, before de-duplication."""
    clock = clock_for(start=None, end=end, running=True, today=today, reminder_days=reminder_days)
    if clock.overrun:
        return PilotReminderKind.OVERRUN
    return PilotReminderKind.ENDS_SOON if clock.ends_soon else None


def pilot_reminders_due(*, today: datetime.date) -> list[tuple[int, str]]:
    """(use case id, kind) of every pilot reminder due on ``today`` and not yet sent, soonest end first.

    Each is sent once per pilot end, by the first sweep on or after its day, so a missed day catches up.
    A constant number of queries: the policy, then one query with what was sent answered beside each pilot.
    """
    reminder_days = policy_in_force().pilot_reminder_days
    sent = PilotReminderLog.objects.filter(use_case=OuterRef("pk"), pilot_end=OuterRef("pilot_end"))
    rows = (running_pilots().filter(pilot_end__lte=today + datetime.timedelta(days=reminder_days))
            .annotate(sent_soon=Exists(sent.filter(kind=PilotReminderKind.ENDS_SOON)),
                      sent_overrun=Exists(sent.filter(kind=PilotReminderKind.OVERRUN)))
            .order_by("pilot_end", "pk").values_list("pk", "pilot_end", "sent_soon", "sent_overrun"))
    due = []
    for pk, end, sent_soon, sent_overrun in rows:
        kind = pilot_reminder_kind(end=end, today=today, reminder_days=reminder_days)
        already = sent_overrun if kind == PilotReminderKind.OVERRUN else sent_soon
        if kind and not already:
            due.append((pk, kind))
    return due


def _emails(users) -> list[str]:
    return [user.email for user in users if user.is_active and user.email]


def _go_no_go_accountable(use_case: UseCase) -> list[str]:
    """The go / no-go Accountable: a person, or every active member of a group."""
    assignment = (RaciAssignment.objects.filter(use_case=use_case, activity__key=Activity.GO_NO_GO,
                                                letter=RaciLetter.ACCOUNTABLE)
                  .select_related("user", "group").first())
    if assignment is None:
        return []
    if assignment.user_id:
        return _emails([assignment.user])
    return _emails(assignment.group.user_set.filter(is_active=True))


def pilot_reminder_recipients(use_case: UseCase, kind: str) -> list[str]:
    """Ends soon: the go / no-go A and the delivery owner. Overrun: the PMO."""
    if kind == PilotReminderKind.OVERRUN:
        emails = _emails(get_user_model().objects.filter(groups__name=OrgGroup.PMO, is_active=True))
    else:
        owner = use_case.delivery_owner
        emails = [*_go_no_go_accountable(use_case), *_emails([owner] if owner else [])]
    return sorted(set(emails))


def _subject(use_case: UseCase, kind: str, days_left: int) -> str:
    what = f"{use_case.reference}: pilot"
    if kind == PilotReminderKind.OVERRUN:
        late = -days_left
        return f"[Stagegate] ESCALATION {what} overrun by {late} day{'s' if late != 1 else ''}, no gate decided"
    when = "today" if days_left == 0 else f"in {days_left} day{'s' if days_left != 1 else ''}"
    return f"[Stagegate] {what} ends {when}"


def _send(use_case: UseCase, *, kind: str, for_date: datetime.date, recipients: list[str]) -> None:
    days_left = (use_case.pilot_end - for_date).days
    url = f"{settings.SITE_URL.rstrip('/')}{reverse('intake:detail', args=[use_case.reference])}"
    body = render_to_string(TEMPLATES[kind], {"use_case": use_case, "days_left": days_left,
                                              "days_overrun": -days_left, "url": url})
    send_mail(_subject(use_case, kind, days_left), body, settings.DEFAULT_FROM_EMAIL, recipients,
              fail_silently=False)


def _still_due(use_case: UseCase, *, kind: str, for_date: datetime.date) -> bool:
    # A retry that runs past midnight is dropped: that day's sweep sends what is due that day.
    if for_date < timezone.localdate() or not is_running(use_case) or use_case.pilot_end is None:
        return False
    reminder_days = policy_in_force().pilot_reminder_days
    return pilot_reminder_kind(end=use_case.pilot_end, today=for_date, reminder_days=reminder_days) == kind


@transaction.atomic
def send_pilot_reminder(*, use_case_id: int, kind: str, for_date: datetime.date) -> PilotReminderLog | None:
    """System: run by the scheduler, no user. Send one pilot reminder and log it; None when it is no longer
    due, already sent for this pilot end, or has nobody to go to. A mail failure propagates (the caller
    retries) and leaves no log row."""
    use_case = (UseCase.objects.select_for_update(of=("self",)).select_related("delivery_owner")
                .filter(pk=use_case_id).first())
    if use_case is None or not _still_due(use_case, kind=kind, for_date=for_date):
        return None
    recipients = pilot_reminder_recipients(use_case, kind)
    if not recipients:
        logger.warning("No one to send the %s pilot reminder of use case %s to.", kind, use_case_id)
        return None
    try:
        with transaction.atomic():
            log = PilotReminderLog.objects.create(use_case=use_case, kind=kind, pilot_end=use_case.pilot_end,
                                                  for_date=for_date, recipients=recipients)
    except IntegrityError:  # sent already, by an earlier sweep or another worker
        return None
    # Sent inside the transaction on purpose: if the mail fails, the log row rolls back with it.
    _send(use_case, kind=kind, for_date=for_date, recipients=recipients)
    return log
