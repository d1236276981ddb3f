"""Registration: an existing system (imported, or entered by an admin) placed at its real stage.

An AI system already in use did not come through Stagegate's gates, but it must not be shown at a stage
nobody decided. A governance admin registers it: one ``GateDecision`` with outcome ``register`` from
Exploration to Pilot, Controlled rollout or Scaled (``intake.lifecycle.STAGE_MOVES``), attesting which
criteria of the gates in between have their evidence and which do not. Each criterion listed as missing
becomes a ``RemediationItem`` with an owner and a date, shown on the use-case page and in the board pack,
until someone marks it done (``remediation_complete``). Nothing else sets a stage without a decision.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone

from core import roles
from core.errors import InvalidTransition
from intake import lifecycle, permissions, steps
from intake.choices import Stage, Status
from intake.models import ServiceAccount, UseCase
from intake.permissions import Action, Facts
from reviews import notifications
from reviews.models import (
    REMEDIATION_MOVES,
    GateDecision,
    GateOutcome,
    RemediationItem,
    RemediationStatus,
)
from reviews.models.remediation import MAX_NOTE
from reviews.selectors import REGISTER_STAGES, RegistrationCriterion, policy_in_force, registration_checks

from .gates import MAX_RATIONALE, MIN_RATIONALE, GateClosed

# A registration needs a tiered use case whose answers stand: submitted, in review or approved. A draft is
# submitted first (it is tiered and its reviews open then); one whose changes were requested is resubmitted
# first (its answers, and so its tier and reviews, are still changing); withdrawn and rejected ones are closed.
REGISTER_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.APPROVED)
# How each criterion stands in the decision: met in Stagegate's records, attested present by the admin
# without a record here, or missing (on the remediation list).
MET, ATTESTED, MISSING = "met", "attested", "missing"


@dataclass(frozen=True)
class MissingCriterion:
    """A gate criterion a registration lists as missing: who closes the gap, and by when."""

    key: str  # "<gate stage>:<criterion key>", as ``reviews.selectors.registration_criteria`` lists them
    owner: AbstractBaseUser
    due: datetime.date


def registration_closed_reason(use_case: UseCase) -> str:
    """Why this use case cannot be registered now, in words; "" when it can (for the page to say so)."""
    if reason := lifecycle.final_reason(use_case):
        return reason
    ref = use_case.reference
    if use_case.stage != Stage.EXPLORATION:
        return (f"{ref} is in {use_case.get_stage_display().lower()}: a registration places an existing system "
                "once, from exploration; its later moves are gate decisions.")
    if use_case.status in REGISTER_STATUSES:
        return ""
    if use_case.status == Status.DRAFT:
        return f"{ref} is a draft: submit it first (it is tiered then), and register it once submitted."
    if use_case.status == Status.CHANGES_REQUESTED:
        return f"Changes were requested on {ref}: resubmit it first, and register it once its answers stand."
    return f"{ref} is {use_case.get_status_display().lower()}: it cannot be registered."


def _require_registrar(actor: AbstractBaseUser, use_case: UseCase) -> None:
    """A governance admin in person; Http404 first for whoever may not see the use case."""
    permissions.require(actor, Action.VIEW, use_case)
    if ServiceAccount.objects.filter(user_id=actor.pk).exists():
        raise PermissionDenied("A service account cannot register a use case: a governance admin attests its "
                               "evidence in person.")
    if not roles.is_governance_admin(actor):
        raise PermissionDenied(f"Only a governance admin registers {use_case.reference} at its stage.")


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "j M Y")


def _person(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def _sees(user: AbstractBaseUser, use_case: UseCase) -> bool:
    return permissions.visible_use_cases(user).filter(pk=use_case.pk).exists()


def _missing_problems(use_case: UseCase, missing: Sequence[MissingCriterion],
                      checks: dict[str, RegistrationCriterion], to_stage: str) -> list[str]:
    """Every problem of the missing list, each naming its criterion; [] when it may be recorded."""
    problems: list[str] = []
    today = timezone.localdate()
    if isinstance(missing, str | bytes) or not isinstance(missing, Sequence):
        return ["Give the missing criteria as a list (or none)."]
    owners = [m.owner for m in missing if isinstance(m, MissingCriterion) and getattr(m.owner, "pk", None)]
    accounts = set(ServiceAccount.objects.filter(user_id__in=[o.pk for o in owners]).values_list("user_id", flat=True))
    seen: set[str] = set()
    stage = Stage(to_stage).label if to_stage in REGISTER_STAGES else ""
    for item in missing:
        if not isinstance(item, MissingCriterion):
            problems.append("Give each missing criterion with its key, owner and due date.")
            continue
        check = checks.get(item.key)
        if check is None:
            problems.append(f"{item.key!r} is not a criterion of the gates up to {stage}." if stage else
                            f"{item.key!r} is not a criterion of a gate this registration passes.")
            continue
        name = f"“{check.gate_label} gate: {check.label}”"
        if item.key in seen:
            problems.append(f"{name} is listed twice.")
            continue
        seen.add(item.key)
        owner = item.owner
        if getattr(owner, "pk", None) is None:
            problems.append(f"Name the person who owns {name}.")
        elif not owner.is_active:
            problems.append(f"{_person(owner)} is not active: name an active person to own {name}.")
        elif owner.pk in accounts:
            problems.append(f"{owner.get_username()} is a service account: name a person to own {name}.")
        elif not _sees(owner, use_case):
            problems.append(f"{_person(owner)} cannot see {use_case.reference}: name someone on its RACI (or add "
                            f"them to it first) to own {name}.")
        due = item.due
        if not isinstance(due, datetime.date) or isinstance(due, datetime.datetime):
            problems.append(f"Give a due date for {name}.")
        elif due < today:
            problems.append(f"The due date of {name} ({_date(due)}) is in the past: give today or a later date.")
    return problems


def _recorded(check: RegistrationCriterion, item: MissingCriterion | None) -> dict:
    """The criterion as the decision keeps it: its state, and for a missing one who closes it by when."""
    row = {"key": check.key, "gate": check.gate, "label": check.label, "link": check.link, "recorded": check.met}
    if item is not None:
        return row | {"met": False, "state": MISSING, "owner": item.owner.get_username(),
                      "due": item.due.isoformat(),
                      "detail": f"Missing at registration: {_person(item.owner)} closes it by {_date(item.due)}."}
    if check.met:
        return row | {"met": True, "state": MET, "detail": check.detail}
    records = f" Stagegate's records then: {check.detail}" if check.detail else ""
    return row | {"met": True, "state": ATTESTED, "detail": f"Attested present at registration.{records}"}


@transaction.atomic
def use_case_register(
    *, use_case: UseCase, actor: AbstractBaseUser, to_stage: str, rationale: str,
    missing: Sequence[MissingCriterion],
) -> GateDecision:
    """Place an existing system at ``to_stage`` (Pilot, Controlled rollout or Scaled) from Exploration.

    Only a governance admin, in person, and never one of the use case's own people (the gate's separation
    of duties, under the row lock). The use case must be in Exploration and submitted, in review or
    approved (``REGISTER_STATUSES``: a draft is submitted first, one whose changes were requested is
    resubmitted first) and have no gate decision yet, so a registration happens once (a pivot back to
    Exploration does not open a second one); later moves are gate decisions. ``missing`` lists
    the criteria of the gates up to ``to_stage`` (``reviews.selectors.registration_criteria``) whose
    evidence does not exist, each with an owner (an active person who sees the use case: the item is theirs
    to close) and a due date (today or later); every other criterion is recorded as attested present.
    Records one ``GateDecision`` (outcome register) with each criterion's state, moves the stage through
    ``intake.steps.move_stage``, and opens one ``RemediationItem`` per missing criterion.

    Raises Http404 / PermissionDenied (with the reason), GateClosed for a use case that cannot be
    registered now, and ValidationError at ``to_stage``, ``rationale`` and ``missing`` for bad input
    (every problem at once, nothing written).
    """
    _require_registrar(actor, use_case)
    use_case = steps.lock(use_case)
    # Under the lock, whatever any RACI row or grant says: the use case's own people never decide it. A record
    # the inventory import brought in (it has an external id) was filed by its importer, not proposed: filing
    # it does not tie them; its business and delivery owners still do.
    permissions.refuse_own_people(actor, Action.DECIDE_GATE, use_case, filing_counts=not use_case.external_id)
    if reason := registration_closed_reason(use_case):
        raise GateClosed(reason)
    if GateDecision.objects.filter(use_case=use_case).exists():
        # Back in exploration through the gates (a pivot): it was placed before, and its moves are gates now.
        raise GateClosed(f"{use_case.reference} already has stage-gate decisions: a registration places an "
                         "existing system once, and its later moves are gate decisions.")
    errors: dict[str, list[str]] = {}
    if to_stage not in REGISTER_STAGES:
        errors["to_stage"] = ["Choose the stage it is at: Pilot, Controlled rollout or Scaled."]
    rationale = (rationale or "").strip() if isinstance(rationale, str) else ""
    if not MIN_RATIONALE <= len(rationale) <= MAX_RATIONALE or "\x00" in rationale:
        errors["rationale"] = [f"Give a rationale of {MIN_RATIONALE} to {MAX_RATIONALE} characters: what you "
                               "examined, and why it is at this stage."]
    policy = policy_in_force()  # recorded with the decision: a later policy never rewrites it
    checks = {c.key: c for c in registration_checks(use_case, to_stage, policy)}
    missing = missing if missing is not None else ()
    if problems := _missing_problems(use_case, missing, checks, to_stage):
        errors["missing"] = problems
    if errors:
        raise ValidationError(errors)
    listed = {item.key: item for item in missing}
    decision = GateDecision.objects.create(
        use_case=use_case, outcome=GateOutcome.REGISTER, from_stage=use_case.stage, to_stage=to_stage,
        rationale=rationale, criteria=[_recorded(check, listed.get(key)) for key, check in checks.items()],
        decided_by=actor, policy=policy if policy.pk else None,
    )
    steps.move_stage(use_case, to=to_stage, outcome=GateOutcome.REGISTER, actor=actor,
                     note=f"Registered: {len(checks) - len(listed)} of {len(checks)} gate criteria attested, "
                          f"{len(listed)} on the remediation list.")
    for key, item in listed.items():
        check = checks[key]
        row = RemediationItem(use_case=use_case, decision=decision, criterion_key=key, gate_stage=check.gate,
                              criterion_label=check.label[:300], owner=item.owner, due_on=item.due)
        row._history_user = actor
        row.save()
    notifications.gate_decided(decision, actor=actor)
    return decision


# ---------------------------------------------------------------- the remediation list


def may_complete(user, item: RemediationItem, *, facts: Facts | None = None) -> bool:
    """Whether ``user`` may mark ``item`` done: its owner, those who record the use case's gate evidence (R or
    A on its outcome, delivery, monitoring or incident response) and governance admins. For pages to decide
    what to offer; ``remediation_complete`` asks it itself."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if item.owner_id == user.pk or roles.is_governance_admin(user):
        return True
    return permissions.can(user, Action.MANAGE_EVIDENCE, item.use_case, facts=facts)


