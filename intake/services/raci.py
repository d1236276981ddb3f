"""RACI per use case and the guardian grants derived from it.

``grants_recompute`` is the one place that turns RACI letters, owners and
status into object permissions; every write that touches one of those calls
it inside its own transaction, so a failure leaves the old grants intact.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from intake import batch, selectors
from intake.choices import EDITABLE_STATUSES, Activity, OrgGroup, RaciLetter, ReviewFunction, Status
from intake.models import (
    RaciActivity,
    RaciAssignment,
    UseCase,
    UseCaseEvent,
    UseCaseGroupObjectPermission,
    UseCaseUserObjectPermission,
)
from intake.permissions import OWN_ACTIVITIES, OWN_LETTERS, Action, is_governance_admin, require

# Whoever is R or A on these records gate evidence (scores, risks, KPIs, incidents).
EVIDENCE_ACTIVITIES = (Activity.OUTCOME, Activity.DELIVERY, Activity.MONITORING, Activity.INCIDENT_RESPONSE)
# A row of the RACI: (activity key, letter, "user" | "group", party id).
Row = selectors.Row
R, A, INFORMED = RaciLetter.RESPONSIBLE, RaciLetter.ACCOUNTABLE, RaciLetter.INFORMED


def _group_ids(names: Iterable[str]) -> dict[str, int]:
    return dict(Group.objects.filter(name__in=list(names)).values_list("name", "id"))


def default_rows(use_case: UseCase, *, groups: Mapping[str, int] | None = None,
                 has_vendor: bool | None = None) -> set[Row]:
    """The default RACI from owners, and once tiered, from the required reviews.

    ``groups`` (group ids by name) and ``has_vendor`` save their queries when a set of use cases is
    settled at once (``raci_create_defaults``)."""
    functions = list(selectors.required_review_functions(use_case))
    if groups is None:
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
    if has_vendor is None:
        has_vendor = selectors.depends_on_vendor(use_case)
    if has_vendor and ReviewFunction.PROCUREMENT in groups:
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


_row_of = selectors.row_of


def _create_rows(use_case: UseCase, rows: Iterable[Row], source: str, actor: AbstractBaseUser | None = None) -> None:
    _create_rows_of({use_case: rows}, source, actor)


def _create_rows_of(rows_by_use_case: Mapping[UseCase, Iterable[Row]], source: str,
                    actor: AbstractBaseUser | None = None) -> None:
    # With history: a plain bulk_create would leave no audit trail of who was put on the RACI.
    # Without an actor, simple-history takes the request's user (its middleware), if any.
    activities = RaciActivity.objects.in_bulk(field_name="key")
    bulk_create_with_history(
        # By id: an import builds thousands of these, and setting a related object costs a check each.
        [RaciAssignment(use_case_id=use_case.pk, activity_id=activities[key].pk, letter=letter, source=source,
                        user_id=party if kind == "user" else None, group_id=party if kind == "group" else None)
         for use_case, rows in rows_by_use_case.items() for key, letter, kind, party in sorted(rows)],
        RaciAssignment, default_user=actor,
    )


def raci_create_defaults(*, use_cases: Sequence[UseCase], actor: AbstractBaseUser) -> None:
    """A step of ``use_case_create``, after its check: the default RACI and the grants of new use cases
    (none has a row yet), for a set of them in a few statements (intake.batch)."""
    ids = [use_case.pk for use_case in use_cases]
    through = (UseCase.vendors.through, UseCase.ai_models.through)
    with_vendor = {pk for model in through for pk in model.objects.filter(usecase_id__in=ids)
                   .values_list("usecase_id", flat=True)}
    functions = {f for use_case in use_cases for f in selectors.required_review_functions(use_case)}
    groups = _group_ids([OrgGroup.PMO, ReviewFunction.PROCUREMENT, *functions])
    rows = {use_case: default_rows(use_case, groups=groups, has_vendor=use_case.pk in with_vendor)
            for use_case in use_cases}
    _create_rows_of(rows, RaciAssignment.Source.DEFAULT, actor)
    reviewing = review_activity_functions()
    _grants_create({use_case: desired_grants(use_case, use_case_rows, review_activities=reviewing)
                    for use_case, use_case_rows in rows.items()})


@transaction.atomic
def raci_sync_defaults(*, use_case: UseCase, actor: AbstractBaseUser | None = None) -> None:
    """A step of the use-case services, after their own check: bring generated rows in line with owners
    and tier, then recompute grants.

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


