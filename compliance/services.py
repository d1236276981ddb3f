"""Writes of the framework layer. Each checks its own permission and runs in one transaction."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from intake import steps
from intake.models import UseCase
from reviews.services.discussion import EVIDENCE_TYPES, checked_extension, evidence_add, original_name

from . import loading, permissions
from .choices import EvidenceKind, ObligationStatus
from .controls import control_keys
from .library import parse
from .models import CrosswalkEntry, Framework, Obligation, ObligationEvidence, Requirement
from .selectors import owner_choices, suggested_records

S = ObligationStatus
# The obligation lifecycle: from each status, where it may go.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NOT_STARTED: frozenset({S.IN_PROGRESS, S.MET, S.NOT_APPLICABLE, S.RISK_ACCEPTED}),
    S.IN_PROGRESS: frozenset({S.NOT_STARTED, S.MET, S.NOT_APPLICABLE, S.RISK_ACCEPTED}),
    S.MET: frozenset({S.IN_PROGRESS}),
    S.NOT_APPLICABLE: frozenset({S.IN_PROGRESS}),
    S.RISK_ACCEPTED: frozenset({S.IN_PROGRESS, S.MET}),
}
MIN_JUSTIFICATION = 20
MAX_TEXT = 5000
MAX_ACCEPTANCE_DAYS = 365
CHANGED_EVENT = "obligations_changed"
UNCHANGED = object()  # obligation_update: an owner not given stays as it is


def _save(obj: Any, actor: AbstractBaseUser | None) -> None:
    obj._history_user = actor
    obj.save()


# -- the library ----------------------------------------------------------------------------------


def _sync_all_registers() -> int:
    """Bring every register in step with the requirements (after a load or an edit); returns how many
    use cases' registers changed."""
    loading.sync_organisation(Requirement=Requirement, Obligation=Obligation)
    requirements = list(Requirement.objects.filter(scope="system", assessable=True, deprecated=False)
                        .select_related("framework"))
    changed = 0
    for pk in UseCase.objects.order_by("id").values_list("id", flat=True).iterator(chunk_size=500):
        # Each use case under its row lock, as its own writes sync it: the two never insert the same row.
        use_case = UseCase.objects.select_for_update(of=("self",)).get(pk=pk)
        changed += bool(loading.sync_use_case(use_case, Requirement=Requirement, Obligation=Obligation,
                                              requirements=requirements))
    return changed


@transaction.atomic
def framework_load(*, text: str | bytes, actor: AbstractBaseUser | None) -> loading.LoadReport:
    """Load or upgrade a framework from its file, whole or not at all (LibraryError lists every problem);
    ``actor`` None is the operator at the command line."""
    permissions.require_load(actor)
    library = parse(text, known_keys=control_keys(apps.get_model))
    report = loading.apply(library, Framework=Framework, Requirement=Requirement, CrosswalkEntry=CrosswalkEntry)
    if not report.unchanged:
        _sync_all_registers()
        # Titles and gates the API shows with each obligation may have changed: delta sync must hear of it.
        Obligation.objects.filter(requirement__framework__key=library.key).update(updated_at=timezone.now())
    return report


@transaction.atomic
def requirement_save(*, requirement: Requirement, actor: AbstractBaseUser) -> Requirement:
    """An admin's edit of a requirement (its dates, applicability or gate); every register follows."""
    permissions.require_load(actor)
    if actor is None:
        raise ValidationError("An edit needs a person.")
    requirement.full_clean()
    _save(requirement, actor)
    _sync_all_registers()
    Obligation.objects.filter(requirement=requirement).update(updated_at=timezone.now())
    return requirement


def obligations_sync(*, use_case: UseCase, actor: AbstractBaseUser | None, report: bool = True
                     ) -> loading.RegisterChange:
    """Re-evaluate what applies to the locked use case after a permitted write changed it, and (``report``)
    record what was added or dropped on its history. Called by that write, never from an edge."""
    change = loading.sync_use_case(use_case, Requirement=Requirement, Obligation=Obligation)
    if change and report:
        steps.record_event(use_case, kind=CHANGED_EVENT, actor=actor, before=use_case.status,
                           note=change.sentence())
    return change


def obligations_open(*, use_cases: Sequence[UseCase], actor: AbstractBaseUser) -> int:
    """The first register of new use cases (none has an obligation yet), in one insert for the set; a step
    of ``use_case_create`` (its ``use_cases_created`` signal), after its check. Returns the rows made."""
    requirements = loading.system_requirements(Requirement)
    rows = [Obligation(requirement=requirement, use_case=use_case,
                       owner_id=use_case.delivery_owner_id or use_case.business_owner_id)
            for use_case in use_cases for requirement in loading.applicable(requirements, use_case)]
    bulk_create_with_history(rows, Obligation, default_user=actor)
    return len(rows)


