"""The one permission choke point for use cases. Default deny.

What a person may do follows from guardian grants derived from the RACI
(``intake.services.raci``) plus the global permissions of their org groups
(pmo, governance_admins). Lists are filtered in the database by an
``id__in`` subquery of permitted ids (user grants UNION group grants);
pages fetch per-row facts once with ``permission_facts``. Anything a user
may not see is a 404, never a 403, so a reference's existence never leaks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Expression, F, IntegerField, OuterRef, Q, QuerySet, Value
from django.http import Http404

from intake.choices import EDITABLE_STATUSES, Activity, RaciLetter
from intake.models import (
    RaciAssignment,
    UseCase,
    UseCaseEvent,
    UseCaseGroupObjectPermission,
    UseCaseUserObjectPermission,
)


class Action(StrEnum):
    VIEW = "view"
    EDIT = "edit"
    SUBMIT = "submit"
    COMMENT = "comment"
    DECIDE_REVIEW = "decide_review"
    DECIDE_GATE = "decide_gate"
    MANAGE_RACI = "manage_raci"
    OVERRIDE_TIER = "override_tier"
    SCORE_PILOT = "score_pilot"
    MANAGE_EVIDENCE = "manage_evidence"
    WITHDRAW = "withdraw"


_CODENAME = {
    Action.VIEW: "view_usecase",
    Action.EDIT: "change_usecase",
    Action.SUBMIT: "change_usecase",
    Action.COMMENT: "comment_usecase",
    Action.DECIDE_GATE: "decide_gate_usecase",
    Action.MANAGE_RACI: "manage_raci_usecase",
    Action.OVERRIDE_TIER: "override_tier_usecase",
    Action.SCORE_PILOT: "score_pilot_usecase",
    Action.MANAGE_EVIDENCE: "manage_evidence_usecase",
    Action.WITHDRAW: "manage_raci_usecase",  # the outcome's A (and governance admins)
}
# Separation of duties: these may never be taken by the use case's own people.
_SOD_ACTIONS = {Action.DECIDE_REVIEW, Action.DECIDE_GATE}
OWN_ACTIVITIES = (Activity.OUTCOME, Activity.DELIVERY)
OWN_LETTERS = (RaciLetter.RESPONSIBLE, RaciLetter.ACCOUNTABLE)
# Whoever submits may be someone other than the creator (an owner, an admin on their behalf).
SUBMIT_EVENTS = ("submitted", "resubmitted")


@dataclass(frozen=True)
class Facts:
    """What one user may do on one use case, fetched in bulk."""

    perms: frozenset[str]
    # Why separation of duties bars the user (created or submitted it, R/A on outcome or delivery).
    conflicts: tuple[str, ...] = ()

    @property
    def conflicted(self) -> bool:
        return bool(self.conflicts)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


# (model label, codename) -> permission id: permissions are reference rows made by migrate, cached per
# process as Django caches content types, and forgotten after every migrate or flush (intake.apps).
_PERMISSION_IDS: dict[tuple[str, str], int] = {}


def permission_id(model, codename: str) -> int:
    key = (model._meta.label_lower, codename)
    if key not in _PERMISSION_IDS:
        content_type = ContentType.objects.get_for_model(model)
        _PERMISSION_IDS[key] = Permission.objects.get(content_type=content_type, codename=codename).pk
    return _PERMISSION_IDS[key]


def forget_permission_ids(**_kwargs) -> None:
    _PERMISSION_IDS.clear()


def global_perms(user) -> frozenset[str]:
    """Model-level intake permissions from the user's groups (cached on the user by Django)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    return frozenset(p.split(".", 1)[1] for p in user.get_all_permissions() if p.startswith("intake."))


def is_governance_admin(user) -> bool:
    return "manage_raci_usecase" in global_perms(user)


