"""RACI per use case and the guardian grants derived from it.

``grants_recompute`` is the one place that turns RACI letters, owners and
status into object permissions; every write that touches one of those calls
it inside its own transaction, so a failure leaves the old grants intact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from intake import selectors
from intake.choices import EDITABLE_STATUSES, Activity, OrgGroup, RaciLetter, ReviewFunction, Status
from intake.models import (
    RaciActivity,
    RaciAssignment,
    UseCase,
    UseCaseGroupObjectPermission,
    UseCaseUserObjectPermission,
)

# Whoever is R or A on these records gate evidence (scores, risks, KPIs, incidents).
EVIDENCE_ACTIVITIES = (Activity.OUTCOME, Activity.DELIVERY, Activity.MONITORING, Activity.INCIDENT_RESPONSE)
# A row of the RACI: (activity key, letter, "user" | "group", party id).
Row = tuple[str, str, str, int]
R, A, INFORMED = RaciLetter.RESPONSIBLE, RaciLetter.ACCOUNTABLE, RaciLetter.INFORMED


def _group_ids(names: Iterable[str]) -> dict[str, int]:
    return dict(Group.objects.filter(name__in=list(names)).values_list("name", "id"))


def default_rows(use_case: UseCase) -> set[Row]:
    """The default RACI from owners, and once tiered, from the required reviews."""
    functions = list(selectors.required_review_functions(use_case))
    groups = _group_ids([OrgGroup.PMO, ReviewFunction.PROCUREMENT, *functions])
    owner = use_case.business_owner_id or use_case.created_by_id
    rows: set[Row] = {
        (Activity.OUTCOME, A, "user", owner),
        (Activity.OUTCOME, R, "user", use_case.created_by_id),
        (Activity.DELIVERY, A, "user", owner),
    }
    if use_case.delivery_owner_id:
        rows.add((Activity.DELIVERY, R, "user", use_case.delivery_owner_id))
    if OrgGroup.PMO in groups:
        rows.add((Activity.OUTCOME, INFORMED, "group", groups[OrgGroup.PMO]))
    if use_case.executive_sponsor_id:
        rows.add((Activity.GO_NO_GO, A, "user", use_case.executive_sponsor_id))
        # Only beside its A: an activity with rows but no A is one the RACI editor refuses to save.
        if OrgGroup.PMO in groups:
            rows.add((Activity.GO_NO_GO, INFORMED, "group", groups[OrgGroup.PMO]))
    if selectors.depends_on_vendor(use_case) and ReviewFunction.PROCUREMENT in groups:
        procurement = groups[ReviewFunction.PROCUREMENT]
        rows |= {(Activity.VENDOR_DUE_DILIGENCE, R, "group", procurement),
                 (Activity.VENDOR_DUE_DILIGENCE, A, "group", procurement)}
    for function in functions:
        if function in groups:
            rows |= {(function, R, "group", groups[function]), (function, A, "group", groups[function])}
    if use_case.status != Status.DRAFT and use_case.delivery_owner_id:
        for activity in (Activity.MONITORING, Activity.INCIDENT_RESPONSE):
            rows |= {(activity, A, "user", use_case.delivery_owner_id)}
    return rows


def _row_of(assignment: RaciAssignment) -> Row:
    kind, party = ("user", assignment.user_id) if assignment.user_id else ("group", assignment.group_id)
    return (assignment.activity.key, assignment.letter, kind, party)


def _create_rows(use_case: UseCase, rows: Iterable[Row], source: str, actor: AbstractBaseUser | None = None) -> None:
    # With history: a plain bulk_create would leave no audit trail of who was put on the RACI.
    # Without an actor, simple-history takes the request's user (its middleware), if any.
    activities = RaciActivity.objects.in_bulk(field_name="key")
    bulk_create_with_history(
        [RaciAssignment(use_case=use_case, activity=activities[key], letter=letter, source=source,
                        user_id=party if kind == "user" else None, group_id=party if kind == "group" else None)
         for key, letter, kind, party in sorted(rows)],
        RaciAssignment, default_user=actor,
    )


@transaction.atomic
def raci_sync_defaults(*, use_case: UseCase, actor: AbstractBaseUser | None = None) -> None:
    """Bring generated rows in line with owners and tier, then recompute grants.

    ``actor`` is recorded in the history of the rows this creates.

    A hand-edited RACI is respected: defaults then only fill activities that
    have no rows at all (a review function newly required by a tier change).
    """
    existing = {a.id: a for a in use_case.raci.select_related("activity")}
    current = {_row_of(a): a for a in existing.values()}
    desired = default_rows(use_case)
    if use_case.raci_customised:
        covered = {row[0] for row in current}
        missing = {row for row in desired if row[0] not in covered}
    else:
        # A review function once engaged stays: its open review must still be decidable
        # (and its decision auditable) after the tier goes down.
        stale = [a.id for row, a in current.items()
                 if a.source == RaciAssignment.Source.DEFAULT and row not in desired and not a.activity.review_function]
        RaciAssignment.objects.filter(id__in=stale).delete()
        manual_a = {row[0] for row, a in current.items() if a.source == RaciAssignment.Source.MANUAL and row[1] == A}
        missing = {row for row in desired - set(current) if not (row[1] == A and row[0] in manual_a)}
    _create_rows(use_case, missing, RaciAssignment.Source.DEFAULT, actor)
    grants_recompute(use_case=use_case)


def _validate_rows(rows: list[Row]) -> None:
    activities = dict(RaciActivity.objects.values_list("key", "name"))
    errors: list[str] = []
    for key, letter, kind, _party in rows:
        if key not in activities:
            errors.append(f"Unknown activity {key!r}.")
        if letter not in RaciLetter.values or kind not in ("user", "group"):
            errors.append(f"Invalid RACI entry for {activities.get(key, key)}.")
    duplicates = [row for row, n in Counter(rows).items() if n > 1]
    if duplicates:
        errors.append(f"{activities.get(duplicates[0][0])} lists the same party and letter twice.")
    accountable = Counter(key for key, letter, _, _ in rows if letter == A)
    # The outcome's A manages the RACI: without one nobody but governance admins could.
    for key in sorted({row[0] for row in rows} | {Activity.OUTCOME.value}):
        if accountable[key] != 1:
            errors.append(
                f"{activities.get(key, key)} needs exactly one Accountable (A); it has {accountable[key]}."
            )
    if errors:
        raise ValidationError(errors)


def _check_parties_exist(rows: list[Row]) -> None:
    user_ids = {party for _, _, kind, party in rows if kind == "user"}
    group_ids = {party for _, _, kind, party in rows if kind == "group"}
    found_users = set(get_user_model().objects.filter(id__in=user_ids, is_active=True).values_list("id", flat=True))
    found_groups = set(Group.objects.filter(id__in=group_ids).values_list("id", flat=True))
    if user_ids - found_users or group_ids - found_groups:
        raise ValidationError("A RACI party does not exist or is inactive.")


@transaction.atomic
def raci_set(*, use_case: UseCase, actor: AbstractBaseUser, rows: Iterable[Mapping[str, Any]]) -> None:
    """Replace the whole RACI by hand; refused (nothing changes) unless each activity has one A."""
    parsed: list[Row] = [
        (row["activity"], row["letter"], "user" if row.get("user_id") else "group",
         int(row.get("user_id") or row.get("group_id") or 0))
        for row in rows
    ]
    _validate_rows(parsed)
    _check_parties_exist(parsed)
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    for assignment in use_case.raci.all():
        assignment._history_user = actor
        assignment.delete()
    _create_rows(use_case, parsed, RaciAssignment.Source.MANUAL, actor)
    use_case.raci_customised = True
    use_case._history_user = actor
    use_case.save(update_fields=["raci_customised", "updated_at"])
    grants_recompute(use_case=use_case)


def desired_grants(use_case: UseCase, rows: Iterable[Row]) -> set[tuple[str, int, str]]:
    """(kind, party, codename) grants that follow from the RACI and status."""
    review_activities = dict(RaciActivity.objects.exclude(review_function="").values_list("key", "review_function"))
    editable = use_case.status in EDITABLE_STATUSES
    grants: set[tuple[str, int, str]] = set()
    for key, letter, kind, party in rows:
        grants.add((kind, party, "view_usecase"))
        if letter != INFORMED:
            grants.add((kind, party, "comment_usecase"))
        if key in (Activity.OUTCOME, Activity.DELIVERY) and letter in (R, A) and editable:
            grants.add((kind, party, "change_usecase"))
        if key in EVIDENCE_ACTIVITIES and letter in (R, A):
            grants.add((kind, party, "manage_evidence_usecase"))
        if key in review_activities and letter in (R, A):
            grants.add((kind, party, f"decide_{review_activities[key]}_review"))
        if key == Activity.GO_NO_GO and letter == A:
            grants.add((kind, party, "decide_gate_usecase"))
        if key == Activity.OUTCOME and letter == A:
            grants.add((kind, party, "manage_raci_usecase"))
    return grants


@transaction.atomic
def grants_recompute(*, use_case: UseCase) -> None:
    """Make the guardian rows of one use case exactly what its RACI implies. Idempotent."""
    rows = [_row_of(a) for a in use_case.raci.select_related("activity")]
    desired = desired_grants(use_case, rows)
    perms = dict(
        Permission.objects.filter(content_type=ContentType.objects.get_for_model(UseCase))
        .values_list("codename", "id")
    )
    tables = {"user": UseCaseUserObjectPermission, "group": UseCaseGroupObjectPermission}
    for kind, model in tables.items():
        existing = {
            (party, codename): pk
            for pk, party, codename in model.objects.filter(content_object=use_case)
            .values_list("id", f"{kind}_id", "permission__codename")
        }
        wanted = {(party, codename) for k, party, codename in desired if k == kind}
        model.objects.filter(id__in=[pk for key, pk in existing.items() if key not in wanted]).delete()
        model.objects.bulk_create(
            model(content_object=use_case, permission_id=perms[codename], **{f"{kind}_id": party})
            for party, codename in sorted(wanted - set(existing))
        )