# -- an obligation --------------------------------------------------------------------------------


def _touch(obligation: Obligation) -> None:
    # Evidence changes the obligation as a client syncing by ``updated_since`` sees it.
    Obligation.objects.filter(pk=obligation.pk).update(updated_at=timezone.now())


def _weakness(evidence: list[ObligationEvidence], obligation: Obligation) -> str:
    """"" when some of ``evidence`` is in a state an auditor accepts (an upload not rejected; a linked record
    approved, ready, scored 3 or more, mitigated or meeting); else what is wrong with it."""
    if not evidence:
        return "Link or upload the evidence before marking it met."
    # An upload counts unless a reviewer rejected it (a use case's upload is one of its evidence files).
    uploads = [item for item in evidence if item.kind == EvidenceKind.UPLOAD]
    if any(not item.record_id or not getattr(item.record, "rejected_at", None) for item in uploads):
        return ""
    states = {(s.content_type.pk, s.record.pk): s for s in suggested_records(obligation)}
    weak = [f"{item.label} (rejected)" for item in uploads]
    for item in evidence:
        if item.kind == EvidenceKind.UPLOAD:
            continue
        suggestion = states.get((item.record_type_id, item.record_id))
        if suggestion is not None and suggestion.good:
            return ""
        weak.append(f"{item.label} ({suggestion.state if suggestion else 'no longer current'})")
    return f"The evidence is not yet in a state that shows it: {', '.join(weak)}."


def _locked(obligation: Obligation) -> Obligation:
    return Obligation.objects.select_for_update(of=("self",)).select_related(
        "use_case", "requirement__framework").get(pk=obligation.pk)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _acceptance_problem(until: Any) -> str:
    today = timezone.localdate()
    if not isinstance(until, datetime.date) or isinstance(until, datetime.datetime):
        return "Give the day the acceptance ends."
    if until <= today:
        return "Give a day after today."
    if until > today + datetime.timedelta(days=MAX_ACCEPTANCE_DAYS):
        return f"Accept a risk for at most {MAX_ACCEPTANCE_DAYS} days; accept it again when that runs out."
    return ""


def _status_problems(obligation: Obligation, status: str, justification: str, until: Any) -> dict[str, str]:
    errors: dict[str, str] = {}
    if status not in S.values:
        return {"status": f"Choose one of: {', '.join(S.values)}."}
    if status != obligation.status and status not in TRANSITIONS[obligation.status]:
        return {"status": f"An obligation that is {obligation.get_status_display().lower()} cannot become "
                          f"{S(status).label.lower()}; mark it in progress first."}
    if not obligation.applicable:
        errors["status"] = "This requirement no longer applies to the use case: its answer is kept as it was."
    if status == S.MET and (problem := _weakness(list(obligation.evidence.all()), obligation)):
        errors["evidence"] = problem
    needs_why = {S.NOT_APPLICABLE: "Say why it does not apply: auditors read this statement.",
                 S.RISK_ACCEPTED: "Say why the risk is accepted and what makes up for it."}
    if status in needs_why and not MIN_JUSTIFICATION <= len(justification) <= MAX_TEXT:
        errors["justification"] = f"{needs_why[status]} ({MIN_JUSTIFICATION} to {MAX_TEXT} characters)"
    if status == S.RISK_ACCEPTED and (problem := _acceptance_problem(until)):
        errors["accepted_until"] = problem
    return errors


@transaction.atomic
def obligation_set_status(
    *, obligation: Obligation, actor: AbstractBaseUser, status: str, justification: str = "",
    accepted_until: datetime.date | None = None,
) -> Obligation:
    """Move an obligation along ``TRANSITIONS``: met needs evidence, not applicable a justification, an
    accepted risk a justification, an expiry within a year and the gate's A."""
    permissions.require_view(actor, obligation)
    obligation = _locked(obligation)
    permissions.require_work(actor, obligation, status=status)  # under the lock, as gate decisions are
    justification = _text(justification)
    if errors := _status_problems(obligation, status, justification, accepted_until):
        raise ValidationError(errors)
    obligation.status = status
    if status in (S.NOT_APPLICABLE, S.RISK_ACCEPTED):
        obligation.justification = justification
    obligation.accepted_until = accepted_until if status == S.RISK_ACCEPTED else None
    obligation.updated_by = actor
    _save(obligation, actor)
    return obligation