class RaciRefused(ValidationError):
    """A refused RACI change: ``general`` reasons, and ``row_errors`` (index in the rows given -> reasons)
    for the rows at fault, so a page can show each reason at its row. Nothing was changed."""

    def __init__(self, general: list[str], row_errors: Mapping[int, list[str]]):
        self.general, self.row_errors = list(general), dict(row_errors)
        super().__init__([*self.general, *(f"Row {index + 1}: {message}"
                                           for index, messages in sorted(self.row_errors.items())
                                           for message in messages)])


def _usernames(user_ids: Iterable[int]) -> dict[int, str]:
    return dict(get_user_model().objects.filter(id__in=set(user_ids)).values_list("id", "username"))


def _labels(user_ids: Iterable[int], group_ids: Iterable[int]) -> dict[tuple[str, int], str]:
    users = get_user_model().objects.filter(id__in=set(user_ids)).values_list("id", "username")
    groups = Group.objects.filter(id__in=set(group_ids)).values_list("id", "name")
    return {**{("user", pk): name for pk, name in users}, **{("group", pk): f"the {name} group" for pk, name in groups}}


def _sentence(label: str) -> str:
    """A party's label at the start of a sentence: "The pmo group", a username as it is."""
    return "The" + label[3:] if label.startswith("the ") else label


def _holder_problems(use_case: UseCase, actor: AbstractBaseUser, current: set[Row],
                     rows: list[Row]) -> RaciRefused | None:
    """Who may hold the deciding letters and who may change their rows (docs/permissions.md).

    - A review function's R and A: that function's group, or a member of it named by a governance admin.
    - Go / no-go's A: a member of executive_sponsors (a person, not a group).
    - Never the use case's own people: its creator, whoever submitted it, its business and delivery
      owners, whoever is R or A on its outcome or delivery (directly or through a group).
    - After submission only governance admins change the rows of the review activities and go / no-go.

    Rows already on the RACI are not judged again (a later rule must not lock a RACI nobody may then
    save); the added ones are, and an added outcome or delivery R or A may not tie someone who decides.
    """
    deciding = selectors.deciding_activities()
    names = dict(RaciActivity.objects.values_list("key", "name"))
    added = [(index, row) for index, row in enumerate(rows) if row not in current]
    general: list[str] = []
    by_row: dict[int, list[str]] = defaultdict(list)
    if selectors.deciding_rows_locked(use_case, actor):
        for index, (key, *_rest) in added:
            if key in deciding:
                by_row[index].append(f"{use_case.reference} has been submitted: only governance admins may change "
                                     f"who is on its {names[key].lower()}.")
        removed = sorted({row[0] for row in current - set(rows) if row[0] in deciding})
        general += [f"{use_case.reference} has been submitted: only governance admins may remove anyone from its "
                    f"{names[key].lower()}." for key in removed]
    deciders = {row for row in rows if selectors.decides(deciding, row[0], row[1])}
    own = selectors.own_people(use_case, rows)
    memberships = selectors.group_ids_of(party for *_rest, kind, party in rows if kind == "user")
    function_groups = dict(Group.objects.filter(name__in=[*ReviewFunction.values, OrgGroup.EXECUTIVE_SPONSORS])
                           .values_list("name", "id"))
    sponsors = function_groups.get(OrgGroup.EXECUTIVE_SPONSORS)
    labels = _labels([row[3] for row in rows if row[2] == "user"], [row[3] for row in rows if row[2] == "group"])
    for index, row in added:
        key, letter, kind, party = row
        label, activity = labels.get((kind, party), "This party"), names[key].lower()
        if index in by_row:  # refused already: one reason per row
            continue
        if row in deciders:
            function = deciding[key]
            if function and kind == "group" and party != function_groups.get(function):
                by_row[index].append(f"Only the {function} group may be {RaciLetter(letter).label} for the {activity}"
                                     f" (or one of its members, named by a governance admin), not {label}.")
            elif function and kind == "user" and not is_governance_admin(actor):
                by_row[index].append(f"Only a governance admin may name a person {RaciLetter(letter).label} for "
                                     f"the {activity}; choose the {function} group.")
            elif function and kind == "user" and function_groups.get(function) not in memberships[party]:
                by_row[index].append(f"{label} is not in the {function} group, so may not be "
                                     f"{RaciLetter(letter).label} for the {activity}.")
            elif not function and kind == "group":
                by_row[index].append(f"The Accountable for the {activity} is a person from executive_sponsors, "
                                     f"not {label}.")
            elif not function and sponsors not in memberships[party]:
                by_row[index].append(f"{label} is not in executive_sponsors, so may not be Accountable for the "
                                     f"{activity}.")
            why = own.why(party, memberships[party]) if kind == "user" else own.groups.get(party, "")
            if why and index not in by_row:
                by_row[index].append(f"{_sentence(label)} {why}: separation of duties keeps the use case's own "
                                     "people from deciding its reviews and gates.")
        elif key in OWN_ACTIVITIES and letter in OWN_LETTERS:
            holds = sorted(names[d[0]].lower() for d in deciders if (d[2], d[3]) == (kind, party)
                           or (kind == "group" and d[2] == "user" and party in memberships[d[3]]))
            if holds:
                by_row[index].append(f"{_sentence(label)} decides on its {holds[0]}: separation of duties keeps "
                                     "those who decide off its outcome and delivery.")
    by_row = {index: reasons for index, reasons in by_row.items() if reasons}
    if general or by_row:
        return RaciRefused(general, by_row)
    return None


