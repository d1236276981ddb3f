"""Typed artefacts: the type and metrics an upload carries, and a reviewer's rejection of one.

``clean_artefact`` checks what ``evidence_add`` is given beside the file (every problem at its field, so one
refusal says everything); ``evidence_reject`` is the reviewer's write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidTransition
from intake import permissions, steps
from intake.permissions import Action
from reviews.models import ArtefactType, EvaluationMetric, Evidence

from .gates import GateClosed, gate_closed_reason

MAX_METRICS = 50
MAX_REASON = 2000
MIN_REASON = 10
# EvaluationMetric's DecimalField(max_digits=14, decimal_places=4).
PLACES = 4
LIMIT = Decimal(10) ** (14 - PLACES)


def _artefact_type(value: ArtefactType | str | None, errors: dict[str, str]) -> ArtefactType | None:
    if isinstance(value, ArtefactType) or value in (None, ""):
        return value or None
    valid = isinstance(value, str) and len(value) <= 40 and "\x00" not in value  # PostgreSQL refuses NUL
    found = ArtefactType.objects.filter(key=value).first() if valid else None
    if found is None:
        errors["artefact_type"] = "Unknown artefact type: pick one of the types listed."
    return found


def _number(value: Any) -> Decimal | None:
    """A finite decimal of at most 4 places and 10 integer digits, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) >= LIMIT or -number.as_tuple().exponent > PLACES:
        return None
    return number


def _metric(row: Any, at: int, seen: set[str]) -> tuple[dict | None, str]:
    """One metric, or the reason it is refused ("Metric 2: ...")."""
    if not isinstance(row, Mapping):
        return None, f"Metric {at}: give its name, threshold and result."
    name = row.get("name")
    name = name.strip() if isinstance(name, str) else ""
    problems = []
    if not name or len(name) > 120 or "\x00" in name:
        problems.append("name it in 1 to 120 characters")
    elif name.lower() in seen:
        problems.append(f"{name} is named twice")
    threshold, result = _number(row.get("threshold")), _number(row.get("result"))
    for label, value in (("threshold", threshold), ("result", result)):
        if value is None:
            problems.append(f"give the {label} as a number (at most {PLACES} decimal places)")
    better = row.get("higher_is_better", True)
    if not isinstance(better, bool):
        problems.append("say whether higher is better (true or false)")
    if problems:
        return None, f"Metric {at}: {'; '.join(problems)}."
    seen.add(name.lower())
    return {"name": name, "threshold": threshold, "result": result, "higher_is_better": better}, ""


def _metrics(artefact_type: ArtefactType | None, metrics: Sequence[Any] | None, errors: dict[str, str]) -> list:
    given = bool(metrics) if isinstance(metrics, list | tuple) else metrics is not None
    if artefact_type is None or not artefact_type.has_metrics:
        if given:
            what = artefact_type.name if artefact_type else "A file without an artefact type"
            errors["metrics"] = f"{what} carries no metrics: leave them out, or pick the evaluation report."
        return []
    if not given:
        errors["metrics"] = (f"{artefact_type.name}: give each metric's name, acceptance threshold and result, "
                             "so the gate can judge it.")
        return []
    if not isinstance(metrics, list | tuple) or len(metrics) > MAX_METRICS:
        errors["metrics"] = f"Give a list of 1 to {MAX_METRICS} metrics."
        return []
    seen: set[str] = set()
    cleaned, problems = [], []
    for at, row in enumerate(metrics, 1):
        metric, problem = _metric(row, at, seen)
        cleaned.append(metric)
        if problem:
            problems.append(problem)
    if problems:
        errors["metrics"] = " ".join(problems)
    return cleaned


def clean_artefact(artefact_type: ArtefactType | str | None, metrics: Sequence[Any] | None,
                   errors: dict[str, str]) -> tuple[ArtefactType | None, list[dict]]:
    """The artefact type (by key or row) and the metrics an upload carries; problems go into ``errors``."""
    found = _artefact_type(artefact_type, errors)
    if "artefact_type" in errors:
        return None, []
    return found, _metrics(found, metrics, errors)


def save_metrics(evidence: Evidence, metrics: list[dict], actor: AbstractBaseUser) -> None:
    for values in metrics:
        metric = EvaluationMetric(evidence=evidence, **values)
        metric._history_user = actor
        metric.save()


@transaction.atomic
def evidence_reject(*, evidence: Evidence, actor: AbstractBaseUser, reason: str) -> Evidence:
    """A reviewer rejects an uploaded artefact, saying why: it no longer meets its requirement at any gate.
    Who decides one of the use case's reviews, or a governance admin, never its own people
    (Action.REJECT_ARTEFACT), checked again under the use case's row lock as ``risk_accept`` does. Rejecting
    twice is refused; a new upload is the answer to a rejection.

    Raises Http404 / PermissionDenied (with the separation-of-duties reason), GateClosed on a use case whose
    gates are closed (nothing is left to judge there), InvalidTransition and ValidationError at ``reason``.
    """
    permissions.require(actor, Action.REJECT_ARTEFACT, evidence.use_case)
    use_case = steps.lock(evidence.use_case)
    # Again under the lock: a RACI row written since (or around the services) must not let its own people in.
    permissions.refuse_own_people(actor, Action.REJECT_ARTEFACT, use_case)
    if reason_closed := gate_closed_reason(use_case):
        raise GateClosed(reason_closed)
    locked = Evidence.objects.select_for_update(of=("self",)).select_related("artefact_type").get(pk=evidence.pk)
    if locked.artefact_type_id is None:
        raise InvalidTransition(f"{locked.original_name} is not an artefact (it has no type), so there is "
                                "nothing to reject.")
    if locked.rejected_at is not None:
        raise InvalidTransition(f"{locked.original_name} was already rejected on "
                                f"{timezone.localtime(locked.rejected_at):%d %b %Y}: {locked.rejection_reason}")
    reason = reason.strip() if isinstance(reason, str) else ""
    if len(reason) < MIN_REASON or len(reason) > MAX_REASON or "\x00" in reason:
        raise ValidationError({"reason": f"Say why it is rejected, in {MIN_REASON} to {MAX_REASON} characters, "
                                         "so the team knows what to fix."})
    locked.rejected_by, locked.rejected_at, locked.rejection_reason = actor, timezone.now(), reason
    locked._history_user = actor
    locked.save(update_fields=["rejected_by", "rejected_at", "rejection_reason", "updated_at"])
    return locked

