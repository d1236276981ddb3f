"""Reads for the intake app: querysets with what their pages need."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from intake.choices import Activity, OrgGroup, RaciLetter, ReviewFunction, Status
from intake.models import (
    KPI,
    EuAiActObligation,
    HardFloor,
    RaciActivity,
    RaciAssignment,
    RiskDimension,
    RiskMatrixVersion,
    TierRequirement,
    TierThreshold,
    UseCase,
    UseCaseEvent,
)
from intake.permissions import OWN_ACTIVITIES, OWN_LETTERS, SUBMIT_EVENTS, is_governance_admin
from vendors.models import AIModel
from vendors.rules import model_fit_problems, vendor_is_approved


def matrix_snapshot_live() -> dict:
    """The live (editable) matrix as a plain dict, the shape versions store."""
    dimensions = RiskDimension.objects.prefetch_related("options").order_by("order", "key")
    floors = HardFloor.objects.filter(active=True).prefetch_related("conditions").order_by("name")
    return {
        "dimensions": [
            {
                "key": d.key,
                "name": d.name,
                "options": sorted(
                    ({"field": o.answer_field, "value": o.answer_value, "points": o.points} for o in d.options.all()),
                    key=lambda o: (o["field"], o["value"]),
                ),
            }
            for d in dimensions
        ],
        "thresholds": [
            {"tier": t.tier, "min_score": t.min_score} for t in TierThreshold.objects.order_by("min_score")
        ],
        "floors": [
            {
                "name": f.name,
                "minimum_tier": f.minimum_tier,
                "conditions": sorted(
                    (
                        {"field": c.answer_field, "operator": c.operator, "value": c.value}
                        for c in f.conditions.all()
                    ),
                    key=lambda c: (c["field"], c["operator"], c["value"]),
                ),
            }
            for f in floors
        ],
    }


def matrix_current_version() -> RiskMatrixVersion | None:
    return RiskMatrixVersion.objects.order_by("-number").first()


def use_case_list(*, queryset: QuerySet[UseCase]) -> QuerySet[UseCase]:
    """Rows for list pages: one query, no per-row lookups."""
    return queryset.select_related("business_unit").order_by("-updated_at", "-id")


def use_case_detail(*, queryset: QuerySet[UseCase]) -> QuerySet[UseCase]:
    return queryset.select_related(
        "business_unit",
        "strategic_outcome",
        "portfolio_bucket",
        "business_owner",
        "delivery_owner",
        "executive_sponsor",
        "matrix_version",
        "tier_override_by",
        "created_by",
        "pilot_selection",
        "pilot_selection__scored_by",
    ).prefetch_related(
        Prefetch("kpis", queryset=KPI.objects.order_by("id")),
        "vendors",
        Prefetch("ai_models", queryset=AIModel.objects.select_related("provider")),
        Prefetch("events", queryset=UseCaseEvent.objects.select_related("actor").order_by("created_at", "id")),
    )


def use_case_with_related_ids(use_case: UseCase) -> UseCase:
    """The use case with ``vendor_ids`` and ``ai_model_ids``, each in its model's Meta order (vendors by
    name, models by provider, name and version): what the API's detail renders, without loading the rows."""
    use_case.vendor_ids = list(use_case.vendors.values_list("id", flat=True))
    use_case.ai_model_ids = list(use_case.ai_models.values_list("id", flat=True))
    return use_case


def eu_ai_act_obligations(category: str | None) -> QuerySet[EuAiActObligation]:
    return EuAiActObligation.objects.filter(category=category or "").order_by("applies_from")


# A flagged model needs these reviews whatever the tier (governance model, section 8).
FLAGGED_MODEL_FUNCTIONS = (ReviewFunction.ARCHITECTURE, ReviewFunction.SECURITY)
DEFAULT_SLA_DAYS = 10


def required_review_functions(use_case: UseCase) -> dict[str, int]:
    """Review functions the use case's tier requires, with each one's SLA in days."""
    if use_case.risk_tier not in ("low", "medium", "high"):
        return {}
    requirements = list(TierRequirement.objects.filter(tier=use_case.risk_tier))
    has_vendor = depends_on_vendor(use_case)
    required = {r.function: r.sla_days for r in requirements if has_vendor or not r.only_with_vendor}
    if model_flags(use_case):
        sla = max((r.sla_days for r in requirements), default=DEFAULT_SLA_DAYS)
        for function in FLAGGED_MODEL_FUNCTIONS:
            required.setdefault(function.value, sla)
    return required


def depends_on_vendor(use_case: UseCase) -> bool:
    """A named vendor, or a model from the registry (every model has a vendor)."""
    return use_case.vendors.exists() or use_case.ai_models.exists()