def _describe(rows: Iterable[Row], labels: Mapping[tuple[str, int], str], names: Mapping[str, str]) -> str:
    return "; ".join(f"{names.get(key, key)} {letter} {labels.get((kind, party), f'{kind} {party}')}"
                     for key, letter, kind, party in sorted(rows))


def _record_change(use_case: UseCase, actor: AbstractBaseUser, before: set[Row], after: set[Row]) -> None:
    """The timeline says who changed which rows of a submitted use case's RACI (history keeps every row)."""
    added, removed = after - before, before - after
    if not (added or removed) or use_case.status == Status.DRAFT:
        return
    changed = added | removed
    labels = _labels([r[3] for r in changed if r[2] == "user"], [r[3] for r in changed if r[2] == "group"])
    labels = {key: value.removeprefix("the ") for key, value in labels.items()}
    names = dict(RaciActivity.objects.values_list("key", "name"))
    parts = [f"Added: {_describe(added, labels, names)}." if added else "",
             f"Removed: {_describe(removed, labels, names)}." if removed else ""]
    UseCaseEvent.objects.create(use_case=use_case, kind="raci_changed", from_status=use_case.status,
                                to_status=use_case.status, actor=actor, note=" ".join(p for p in parts if p))


@transaction.atomic
def raci_set(*, use_case: UseCase, actor: AbstractBaseUser, rows: Iterable[Mapping[str, Any]]) -> None:
    """Replace the whole RACI by hand; refused (nothing changes) unless each activity has one A and every
    deciding role goes to a party who may hold it (``_holder_problems``).

    Raises Http404 / PermissionDenied (only the outcome's A and governance admins manage the RACI),
    ValidationError for bad rows and RaciRefused, naming the rows at fault, for parties who may not hold
    what they were given. After submission the timeline records each change.
    """
    require(actor, Action.MANAGE_RACI, use_case)
    parsed: list[Row] = [
        (row["activity"], row["letter"], "user" if row.get("user_id") else "group",
         int(row.get("user_id") or row.get("group_id") or 0))
        for row in rows
    ]
    _validate_rows(parsed)
    _check_parties_exist(parsed)
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    current = {_row_of(a) for a in use_case.raci.select_related("activity")}
    refused = _holder_problems(use_case, actor, current, parsed)
    if refused is not None:
        raise refused
    for assignment in use_case.raci.all():
        assignment._history_user = actor
        assignment.delete()
    _create_rows(use_case, parsed, RaciAssignment.Source.MANUAL, actor)
    use_case.raci_customised = True
    use_case._history_user = actor
    use_case.save(update_fields=["raci_customised", "updated_at"])
    _record_change(use_case, actor, current, set(parsed))
    grants_recompute(use_case=use_case)


# The intake answers that name people: the owners and the sponsor (the go / no-go's default A).
OWNER_FIELDS = ("business_owner", "delivery_owner", "executive_sponsor")