class VisibleIds(Expression):
    """The ids ``user_id`` may see through ``permission`` (an id): own grants UNION ALL group grants.

    Written out, not built from querysets: every API list and detail of a person without global view
    filters by it, and building and resolving the equivalent UNION of querysets cost 1.4 ms of CPU per
    request (docs/benchmarks.md). Used as the right-hand side of ``__in``. The user's groups are a list
    read once per statement, not joined: a join leaves group_id unbound, and a planner may then scan
    every group grant per probe; inside a row-by-row probe PostgreSQL plans ``IN (subquery)`` as a join
    rebuilt for every row walked, so there the list is ``= ANY(ARRAY(...))``, an InitPlan built once.
    SQLite runs an uncorrelated ``IN (subquery)`` once by itself. The table aliases are ones Django never
    generates, so the statement nests inside any outer query.

    Own grants are probed row by row even for a user who holds none: a prepared statement's generic
    plan knows no user id, and a one-off "holds any?" check was planned as a scan of every user's
    grants (tests/intake/test_permission_scale.py guards this).
    """

    output_field = IntegerField()

    def __init__(self, user_id: int, permission: int, outer: F | None = None) -> None:
        super().__init__()
        self.user_id, self.permission, self.outer = user_id, permission, outer  # permission: its id

    def get_source_expressions(self):
        return [self.outer] if self.outer is not None else []

    def set_source_expressions(self, exprs):
        if exprs:
            (self.outer,) = exprs

    def as_sql(self, compiler, connection):
        quote = connection.ops.quote_name
        column, permission = quote("content_object_id"), quote("permission_id")
        # Names from the models' metadata, never from input; the ids are parameters.
        groups = (f"SELECT {quote('group_id')} FROM {quote(User.groups.through._meta.db_table)} "  # noqa: S608 # nosec B608
                  f"WHERE {quote('user_id')} = %s")
        in_groups = f"= ANY(ARRAY({groups}))" if connection.vendor == "postgresql" else f"IN ({groups})"
        parts = [(UseCaseUserObjectPermission, "visible_by_user", f"{quote('user_id')} = %s"),
                 (UseCaseGroupObjectPermission, "visible_by_group", f"{quote('group_id')} {in_groups}")]
        outer_sql, outer_params = compiler.compile(self.outer) if self.outer is not None else ("", [])
        branches, params = [], []
        for model, alias, grantee in parts:
            table, grant = quote(model._meta.db_table), [self.user_id, self.permission]
            branch = (f"SELECT {alias}.{column} FROM {table} {alias} "  # noqa: S608 # nosec B608
                      f"WHERE {alias}.{grantee} AND {alias}.{permission} = %s")
            params += grant
            if outer_sql:
                branch += f" AND {alias}.{column} = {outer_sql}"
                params += outer_params
            branches.append(branch)
        return " UNION ALL ".join(branches), params


def visible_use_case_ids(user, *, outer: str | None = None) -> QuerySet | VisibleIds:
    """The ids ``user`` may see, as the right-hand side of an ``__in``.

    Two shapes, one rule. Uncorrelated (``outer=None``), the database builds
    the set of permitted ids once: right for counts, scans and any order.
    Correlated with the outer row's use-case field ``outer``, it probes the
    grant indexes row by row: right for a first page walked in index order,
    whose cost then follows the page size, not how many use cases the user
    may see (docs/benchmarks.md, permission-filtered list). Probing every row of a count is
    slow, so paged lists count with the uncorrelated shape.
    """
    if "view_usecase" in global_perms(user):
        return UseCase.objects.filter(pk=OuterRef(outer)).values("id") if outer else UseCase.objects.values("id")
    if not user.is_authenticated or not user.is_active:
        return UseCase.objects.none().values("id")
    # UNION ALL: IN () needs no de-duplication. The permission is its id (no join to build, plan or probe).
    return VisibleIds(user.pk, permission_id(UseCase, "view_usecase"), F(outer) if outer else None)