def model_flags(use_case: UseCase) -> list[str]:
    """Why the models it names do not fit its data classification and tier (once tiered)."""
    if not use_case.risk_tier:
        return []
    problems: list[str] = []
    for model in use_case.ai_models.all():
        problems += model_fit_problems(model, data_classification=use_case.data_classification,
                                       tier=use_case.risk_tier)
    return problems


def vendors_not_approved(use_case: UseCase, today: datetime.date | None = None) -> list[str]:
    """Vendors it depends on (named, or behind its models) that may not be used today."""
    today = today or timezone.localdate()
    vendors = {v.id: v for v in use_case.vendors.all()}
    vendors.update({m.provider_id: m.provider for m in use_case.ai_models.all()})
    return sorted(
        f"{vendor.name} ({vendor.effective_status_label(today).lower()})"
        for vendor in vendors.values() if not vendor_is_approved(vendor, today)
    )


def raci_for(use_case: UseCase) -> QuerySet[RaciAssignment]:
    return use_case.raci.select_related("activity", "user", "group").order_by("activity__order", "letter", "id")


def _party_label(assignment: RaciAssignment) -> str:
    if assignment.user_id:
        user = assignment.user
        name = user.get_full_name()
        return f"{name} ({user.username})" if name else user.username
    return f"{assignment.group.name} (group)"


def raci_grid(use_case: UseCase) -> dict:
    """Activities by parties: {"parties": [...], "rows": [(activity, [letters per party])]}."""
    assignments = list(raci_for(use_case))
    parties: dict[tuple[str, int], str] = {}
    for a in assignments:
        key = ("user", a.user_id) if a.user_id else ("group", a.group_id)
        parties.setdefault(key, _party_label(a))
    party_keys = list(parties)
    cells: dict[tuple[int, tuple[str, int]], list[str]] = {}
    activities = {}
    for a in assignments:
        key = ("user", a.user_id) if a.user_id else ("group", a.group_id)
        activities[a.activity_id] = a.activity
        cells.setdefault((a.activity_id, key), []).append(a.letter)
    rows = [
        (activity, ["".join(sorted(cells.get((activity.id, p), []), key="RACI".index)) for p in party_keys])
        for activity in sorted(activities.values(), key=lambda x: (x.order, x.key))
    ]
    return {"parties": [parties[p] for p in party_keys], "rows": rows}


# ---------------------------------------------------------------- who may hold a deciding role

# A row of the RACI: (activity key, letter, "user" | "group", party id).
Row = tuple[str, str, str, int]


def row_of(assignment: RaciAssignment) -> Row:
    kind, party = ("user", assignment.user_id) if assignment.user_id else ("group", assignment.group_id)
    return (assignment.activity.key, assignment.letter, kind, party)


def deciding_activities() -> dict[str, str]:
    """The activities whose rows decide: each review function's (key -> function) and go / no-go (-> "")."""
    return dict(RaciActivity.objects.filter(Q(review_function__gt="") | Q(key=Activity.GO_NO_GO))
                .values_list("key", "review_function"))


def decides(deciding: dict[str, str], activity: str, letter: str) -> bool:
    """R or A on a review activity decides that review; A on go / no-go decides the stage gates."""
    if activity not in deciding:
        return False
    if deciding[activity]:
        return letter in (RaciLetter.RESPONSIBLE, RaciLetter.ACCOUNTABLE)
    return letter == RaciLetter.ACCOUNTABLE


def deciding_rows_locked(use_case: UseCase, actor) -> bool:
    """Whether ``actor`` may no longer change the rows of the deciding activities: after submission,
    only governance admins may."""
    return use_case.status != Status.DRAFT and not is_governance_admin(actor)


@dataclass(frozen=True)
class OwnPeople:
    """A use case's own people, who never decide its reviews or gates (separation of duties).

    ``users``: its creator, whoever submitted it, its business and delivery owners and whoever is R or A
    on its outcome or delivery, each with why. ``groups``: the groups R or A on its outcome or delivery,
    whose members are its own people too.
    """

    users: dict[int, list[str]] = field(default_factory=dict)
    groups: dict[int, str] = field(default_factory=dict)

    def why(self, user_id: int, group_ids: Iterable[int] = ()) -> str:
        """Why the user is one of its own people ("" when not), in words for a refusal."""
        reasons = list(self.users.get(user_id, ()))
        reasons += [self.groups[g] for g in group_ids if g in self.groups]
        return " and ".join(dict.fromkeys(reasons))


