"""Accepting a risk over its escalation threshold for a while (governance model, section 7).

Only the gate's A may: whoever decides the gate (Action.DECIDE_GATE) and is none of the use case's own
people, checked again under the use case's row lock as ``gate_decide`` does. An acceptance lets the later
gates pass until ``expires_on``; from that day the risk blocks again.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from intake import permissions, steps
from intake.permissions import Action
from reviews.models import Risk, RiskAcceptance

from .gates import GateClosed, gate_closed_reason

MIN_TEXT = 10
MAX_TEXT = 5000
MAX_DAYS = 365  # an acceptance is looked at again at least once a year


def _text(value: Any, name: str, what: str, errors: dict[str, str]) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not MIN_TEXT <= len(text) <= MAX_TEXT or "\x00" in text:
        errors[name] = f"{what} ({MIN_TEXT} to {MAX_TEXT} characters)."
    return text


def _expiry_problem(expires_on: Any, today: datetime.date) -> str:
    if not isinstance(expires_on, datetime.date) or isinstance(expires_on, datetime.datetime):
        return "Give the day the acceptance ends."
    if expires_on <= today:
        return "Give a day after today: from that day the risk blocks the gates again."
    if expires_on > today + datetime.timedelta(days=MAX_DAYS):
        return f"Accept a risk for at most {MAX_DAYS} days; accept it again when that runs out."
    return ""


def _risk_problem(risk: Risk) -> str:
    if risk.needs_escalation:
        return ""
    if risk.score >= risk.escalation_threshold:
        return (f"This risk is {risk.get_mitigation_status_display().lower()}, not live: it does not block a gate, "
                "so there is nothing to accept.")
    return (f"This risk scores {risk.score}, below its escalation threshold of {risk.escalation_threshold}: "
            "it does not block a gate, so there is nothing to accept.")


@transaction.atomic
def risk_accept(
    *, risk: Risk, actor: AbstractBaseUser, rationale: str, compensating_controls: str,
    expires_on: datetime.date | None,
) -> RiskAcceptance:
    """Accept a live risk at or over its threshold until ``expires_on`` (at most a year ahead).

    Raises Http404 / PermissionDenied (with the separation-of-duties reason), GateClosed on a use case whose
    gates are closed, and ValidationError with every problem at its field.
    """
    permissions.require(actor, Action.DECIDE_GATE, risk.use_case)
    use_case = steps.lock(risk.use_case)
    permissions.refuse_own_people(actor, Action.DECIDE_GATE, use_case)
    if reason := gate_closed_reason(use_case):
        raise GateClosed(reason)
    risk = Risk.objects.select_for_update().get(pk=risk.pk)  # as it is now, not as the caller read it
    errors: dict[str, str] = {}
    rationale = _text(rationale, "rationale", "Say why the risk is accepted", errors)
    controls = _text(compensating_controls, "compensating_controls",
                     "Say which controls make up for it while it is accepted", errors)
    if problem := _expiry_problem(expires_on, timezone.localdate()):
        errors["expires_on"] = problem
    if problem := _risk_problem(risk):
        errors["risk"] = problem
    if errors:
        raise ValidationError(errors)
    acceptance = RiskAcceptance(risk=risk, rationale=rationale, compensating_controls=controls,
                                accepted_score=risk.score, expires_on=expires_on, accepted_by=actor)
    acceptance._history_user = actor
    acceptance.save()
    return acceptance