def filter_visible(queryset: QuerySet, user, *, field: str = "id", row_by_row: bool = False) -> QuerySet:
    """Rows of ``queryset`` whose use case (its ``field``) ``user`` may see; global viewers are not filtered.

    ``row_by_row`` only for a first page read in the order of an index (see visible_use_case_ids).
    """
    if "view_usecase" in global_perms(user):
        return queryset
    visible = visible_use_case_ids(user, outer=field if row_by_row else None)
    return queryset.filter(**{f"{field}__in": visible})


def use_cases_for(user, queryset: QuerySet[UseCase] | None = None, *, row_by_row: bool = False) -> QuerySet[UseCase]:
    queryset = UseCase.objects.all() if queryset is None else queryset
    return filter_visible(queryset, user, row_by_row=row_by_row)


def use_case_for(user, reference: str, queryset: QuerySet[UseCase] | None = None) -> UseCase:
    """The use case, or 404 whether it is missing or merely not visible."""
    try:
        return use_cases_for(user, queryset, row_by_row=True).get(reference=reference)
    except UseCase.DoesNotExist:
        raise Http404("No such use case.") from None


def permission_facts(user, use_cases: Iterable[UseCase]) -> dict[int, Facts]:
    """Per-row permission facts for a page of use cases, in three queries."""
    rows = {uc.id: uc for uc in use_cases}
    granted: dict[int, set[str]] = defaultdict(set)
    ties: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if rows and user.is_authenticated:
        for model, party in ((UseCaseUserObjectPermission, {"user": user}),
                             (UseCaseGroupObjectPermission, {"group__user": user})):
            for uc_id, codename in model.objects.filter(content_object_id__in=list(rows), **party).values_list(
                "content_object_id", "permission__codename"
            ):
                granted[uc_id].add(codename)
        for uc_id, activity, reason in _ties(user, list(rows)):
            ties[uc_id].append((activity, reason))
    base = global_perms(user)
    return {uc_id: Facts(perms=base | granted[uc_id], conflicts=_conflicts(user, uc, ties[uc_id]))
            for uc_id, uc in rows.items()}


def _conflicts(user, use_case: UseCase, ties: list[tuple[str, str]]) -> tuple[str, ...]:
    """Every tie of ``user`` to ``use_case`` that bars deciding, each named once.

    The use case's own fields (creator, business owner, delivery owner) count
    whatever its RACI says: a hand-edited RACI that leaves an owner off the
    outcome or delivery rows does not make them independent.
    """
    if not getattr(user, "is_authenticated", False):
        return ()
    reasons = ["created it"] if use_case.created_by_id == user.pk else []
    for _activity, reason in ties:
        if reason not in reasons:
            reasons.append(reason)
    held = {activity for activity, _reason in ties}
    if use_case.business_owner_id == user.pk and Activity.OUTCOME not in held:
        reasons.append("are its business owner")
    if use_case.delivery_owner_id == user.pk and Activity.DELIVERY not in held:
        reasons.append("are its delivery owner")
    return tuple(reasons)


def own_people_reasons(user, use_case: UseCase) -> tuple[str, ...]:
    """Why ``user`` is one of ``use_case``'s own people (creator, submitter, owner, R or A on its outcome
    or delivery, directly or through a group), whatever the grants say; empty when independent. One query."""
    if not getattr(user, "is_authenticated", False):
        return ()
    return _conflicts(user, use_case, [(activity, reason) for _id, activity, reason in _ties(user, [use_case.pk])])


def refuse_own_people(user, action: Action, use_case: UseCase) -> None:
    """Separation of duties, structurally: PermissionDenied when ``user`` is one of the use case's own people.

    The deciding services call this under their row lock on top of ``require``: whatever a RACI row or a
    grant says (even one written around the services), the use case's own people never decide it.
    """
    reasons = own_people_reasons(user, use_case)
    if reasons:
        raise PermissionDenied(_sod_reason(action, use_case, reasons))