def own_people(use_case: UseCase, rows: Iterable[Row] | None = None) -> OwnPeople:
    """The use case's own people, from its fields, its submissions and ``rows`` (its RACI if not given)."""
    users: dict[int, list[str]] = defaultdict(list)
    groups: dict[int, str] = {}

    def add(user_id: int | None, why: str) -> None:
        if user_id and why not in users[user_id]:
            users[user_id].append(why)

    add(use_case.created_by_id, "created it")
    if use_case.pk:
        for actor_id in (UseCaseEvent.objects.filter(use_case=use_case, kind__in=SUBMIT_EVENTS, actor__isnull=False)
                         .values_list("actor_id", flat=True)):
            add(actor_id, "submitted it")
    add(use_case.business_owner_id, "is its business owner")
    add(use_case.delivery_owner_id, "is its delivery owner")
    if rows is None:
        rows = [row_of(a) for a in use_case.raci.select_related("activity")] if use_case.pk else []
    for activity, letter, kind, party in sorted(rows):
        if activity in OWN_ACTIVITIES and letter in OWN_LETTERS:
            why = f"is {RaciLetter(letter).label} for its {Activity(activity).label.lower()}"
            if kind == "user":
                add(party, why)
            else:
                groups.setdefault(party, f"{why} through a group")
    return OwnPeople(users=dict(users), groups=groups)


def group_ids_of(user_ids: Iterable[int]) -> dict[int, set[int]]:
    """Each user's group ids, in one query."""
    memberships: dict[int, set[int]] = defaultdict(set)
    through = get_user_model().groups.through
    for user_id, group_id in through.objects.filter(user_id__in=set(user_ids)).values_list("user_id", "group_id"):
        memberships[user_id].add(group_id)
    return memberships


def eligible_sponsors(use_case: UseCase | None = None, *, creator=None) -> QuerySet:
    """Who may be a use case's executive sponsor (and so the A on its go / no-go): active members of
    executive_sponsors who are not its own people. For a new use case, ``creator`` is its own people."""
    people = get_user_model().objects.filter(is_active=True, groups__name=OrgGroup.EXECUTIVE_SPONSORS)
    if use_case is not None and (use_case.pk or use_case.created_by_id):
        own = own_people(use_case)
        people = people.exclude(pk__in=list(own.users))
        if own.groups:
            people = people.exclude(groups__in=list(own.groups))
    elif creator is not None:
        people = people.exclude(pk=creator.pk)
    return people.order_by("first_name", "last_name", "username")


@dataclass(frozen=True)
class RaciChoices:
    """What the RACI editor offers ``actor`` (``raci_choices``).

    ``deciders``: for each deciding activity, the people and groups who may hold its deciding letters
    (R or A on a review, A on go / no-go). ``locked``: the activities whose rows ``actor`` may not change
    now. The service (``intake.services.raci_set``) enforces the same rules; this only chooses what to offer.
    """

    activities: list[tuple[str, str]]
    locked: frozenset[str]
    people: list
    groups: list
    deciders: dict[str, tuple[list, list]]
    deciding: dict[str, str]


def raci_choices(use_case: UseCase, *, actor, assignments: Iterable[RaciAssignment]) -> RaciChoices:
    """The RACI editor's choices, in a constant number of queries whatever the size of the RACI.

    A review function's R and A: its group, or (offered to governance admins only) one of its members;
    go / no-go's A: a member of executive_sponsors. Never the use case's own people.
    """
    activities = list(RaciActivity.objects.order_by("order", "key"))
    deciding = {a.key: a.review_function for a in activities if a.review_function or a.key == Activity.GO_NO_GO}
    people = list(get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username"))
    groups = list(Group.objects.order_by("name"))
    by_name = {g.name: g for g in groups}
    own = own_people(use_case, [row_of(a) for a in assignments])
    sponsors = by_name.get(OrgGroup.EXECUTIVE_SPONSORS)
    # Only the memberships that matter here: the review groups, executive_sponsors and the groups that are
    # its own people.
    relevant = {by_name[f].pk for f in deciding.values() if f in by_name} | set(own.groups)
    relevant |= {sponsors.pk} if sponsors else set()
    memberships: dict[int, set[int]] = defaultdict(set)
    through = get_user_model().groups.through
    for user_id, group_id in through.objects.filter(group_id__in=relevant).values_list("user_id", "group_id"):
        memberships[user_id].add(group_id)
    admin = is_governance_admin(actor)

    def independent(person) -> bool:
        return not own.why(person.pk, memberships[person.pk])

    deciders: dict[str, tuple[list, list]] = {}
    for key, function in deciding.items():
        if function:
            group = by_name.get(function)
            users = [p for p in people if admin and group and group.pk in memberships[p.pk] and independent(p)]
            deciders[key] = (users, [group] if group and group.pk not in own.groups else [])
        else:
            users = [p for p in people if sponsors and sponsors.pk in memberships[p.pk] and independent(p)]
            deciders[key] = (users, [])
    return RaciChoices(
        activities=[(a.key, a.name) for a in activities],
        locked=frozenset(deciding) if deciding_rows_locked(use_case, actor) else frozenset(),
        people=people, groups=groups, deciders=deciders, deciding=deciding,
    )
