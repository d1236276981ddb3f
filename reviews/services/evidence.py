"""Recording gate evidence: readiness scores, the rollout checklist, risks,
KPI actuals, costs and incidents. Who may record it follows the RACI
(Action.MANAGE_EVIDENCE: R or A on outcome, delivery, monitoring or incident
response, and governance admins)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from intake import permissions, steps
from intake.choices import ReviewFunction
from intake.models import KPI, UseCase
from intake.permissions import Action
from reviews import notifications
from reviews.models import (
    ChecklistEntry,
    ChecklistItem,
    CostEntry,
    Incident,
    IncidentAlert,
    KPIActual,
    ReadinessArea,
    ReadinessScore,
    Risk,
)
from reviews.models.evidence import CostCategory
from reviews.selectors.gate_reviews import checklist_derivations
from reviews.validators import SINGLE_LINE_MESSAGE, has_line_break

from . import incidents, risk_notices

logger = logging.getLogger(__name__)

MAX_NOTE = 2000
MIN_SIGNOFF = 10
RISK_FIELDS = ("area", "description", "likelihood", "impact", "owner", "controls", "mitigation_status",
               "escalation_threshold")
INCIDENT_FIELDS = ("severity", "title", "what_happened", "impact", "response", "corrective_action",
                   "rollback_done", "status", "occurred_at")


def _is_int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _text(value: Any, name: str, errors: dict, limit: int = MAX_NOTE) -> str:
    text = "" if value is None else value
    if not isinstance(text, str) or len(text) > limit or "\x00" in text:
        errors[name] = f"Write at most {limit} characters of plain text."
        return ""
    return text.strip()


def _save(obj, actor) -> None:
    obj._history_user = actor
    obj.save()


@transaction.atomic
def readiness_record(
    *, use_case: UseCase, actor: AbstractBaseUser, scores: Mapping[str, Any],
    notes: Mapping[str, Any] | None = None, explicit_reviews: Mapping[str, Any] | None = None,
) -> None:
    """Score any of the 18 areas 1-5 (with a note); a 1 may carry its explicit review."""
    permissions.require(actor, Action.MANAGE_EVIDENCE, use_case)
    notes, explicit_reviews = notes or {}, explicit_reviews or {}
    areas = ReadinessArea.objects.in_bulk(field_name="key")
    errors: dict[str, str] = {}
    for key in (set(scores) | set(notes) | set(explicit_reviews)) - set(areas):
        errors[key] = "Unknown readiness area."
    for key, value in scores.items():
        if key in areas and not _is_int_in(value, 1, 5):
            errors[key] = "Score each area with a whole number from 1 to 5."
    cleaned = {key: (_text(notes.get(key), key, errors), _text(explicit_reviews.get(key), key, errors))
               for key in scores}
    if errors:
        raise ValidationError(errors)
    # Under the use case's row lock, as every writer of its evidence (and the API's If-Match check) takes it.
    steps.lock(use_case)
    existing = {s.area_id: s for s in ReadinessScore.objects.select_for_update().filter(use_case=use_case)}
    # Who is independent is asked only when a review is written (it costs the permission queries).
    independent = any(explicit_reviews.get(key) for key in scores) and permissions.can_sign_off(actor, use_case)
    for key, value in scores.items():
        area = areas[key]
        row = existing.get(area.id) or ReadinessScore(use_case=use_case, area=area)
        note, review = cleaned[key]
        if key in explicit_reviews and review != row.explicit_review:
            _mark_review(row, actor if review else None, bool(review) and independent)
            row.explicit_review = review
        elif value != row.score:
            _mark_review(row, None, False)  # a new score needs its own review
        # A review not given is kept: changing a note never undoes someone else's sign-off.
        row.score, row.note, row.scored_by = value, note, actor
        _save(row, actor)


def _mark_review(row: ReadinessScore, actor, independent: bool) -> None:
    row.explicit_review_by, row.explicit_review_independent = actor, independent
    row.explicit_reviewed_at = timezone.now() if actor else None


@transaction.atomic
def readiness_signoff(*, use_case: UseCase, actor: AbstractBaseUser, area: str, review: str) -> ReadinessScore:
    """An independent review of an area scored 1: by a review function's member or a governance admin who is
    not one of the use case's own people (PermissionDenied with why otherwise), recorded with who and when.
    The gates from pilot on wait for one on every area scored 1."""
    permissions.require(actor, Action.SIGN_OFF, use_case)
    steps.lock(use_case)
    row = ReadinessScore.objects.select_for_update().filter(use_case=use_case, area__key=area).first()
    if row is None or row.score != 1:
        raise ValidationError({"area": "Only an area scored 1 needs an independent review."})
    text = (review or "").strip()
    if not MIN_SIGNOFF <= len(text) <= MAX_NOTE or "\x00" in text:
        raise ValidationError({"review": f"Say what you reviewed and decided ({MIN_SIGNOFF} to {MAX_NOTE} "
                                         "characters)."})
    row.explicit_review = text
    _mark_review(row, actor, True)
    _save(row, actor)
    return row


@transaction.atomic
def checklist_record(*, use_case: UseCase, actor: AbstractBaseUser, items: Mapping[str, Mapping[str, Any]]) -> None:
    """Mark checklist items ready or not; a ready item needs its evidence written down.

    An item that follows review decisions (its ``review_functions``) is never ticked: a ``ready`` other than
    what the reviews say is refused at the item; its unchanged value is accepted, with an optional note.
    """
    permissions.require(actor, Action.MANAGE_EVIDENCE, use_case)
    known = ChecklistItem.objects.in_bulk(field_name="key")
    derived = checklist_derivations(use_case, known.values())
    errors: dict[str, str] = {}
    cleaned: dict[str, tuple[bool, str]] = {}
    for key, entry in items.items():
        if key not in known:
            errors[key] = "Unknown checklist item."
            continue
        ready = entry.get("ready") if isinstance(entry, Mapping) else None
        if not isinstance(ready, bool):
            errors[key] = "Say whether the item is ready (true or false)."
            continue
        evidence = _text(entry.get("evidence"), key, errors)
        if known[key].id in derived:
            if ready != derived[known[key].id][0] and key not in errors:
                errors[key] = _derived_refusal(known[key])
        elif ready and not evidence and key not in errors:
            errors[key] = "A ready item needs its evidence: say what shows it is ready."
        cleaned[key] = (ready, evidence)
    if errors:
        raise ValidationError(errors)
    steps.lock(use_case)  # as readiness_record
    existing = {e.item_id: e for e in ChecklistEntry.objects.select_for_update().filter(use_case=use_case)}
    for key, (ready, evidence) in cleaned.items():
        item = known[key]
        entry = existing.get(item.id) or ChecklistEntry(use_case=use_case, item=item)
        entry.ready, entry.evidence, entry.updated_by = ready, evidence, actor
        _save(entry, actor)


def _derived_refusal(item: ChecklistItem) -> str:
    names = " and ".join(str(ReviewFunction(f).label).lower() for f in item.review_functions)
    whose = f"{names} reviews' decisions" if len(item.review_functions) > 1 else f"{names} review's decision"
    return f"{item.name} follows the {whose}; it cannot be ticked."


def _apply(obj, data: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    """Set the given fields and validate the row; every problem at its field.

    Single-line fields (the model's CharFields: an incident's title) refuse line breaks, whichever
    door the text came through: a title ends up in email subjects, where a line break would make
    Django refuse the whole email.
    """
    unknown = set(data) - set(fields)
    if unknown:
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})
    for name, value in data.items():
        setattr(obj, name, value)
    errors: dict[str, list] = {
        name: [SINGLE_LINE_MESSAGE] for name, value in data.items()
        if isinstance(obj._meta.get_field(name), models.CharField) and has_line_break(value)
    }
    try:
        obj.full_clean(exclude=["use_case", "reported_by", "recorded_by", *errors])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def risk_save(*, use_case: UseCase, actor: AbstractBaseUser, data: Mapping[str, Any], risk: Risk | None = None) -> Risk:
    """Add a risk to the register, or change one of its entries."""
    permissions.require(actor, Action.MANAGE_EVIDENCE, use_case)
    if risk is not None and risk.use_case_id != use_case.pk:
        raise ValidationError("That risk belongs to another use case.")
    risk = Risk.objects.select_for_update().get(pk=risk.pk) if risk else Risk(use_case=use_case)
    was_over = risk.pk is not None and risk.needs_escalation
    _apply(risk, data, RISK_FIELDS)
    _save(risk, actor)
    if risk.needs_escalation and not was_over:  # each crossing tells its owner and the go/no-go A once
        risk_notices.threshold_crossed(risk)
    return risk


def _decimal(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({name: "Enter a number."}) from None
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise ValidationError({name: "Enter a number below a trillion."})
    return number


@transaction.atomic
def kpi_actual_record(
    *, kpi: KPI, actor: AbstractBaseUser, measured_on: datetime.date, value: Any, note: str = ""
) -> KPIActual:
    """A dated measurement of a KPI; measuring the same day again corrects it."""
    permissions.require(actor, Action.MANAGE_EVIDENCE, kpi.use_case)
    errors: dict[str, str] = {}
    note = _text(note, "note", errors, limit=500)
    if not isinstance(measured_on, datetime.date):
        errors["measured_on"] = "Enter the date of the measurement."
    if errors:
        raise ValidationError(errors)
    number = _decimal(value, "value")
    actual, _ = KPIActual.objects.select_for_update().get_or_create(
        kpi=kpi, measured_on=measured_on, defaults={"value": number, "recorded_by": actor}
    )
    actual.value, actual.note, actual.recorded_by = number, note, actor
    _save(actual, actor)
    return actual


@transaction.atomic
def cost_record(
    *, use_case: UseCase, actor: AbstractBaseUser, period: datetime.date, budget: Any, actual: Any, note: str = "",
    category: str = CostCategory.PLATFORMS,
) -> CostEntry:
    """Budget and actual spend of one budget category for the month containing ``period``.

    Without a category the figures are the platform bill, as entries recorded before costs had categories.
    """
    permissions.require(actor, Action.MANAGE_EVIDENCE, use_case)
    errors: dict[str, str] = {}
    note = _text(note, "note", errors, limit=500)
    if not isinstance(period, datetime.date):
        errors["period"] = "Enter a date in the month the figures are for."
    if category not in CostCategory.values:
        errors["category"] = f"Choose a budget category: {', '.join(CostCategory.values)}."
    if errors:
        raise ValidationError(errors)
    budget_value, actual_value = _decimal(budget, "budget"), _decimal(actual, "actual")
    if budget_value < 0 or actual_value < 0:
        raise ValidationError("Budget and actual spend cannot be negative.")
    month = period.replace(day=1)
    entry, _ = CostEntry.objects.select_for_update().get_or_create(
        use_case=use_case, period_start=month, category=category,
        defaults={"budget": budget_value, "actual": actual_value, "recorded_by": actor},
    )
    entry.budget, entry.actual, entry.note, entry.recorded_by = budget_value, actual_value, note, actor
    _save(entry, actor)
    return entry


@transaction.atomic
def incident_report(*, use_case: UseCase, actor: AbstractBaseUser, data: Mapping[str, Any]) -> Incident:
    """Record an incident; severity 1 notifies the go/no-go A and governance admins at once."""
    permissions.require(actor, Action.MANAGE_EVIDENCE, use_case)
    incident = Incident(use_case=use_case, reported_by=actor)
    _apply(incident, data, INCIDENT_FIELDS)
    incidents.settle(incident, before=None)  # the status table, the closure rule, the review's due date
    _save(incident, actor)
    if incident.severity == 1:
        notifications.incident_severity_one(incident, actor=actor)
    return incident


@transaction.atomic
def incident_update(*, incident: Incident, actor: AbstractBaseUser, data: Mapping[str, Any]) -> Incident:
    permissions.require(actor, Action.MANAGE_EVIDENCE, incident.use_case)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    was_severity_one, before = incident.severity == 1, incidents.state_of(incident)
    _apply(incident, data, INCIDENT_FIELDS)
    incidents.settle(incident, before=before)
    _save(incident, actor)
    if incident.severity == 1 and not was_severity_one:
        notifications.incident_severity_one(incident, actor=actor)
    return incident


def send_incident_alert(*, incident_id: int, history_id: int | None) -> IncidentAlert | None:
    """System: run by a task, no user. Send the severity-1 alert raised by the incident's history row
    ``history_id``, and log it.

    None when the incident is gone, the alert was already sent (a retry, a task run twice), or there
    is nobody to send it to. A mail failure propagates (the task retries) and leaves no log row.
    """
    with transaction.atomic():
        incident = (Incident.objects.select_for_update().select_related("use_case", "reported_by")
                    .filter(pk=incident_id).first())
        if incident is None:
            return None
        subject, body, recipients = notifications.incident_alert_message(incident)
        if not recipients:
            logger.warning("No one to send the severity-1 alert of incident %s to.", incident_id)
            return None
        try:
            with transaction.atomic():
                alert = IncidentAlert.objects.create(incident=incident, history_id=history_id or 0,
                                                     recipients=recipients)
        except IntegrityError:  # already sent
            return None
        # Sent inside the transaction on purpose: if the mail fails, the log row rolls back with it.
        notifications.send_incident_alert_email(subject, body, recipients)
        return alert