def _ties(user, ids: list[int]) -> list[tuple[int, str, str]]:
    """(use case id, activity, why) for each tie that bars ``user`` from deciding, in one query.

    Submitting counts whoever did it (activity ""), and R or A on outcome or
    delivery counts when held through a group too: a delivery team is no more
    independent than its members.
    """
    groups = User.groups.through.objects.filter(user_id=user.pk).values("group_id")
    raci = RaciAssignment.objects.filter(
        Q(user_id=user.pk) | Q(group_id__in=groups),
        use_case_id__in=ids, activity__key__in=OWN_ACTIVITIES, letter__in=OWN_LETTERS,
    ).order_by().values_list("use_case_id", "activity__key", "letter", "group__name")
    blank = Value("", output_field=CharField())
    submits = UseCaseEvent.objects.filter(use_case_id__in=ids, actor_id=user.pk, kind__in=SUBMIT_EVENTS).annotate(
        tie_activity=blank, tie_letter=blank, tie_group=blank,
    ).order_by().values_list("use_case_id", "tie_activity", "tie_letter", "tie_group")
    # Unordered parts (a compound query allows no ORDER BY inside), sorted here for a stable
    # message: submitted, then delivery, then outcome.
    ties = sorted(raci.union(submits, all=True), key=lambda tie: (*tie[:3], tie[3] or ""))
    return [(uc_id, activity, _tie_reason(activity, letter, group)) for uc_id, activity, letter, group in ties]


def _tie_reason(activity: str, letter: str, group: str | None) -> str:
    if not activity:
        return "submitted it"
    role = f"{RaciLetter(letter).label} for its {Activity(activity).label.lower()}"
    return f"are {role} through the {group} group" if group else f"are {role}"


def decide(user, action: Action, use_case: UseCase, *, function: str = "", facts: Facts | None = None) -> Decision:
    """Whether ``user`` may take ``action`` on ``use_case``, and if not, why."""
    facts = facts or permission_facts(user, [use_case])[use_case.id]
    codename = f"decide_{function}_review" if action == Action.DECIDE_REVIEW else _CODENAME[action]
    if codename not in facts.perms:
        return Decision(False, "You do not have permission to do that.")
    frozen = use_case.status not in EDITABLE_STATUSES
    if action in (Action.EDIT, Action.SUBMIT) and frozen and (action == Action.SUBMIT or not is_governance_admin(user)):
        status = use_case.get_status_display().lower()
        return Decision(False, f"{use_case.reference} is {status}; it can be edited only as a draft "
                               "or when changes are requested.")
    if action in _SOD_ACTIONS and facts.conflicted:
        return Decision(False, _sod_reason(action, use_case, facts.conflicts))
    return Decision(True)


def _sod_reason(action: Action, use_case: UseCase, conflicts: Iterable[str]) -> str:
    what = "reviews" if action == Action.DECIDE_REVIEW else "stage gates"
    return (f"Separation of duties: you submitted {use_case.reference} or are responsible "
            f"or accountable for its outcome or delivery, so you may not decide its {what}. "
            f"You {_and_list(conflicts)}.")


def _and_list(items: Iterable[str]) -> str:
    items = list(items)
    return " and ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


def can(user, action: Action, use_case: UseCase, *, function: str = "", facts: Facts | None = None) -> bool:
    return decide(user, action, use_case, function=function, facts=facts).allowed


def require(user, action: Action, use_case: UseCase, *, function: str = "") -> None:
    """Raise 404 when the use case is invisible, PermissionDenied (with why) when the action is not allowed."""
    facts = permission_facts(user, [use_case])[use_case.id]
    if "view_usecase" not in facts.perms:
        raise Http404("No such use case.")
    decision = decide(user, action, use_case, function=function, facts=facts)
    if not decision:
        raise PermissionDenied(decision.reason)