@transaction.atomic
def remediation_complete(*, item: RemediationItem, actor: AbstractBaseUser, note: str) -> RemediationItem:
    """Mark an open remediation item done, saying what closed the gap (``note``); on the use case's timeline.

    Raises Http404 for whoever may not see the use case, PermissionDenied for anyone but its owner, the
    people who record the use case's gate evidence and governance admins, InvalidTransition for an item
    already done, and ValidationError at ``note``.
    """
    permissions.require(actor, Action.VIEW, item.use_case)
    item = RemediationItem.objects.select_for_update().select_related("use_case").get(pk=item.pk)
    use_case = item.use_case
    if not may_complete(actor, item):
        raise PermissionDenied(f"Only its owner, the people who record the gate evidence of {use_case.reference} "
                               "and governance admins mark a remediation item done.")
    if (item.status, RemediationStatus.DONE) not in REMEDIATION_MOVES:
        raise InvalidTransition(f"“{item.criterion_label}” is already done.")
    note = note.strip() if isinstance(note, str) else ""
    if not note or len(note) > MAX_NOTE or "\x00" in note:
        raise ValidationError({"note": f"Say what closed the gap, in 1 to {MAX_NOTE} characters."})
    item.status, item.done_at, item.done_by, item.note = RemediationStatus.DONE, timezone.now(), actor, note
    item._history_user = actor
    item.save()
    steps.record_event(use_case, kind="remediation_done", actor=actor, before=use_case.status,
                       note=f"{item.criterion_label}: {note}")
    return item
