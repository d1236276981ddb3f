"""After an incident: its owner, its post-incident review, the review's actions, and its closure.

Who may write follows the incident services (Action.MANAGE_EVIDENCE on the use case: R or A on outcome,
delivery, monitoring or incident response, and governance admins); an action's owner may also mark it done.
Every service that saves an incident asks ``settle`` first: the status moves only along
``INCIDENT_MOVES``, an incident at severity 1 or 2 closes only after its post-incident review with at least
one action (refused at ``status``), and the review gets its due date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core import roles
from core.errors import InvalidTransition
from intake import permissions
from intake.permissions import Action, Facts
from reviews.models import ActionStatus, Incident, IncidentAction, IncidentStatus, PostIncidentReview
from reviews.models.incidents import ACTION_MOVES, INCIDENT_MOVES, MAX_ACTION, MAX_TEXT, REVIEW_BEFORE_CLOSING

UNSET: Any = object()  # "not given": an owner or due date left as it is


@dataclass(frozen=True)
class Before:
    """What an incident was before a change: ``settle`` compares against it."""

    status: str | None
    severity: int | None
    occurred_at: datetime.datetime | None
    review_due: datetime.date | None


def state_of(incident: Incident) -> Before:
    return Before(incident.status, incident.severity, incident.occurred_at, incident.review_due)


def default_review_due(severity: Any, occurred_at: Any) -> datetime.date | None:
    """14 days after the (local) day it occurred at severity 1 or 2, 30 at 3 or 4 (Incident.REVIEW_WITHIN_DAYS)."""
    days = Incident.REVIEW_WITHIN_DAYS.get(severity)
    if days is None or not isinstance(occurred_at, datetime.datetime):
        return None
    return timezone.localdate(occurred_at) + datetime.timedelta(days=days)


def closure_problem(incident: Incident) -> str:
    """Why the incident may not close yet ("" when it may): severity 1 and 2 need the review and an action."""
    if incident.severity not in REVIEW_BEFORE_CLOSING:
        return ""
    review = incident.pk and PostIncidentReview.objects.filter(incident=incident).exists()
    if review and IncidentAction.objects.filter(incident=incident).exists():
        return ""
    missing = "" if review else " Record the review first."
    return (f"A severity-{incident.severity} incident closes only after its post-incident review with at least "
            f"one action.{missing}")


def settle(incident: Incident, *, before: Before | None) -> None:
    """Check the status move and the closure rule, and give the review its due date; for every incident save."""
    was = before.status if before else None
    if was != incident.status and (was, incident.status) not in INCIDENT_MOVES:
        raise InvalidTransition(f"The incident is {IncidentStatus(was).label.lower()}: it cannot move to "
                                f"{IncidentStatus(incident.status).label.lower()}.")
    closing = incident.status == IncidentStatus.CLOSED and (was != incident.status or
                                                            before.severity != incident.severity)
    if closing and (problem := closure_problem(incident)):
        raise ValidationError({"status": problem})
    # A due date still at its default follows the severity and the time it occurred; one someone set stays.
    default_before = before and default_review_due(before.severity, before.occurred_at)
    if incident.review_due is None or (before and incident.review_due == default_before):
        incident.review_due = default_review_due(incident.severity, incident.occurred_at)


def _locked(incident: Incident, actor: AbstractBaseUser) -> Incident:
    permissions.require(actor, Action.MANAGE_EVIDENCE, incident.use_case)
    return Incident.objects.select_for_update().select_related("use_case").get(pk=incident.pk)


def _save(obj, actor) -> None:
    obj._history_user = actor
    obj.save()


def _touch(incident: Incident) -> None:
    # The API's sync and ETags follow the incident's updated_at: its review and actions are part of it.
    Incident.objects.filter(pk=incident.pk).update(updated_at=timezone.now())


def _person(value: Any, name: str, errors: dict, what: str, incident: Incident) -> Any:
    if value is None or value == "":
        errors[name] = f"Name {what}."
    elif not isinstance(value, AbstractBaseUser) or not value.is_active:
        errors[name] = "Choose an active person."
    elif not permissions.can(value, Action.VIEW, incident.use_case):  # they could neither read nor act on it
        errors[name] = f"{value.get_username()} cannot see {incident.use_case.reference}: choose someone who can."
    return value


def _day(value: Any, name: str, errors: dict, what: str) -> Any:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        errors[name] = f"Enter {what} as a date."
    return value


def _text(value: Any, name: str, errors: dict, what: str, limit: int = MAX_TEXT) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > limit or "\x00" in text:
        errors[name] = f"Say {what} (1 to {limit} characters)."
    return text


def _refuse(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


# ---------------------------------------------------------------- owner, due date, closure


@transaction.atomic
def incident_assign(*, incident: Incident, actor: AbstractBaseUser, owner: Any = UNSET,
                    review_due: Any = UNSET) -> Incident:
    """Name the incident's owner and/or move its review's due date (None puts the default back)."""
    incident = _locked(incident, actor)
    errors: dict[str, str] = {}
    if owner is not UNSET:
        incident.owner = _person(owner, "owner", errors, "the person who owns the incident", incident)
    if review_due is not UNSET and review_due is not None:
        incident.review_due = _day(review_due, "review_due", errors, "the post-incident review's due date")
    _refuse(errors)
    if review_due is None:
        incident.review_due = default_review_due(incident.severity, incident.occurred_at)
    _save(incident, actor)
    return incident


@transaction.atomic
def incident_close(*, incident: Incident, actor: AbstractBaseUser) -> Incident:
    """Close the incident; at severity 1 or 2 only with its post-incident review and at least one action."""
    incident = _locked(incident, actor)
    before = state_of(incident)
    incident.status = IncidentStatus.CLOSED
    settle(incident, before=before)
    _save(incident, actor)
    return incident


# ---------------------------------------------------------------- the post-incident review


@transaction.atomic
def incident_review_record(*, incident: Incident, actor: AbstractBaseUser, cause: Any, impact: Any,
                           lessons: Any) -> PostIncidentReview:
    """Record the post-incident review (or correct it): cause, impact and lessons, each written down."""
    incident = _locked(incident, actor)
    errors: dict[str, str] = {}
    cleaned = {"cause": _text(cause, "cause", errors, "what caused the incident"),
               "impact": _text(impact, "impact", errors, "what the incident did and to whom"),
               "lessons": _text(lessons, "lessons", errors, "what was learnt")}
    _refuse(errors)
    review = PostIncidentReview.objects.filter(incident=incident).first() or PostIncidentReview(incident=incident)
    for name, value in cleaned.items():
        setattr(review, name, value)
    review.completed_by, review.completed_at = actor, timezone.now()
    _save(review, actor)
    _touch(incident)
    return review


# ---------------------------------------------------------------- actions


@transaction.atomic
def incident_action_add(*, incident: Incident, actor: AbstractBaseUser, description: Any, owner: Any,
                        due_date: Any) -> IncidentAction:
    """An action the review names: what changes, who owns it and by when (each required)."""
    incident = _locked(incident, actor)
    errors: dict[str, str] = {}
    action = IncidentAction(
        incident=incident, created_by=actor,
        description=_text(description, "description", errors, "what will change", limit=MAX_ACTION),
        owner=_person(owner, "owner", errors, "the action's owner", incident),
        due_date=_day(due_date, "due_date", errors, "the action's due date"),
    )
    _refuse(errors)
    _save(action, actor)
    _touch(incident)
    return action


def may_complete_action(user, action: IncidentAction, *, facts: Facts | None = None) -> bool:
    """Its owner, those who record the use case's evidence, and governance admins (for pages to offer it)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if action.owner_id == user.pk or roles.is_governance_admin(user):
        return True
    return permissions.can(user, Action.MANAGE_EVIDENCE, action.incident.use_case, facts=facts)


@transaction.atomic
def incident_action_complete(*, action: IncidentAction, actor: AbstractBaseUser) -> IncidentAction:
    """Mark an open action done, with who and when; done is final (InvalidTransition again)."""
    permissions.require(actor, Action.VIEW, action.incident.use_case)
    action = IncidentAction.objects.select_for_update().select_related("incident__use_case").get(pk=action.pk)
    if not may_complete_action(actor, action):
        raise PermissionDenied("Only its owner, the people who record the use case's evidence and governance "
                               "admins mark an incident action done.")
    if (action.status, ActionStatus.DONE) not in ACTION_MOVES:
        raise InvalidTransition("That action is already done.")
    action.status, action.done_at, action.done_by = ActionStatus.DONE, timezone.now(), actor
    _save(action, actor)
    _touch(action.incident)
    return action