def owner_answer_problems(use_case: UseCase, *, before: Mapping[str, int | None]) -> dict[str, str]:
    """Why the owners and sponsor just put on ``use_case`` (unsaved) may not stand, by field; {} when fine.

    ``before`` holds each field's id before the change: a person left where they were is not judged again.
    The executive sponsor is the go / no-go's default Accountable, so must be a member of
    executive_sponsors and none of the use case's own people; an owner may not be someone who decides.
    """
    changed = {name for name in OWNER_FIELDS if getattr(use_case, f"{name}_id") != before.get(name)}
    changed = {name for name in changed if getattr(use_case, f"{name}_id")}
    if not changed:
        return {}
    if use_case.pk and use_case.raci_customised:
        rows = [_row_of(a) for a in use_case.raci.select_related("activity")]
    else:  # the defaults these answers will produce
        rows = list(default_rows(use_case)) if use_case.pk else []
    # An import judges thousands of rows naming the same few people: each read once per file (intake.batch).
    deciding = batch.remembered("deciding_activities", selectors.deciding_activities)
    names = batch.remembered("activity_names", lambda: dict(RaciActivity.objects.values_list("key", "name")))
    sponsor = use_case.executive_sponsor_id
    people = {getattr(use_case, f"{name}_id") for name in changed}
    memberships = defaultdict(set, batch.remembered_each("group_ids", people, selectors.group_ids_of))
    labels = {("user", pk): name for pk, name in batch.remembered_each("usernames", people, _usernames).items()}
    sponsors = batch.remembered("sponsors_group", lambda: Group.objects.filter(
        name=OrgGroup.EXECUTIVE_SPONSORS).values_list("id", flat=True).first())
    problems: dict[str, str] = {}
    if "executive_sponsor" in changed:
        label = labels.get(("user", sponsor), "This person")
        own = selectors.own_people(use_case, [r for r in rows if r[0] != Activity.GO_NO_GO])
        why = own.why(sponsor, memberships[sponsor])
        if sponsors not in memberships[sponsor]:
            problems["executive_sponsor"] = (f"{label} is not in executive_sponsors: the executive sponsor decides "
                                             "the stage gates and is chosen from that group.")
        elif why:
            problems["executive_sponsor"] = (f"{label} {why}: the executive sponsor decides its stage gates, and "
                                             "separation of duties keeps its own people from deciding them.")
    for name in ("business_owner", "delivery_owner"):
        person = getattr(use_case, f"{name}_id")
        if name not in changed:
            continue
        holds = sorted(names[key].lower() for key, letter, kind, party in rows
                       if kind == "user" and party == person and selectors.decides(deciding, key, letter))
        if person == sponsor:
            holds = ["stage gates, as its executive sponsor", *holds]
        if holds:
            problems[name] = (f"{labels.get(('user', person), 'This person')} decides on its {holds[0]}: "
                              "separation of duties keeps those who decide from owning it.")
    return problems


def review_activity_functions() -> dict[str, str]:
    return dict(RaciActivity.objects.exclude(review_function="").values_list("key", "review_function"))


def desired_grants(use_case: UseCase, rows: Iterable[Row], *,
                   review_activities: Mapping[str, str] | None = None) -> set[tuple[str, int, str]]:
    """(kind, party, codename) grants that follow from the RACI and status."""
    if review_activities is None:
        review_activities = review_activity_functions()
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
            grants.add((kind, party, "withdraw_usecase"))
    return grants


GRANT_TABLES = {"user": UseCaseUserObjectPermission, "group": UseCaseGroupObjectPermission}


def _permission_ids() -> dict[str, int]:
    return dict(Permission.objects.filter(content_type=ContentType.objects.get_for_model(UseCase))
                .values_list("codename", "id"))


def _grants_create(desired: Mapping[UseCase, set[tuple[str, int, str]]]) -> None:
    """The guardian rows of use cases that have none yet, in one insert per table."""
    perms = _permission_ids()
    for kind, model in GRANT_TABLES.items():
        model.objects.bulk_create(
            model(content_object_id=use_case.pk, permission_id=perms[codename], **{f"{kind}_id": party})
            for use_case, grants in desired.items()
            for k, party, codename in sorted(grants) if k == kind
        )


@transaction.atomic
def grants_recompute(*, use_case: UseCase) -> None:
    """A step of the RACI and use-case services, no user: make the guardian rows of one use case exactly
    what its RACI implies. Idempotent."""
    rows = [_row_of(a) for a in use_case.raci.select_related("activity")]
    desired = desired_grants(use_case, rows)
    perms = _permission_ids()
    for kind, model in GRANT_TABLES.items():
        existing = {
            (party, codename): pk
            for pk, party, codename in model.objects.filter(content_object=use_case)
            .values_list("id", f"{kind}_id", "permission__codename")
        }
        wanted = {(party, codename) for k, party, codename in desired if k == kind}
        model.objects.filter(id__in=[pk for key, pk in existing.items() if key not in wanted]).delete()
        model.objects.bulk_create(
            model(content_object_id=use_case.pk, permission_id=perms[codename], **{f"{kind}_id": party})
            for party, codename in sorted(wanted - set(existing))
        )