@transaction.atomic
def obligation_assign(*, obligation: Obligation, actor: AbstractBaseUser, owner: AbstractBaseUser | None
                      ) -> Obligation:
    """Give the obligation an owner from the use case's RACI (anyone holding a row of it by name), or none;
    on the organisation's register, a governance admin."""
    permissions.require_work(actor, obligation)
    obligation = _locked(obligation)
    if owner is not None and owner.pk not in owner_choices(obligation):
        where = "holds a RACI role on this use case" if obligation.use_case_id else "is a governance admin"
        raise ValidationError({"owner": f"Choose someone who {where}."})
    obligation.owner = owner
    obligation.updated_by = actor
    _save(obligation, actor)
    return obligation


@transaction.atomic
def obligation_link(*, obligation: Obligation, actor: AbstractBaseUser, record_type: str, record_id: Any,
                    note: str = "") -> ObligationEvidence:
    """Link one of the records the crosswalk suggests for this obligation (``record_type`` as
    ``app_label.model``)."""
    permissions.require_work(actor, obligation)
    obligation = _locked(obligation)
    match = next((s for s in suggested_records(obligation)
                  if s.record_type == record_type and str(s.record.pk) == str(record_id)), None)
    if match is None:
        raise ValidationError({"evidence": "Link one of the records suggested for this requirement."})
    existing = obligation.evidence.filter(record_type=match.content_type, record_id=match.record.pk).first()
    if existing:
        return existing
    evidence = ObligationEvidence(obligation=obligation, kind=EvidenceKind.RECORD, record_type=match.content_type,
                                  record_id=match.record.pk, control=match.control, label=match.label,
                                  note=_text(note)[:1000], added_by=actor)
    _save(evidence, actor)
    _touch(obligation)
    return evidence


@transaction.atomic
def obligation_upload(*, obligation: Obligation, actor: AbstractBaseUser, upload: UploadedFile,
                      note: str = "") -> ObligationEvidence:
    """Upload evidence. On a use case it joins the use case's files (then linked here, so it can serve
    other requirements too); on the organisation's register it is kept with the obligation."""
    permissions.require_work(actor, obligation)
    obligation = _locked(obligation)
    if obligation.use_case_id is not None:
        item = evidence_add(use_case=obligation.use_case, actor=actor, upload=upload)
        evidence = ObligationEvidence(obligation=obligation, kind=EvidenceKind.UPLOAD, record=item,
                                      label=item.original_name, note=_text(note)[:1000], added_by=actor)
    else:
        extension = checked_extension(upload)
        evidence = ObligationEvidence(obligation=obligation, kind=EvidenceKind.UPLOAD, added_by=actor,
                                      label=original_name(upload.name, extension), note=_text(note)[:1000])
        evidence.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    _save(evidence, actor)
    _touch(obligation)
    return evidence


@transaction.atomic
def obligation_unlink(*, evidence: ObligationEvidence, actor: AbstractBaseUser) -> None:
    """Remove a piece of evidence; the last one of a met obligation stays until it is reopened."""
    permissions.require_work(actor, evidence.obligation)
    obligation = _locked(evidence.obligation)
    if obligation.status == S.MET:
        remaining = [item for item in obligation.evidence.all() if item.pk != evidence.pk]
        if _weakness(remaining, obligation):
            raise ValidationError({"evidence": "Without this the met obligation has no evidence that shows it: "
                                               "mark it in progress before removing it."})
    evidence._history_user = actor
    evidence.delete()
    _touch(obligation)


def upload_types() -> list[str]:
    return sorted(EVIDENCE_TYPES)


@transaction.atomic
def obligation_update(
    *, obligation: Obligation, actor: AbstractBaseUser, status: str | None = None, justification: str = "",
    accepted_until: datetime.date | None = None, link: list[dict[str, Any]] | tuple = (),
    owner: AbstractBaseUser | object | None = UNCHANGED,
) -> Obligation:
    """Link suggested records (``{"record_type", "record_id"}`` each), set the owner when given, then change
    the status: one change, whole or not at all (the API's PATCH)."""
    if owner is not UNCHANGED:
        obligation = obligation_assign(obligation=obligation, actor=actor, owner=owner)
    for item in link:
        obligation_link(obligation=obligation, actor=actor, record_type=str(item.get("record_type", "")),
                        record_id=item.get("record_id"))
    if status is not None:
        return obligation_set_status(obligation=obligation, actor=actor, status=status, justification=justification,
                                     accepted_until=accepted_until)
    permissions.require_work(actor, obligation)
    return obligation
