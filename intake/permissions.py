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

from core import roles
from intake.choices import EDITABLE_STATUSES, Activity, RaciLetter, ReviewFunction
from intake.models import (
    BusinessUnit,
    RaciAssignment,
    UseCase,
    UseCaseEvent,
    UseCaseGroupObjectPermission,
    UseCaseUserObjectPermission,
)


class Action(StrEnum):
    CREATE = "create"  # on a business unit: its members start use cases there
    PUBLISH_MATRIX = "publish_matrix"  # no object: governance admins maintain the risk-tier matrix
    PUBLISH_POLICY = "publish_policy"  # no object: governance admins publish the governance policy
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
    SIGN_OFF = "sign_off"  # an area scored 1: someone independent of the use case reviews it
    REQUEST_GATE_REVIEW = "request_gate_review"  # open the re-review cycle a gate waits for
    REJECT_ARTEFACT = "reject_artefact"  # an uploaded artefact: one who decides a review of it, never its own people


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
    Action.WITHDRAW: "withdraw_usecase",  # the outcome's A (and governance admins)
}
# Governance admins change the answers of a submitted use case (everyone else only a draft or one whose
# changes were requested).
EDIT_FROZEN = "edit_frozen_usecase"
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


NOT_ALLOWED = "You do not have permission to do that."
# Refusals that say who may, where a person could not guess it.
_WHO_MAY = {
    Action.MANAGE_EVIDENCE: f"{NOT_ALLOWED} Gate evidence of {{ref}} is recorded by the people responsible or "
                            "accountable for its outcome, delivery, monitoring or incident response, and by "
                            "governance admins.",
    Action.MANAGE_RACI: f"{NOT_ALLOWED} The RACI of {{ref}} is managed by the Accountable for its business "
                        "outcome and by governance admins.",
    Action.WITHDRAW: f"{NOT_ALLOWED} {{ref}} is withdrawn by the Accountable for its business outcome or by a "
                     "governance admin.",
    Action.REQUEST_GATE_REVIEW: f"{NOT_ALLOWED} The gate reviews of {{ref}} are asked for by the people who "
                                "record its gate evidence, by whoever decides its gates and by governance admins.",
}
# Asking for the gate reviews decides nothing: those who record the evidence (its own people included) or
# decide the gate may.
_REQUEST_GATE_REVIEW = frozenset({_CODENAME[Action.MANAGE_EVIDENCE], _CODENAME[Action.DECIDE_GATE]})


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
    """The role (a superuser or the governance_admins group), never a permission granted one by one."""
    return roles.is_governance_admin(user)


class VisibleIds(Expression):
    """The ids ``user_id`` may see through ``permission`` (an id): own grants UNION ALL group grants, as
    the right-hand side of ``__in``; uncorrelated, or probed row by row against ``outer``. Why it is
    written out, and its two shapes: docs/decisions/permission-filter-shape.md. The table aliases are
    ones Django never generates, so the statement nests inside any outer query.
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

    Uncorrelated (``outer=None``), the database builds the set of permitted ids once: right for counts,
    scans and any order. Correlated with the outer row's use-case field ``outer``, it probes the grant
    indexes row by row: right for a first page walked in index order, whose cost then follows the page
    size, not how many use cases the user may see (docs/decisions/permission-filter-shape.md).
    """
    if "view_usecase" in global_perms(user):
        return UseCase.objects.filter(pk=OuterRef(outer)).values("id") if outer else UseCase.objects.values("id")
    if not user.is_authenticated or not user.is_active:
        return UseCase.objects.none().values("id")
    # UNION ALL: IN () needs no de-duplication. The permission is its id (no join to build, plan or probe).
    return VisibleIds(user.pk, permission_id(UseCase, "view_usecase"), F(outer) if outer else None)


def _restrict(queryset: QuerySet, user, field: str, *, row_by_row: bool) -> QuerySet:
    if "view_usecase" in global_perms(user):
        return queryset
    return queryset.filter(**{f"{field}__in": visible_use_case_ids(user, outer=field if row_by_row else None)})


def restrict(queryset: QuerySet, user, *, field: str = "id") -> QuerySet:
    """Rows of ``queryset`` whose use case (its ``field``) ``user`` may see, for counts and scans in any order;
    global viewers are not filtered."""
    return _restrict(queryset, user, field, row_by_row=False)


def restrict_page(queryset: QuerySet, user, *, field: str = "id") -> QuerySet:
    """As ``restrict``, for one page read in the order of an index: each row is probed as it is walked, so
    the cost follows the page size. Count such a list with ``restrict``."""
    return _restrict(queryset, user, field, row_by_row=True)


def visible_use_cases(user, queryset: QuerySet[UseCase] | None = None) -> QuerySet[UseCase]:
    """The use cases ``user`` may see, for counts and scans."""
    return restrict(UseCase.objects.all() if queryset is None else queryset, user)


def visible_use_cases_page(user, queryset: QuerySet[UseCase] | None = None) -> QuerySet[UseCase]:
    """The use cases ``user`` may see, for a first page or a single row read by an index."""
    return restrict_page(UseCase.objects.all() if queryset is None else queryset, user)


def use_case_for(user, reference: str, queryset: QuerySet[UseCase] | None = None) -> UseCase:
    """The use case, or 404 whether it is missing or merely not visible."""
    try:
        return visible_use_cases_page(user, queryset).get(reference=reference)
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


def own_people_reasons(user, use_case: UseCase, *, filing_counts: bool = True) -> tuple[str, ...]:
    """Why ``user`` is one of ``use_case``'s own people (creator, submitter, owner, R or A on its outcome
    or delivery, directly or through a group), whatever the grants say; empty when independent. One query.

    ``filing_counts=False`` leaves out the ties that only filing the record gives (creating it, submitting
    it, and the R on its outcome its creator gets): the registration of a record brought in by the
    inventory import, which its importer filed as a clerk and never proposed.
    """
    if not getattr(user, "is_authenticated", False):
        return ()
    reasons = _conflicts(user, use_case, [(activity, reason) for _id, activity, reason in _ties(user, [use_case.pk])])
    if filing_counts:
        return reasons
    # Worded by the functions that word every tie, so the two never drift apart.
    filing = ("created it", "submitted it", _tie_reason(Activity.OUTCOME, RaciLetter.RESPONSIBLE, None))
    return tuple(reason for reason in reasons if reason not in filing)


def refuse_own_people(user, action: Action, use_case: UseCase, *, filing_counts: bool = True) -> None:
    """Separation of duties, structurally: PermissionDenied when ``user`` is one of the use case's own people.

    The deciding services call this under their row lock on top of ``require``: whatever a RACI row or a
    grant says (even one written around the services), the use case's own people never decide it.
    """
    reasons = own_people_reasons(user, use_case, filing_counts=filing_counts)
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
    if action == Action.EDIT and use_case.status not in EDITABLE_STATUSES:
        if EDIT_FROZEN in facts.perms and "view_usecase" in facts.perms:
            return Decision(True)
        status = use_case.get_status_display().lower()
        return Decision(False, f"{use_case.reference} is {status}, so its answers can no longer be changed.")
    if action == Action.REQUEST_GATE_REVIEW:
        allowed = bool(_REQUEST_GATE_REVIEW & facts.perms)
        return Decision(allowed, "" if allowed else _WHO_MAY[action].format(ref=use_case.reference))
    codename = f"decide_{function}_review" if action == Action.DECIDE_REVIEW else _CODENAME[action]
    if codename not in facts.perms:
        return Decision(False, _WHO_MAY.get(action, "").format(ref=use_case.reference) or NOT_ALLOWED)
    if action in _SOD_ACTIONS and facts.conflicted:
        return Decision(False, _sod_reason(action, use_case, facts.conflicts))
    return Decision(True)


def _sod_reason(action: Action, use_case: UseCase, conflicts: Iterable[str]) -> str:
    what = {Action.DECIDE_REVIEW: "decide its reviews",
            Action.SIGN_OFF: "sign off its readiness as independent",
            Action.REJECT_ARTEFACT: "reject its artefacts"}.get(action, "decide its stage gates")
    return (f"Separation of duties: you submitted {use_case.reference} or are responsible "
            f"or accountable for its outcome or delivery, so you may not {what}. "
            f"You {_and_list(conflicts)}.")


def _and_list(items: Iterable[str]) -> str:
    items = list(items)
    return " and ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


def can(user, action: Action, use_case: UseCase, *, function: str = "", facts: Facts | None = None) -> bool:
    return decide(user, action, use_case, function=function, facts=facts).allowed


def require(user, action: Action, obj: UseCase | BusinessUnit | None = None, *, function: str = "") -> None:
    """The one check of every intake write service: Http404 when the use case is invisible,
    PermissionDenied (with why) when the action is not allowed. ``CREATE`` is asked of a business unit,
    ``PUBLISH_MATRIX`` and ``PUBLISH_POLICY`` of nothing."""
    if action == Action.CREATE:
        _require_member(user, obj)
        return
    if action == Action.PUBLISH_MATRIX:
        if not is_governance_admin(user):
            raise PermissionDenied("Only governance admins maintain the risk-tier matrix.")
        return
    if action == Action.PUBLISH_POLICY:
        if not is_governance_admin(user):  # everyone reads the policy; changing it is not there for them
            raise Http404("Only governance admins change the governance policy.")
        return
    use_case = obj
    facts = permission_facts(user, [use_case])[use_case.id]
    if "view_usecase" not in facts.perms:
        raise Http404("No such use case.")
    if action == Action.SIGN_OFF:
        _require_independent(user, use_case)
        return
    if action == Action.REJECT_ARTEFACT:
        _require_reviewer_of(user, use_case, facts)
        return
    decision = decide(user, action, use_case, function=function, facts=facts)
    if not decision:
        raise PermissionDenied(decision.reason)


def can_sign_off(user, use_case: UseCase) -> bool:
    """Whether ``user`` may review an area scored 1 independently (``require(..., Action.SIGN_OFF)``)."""
    try:
        require(user, Action.SIGN_OFF, use_case)
    except (PermissionDenied, Http404):
        return False
    return True


def can_reject_artefacts(user, use_case: UseCase) -> bool:
    """Whether to offer rejecting ``use_case``'s artefacts (``require(..., Action.REJECT_ARTEFACT)``)."""
    try:
        require(user, Action.REJECT_ARTEFACT, use_case)
    except (PermissionDenied, Http404):
        return False
    return True


def _require_independent(user, use_case: UseCase) -> None:
    """An independent review of readiness: a review function's member or a governance admin, and never one of
    the use case's own people (governance model, section 4: "a 1 needs an explicit recorded review")."""
    functions = set(ReviewFunction.values)
    if not is_governance_admin(user) and not any(group.name in functions for group in user.groups.all()):
        raise PermissionDenied("Only a member of a review function (security, privacy, legal, ...) or a "
                               "governance admin reviews an area scored 1 independently.")
    refuse_own_people(user, Action.SIGN_OFF, use_case)


def _require_reviewer_of(user, use_case: UseCase, facts: Facts) -> None:
    """Rejecting an artefact is a reviewer's call: one who decides a review of this use case (its RACI grants
    them ``decide_<function>_review``) or a governance admin, and never one of its own people."""
    deciders = {f"decide_{function}_review" for function in ReviewFunction.values}
    if not is_governance_admin(user) and not deciders & facts.perms:
        raise PermissionDenied(f"Only the reviewers of {use_case.reference} (the review functions deciding its "
                               "reviews) and governance admins reject its artefacts.")
    refuse_own_people(user, Action.REJECT_ARTEFACT, use_case)


def _require_member(user, unit: BusinessUnit) -> None:
    """Members of a business unit start its use cases; governance admins may in any."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        raise PermissionDenied(NOT_ALLOWED)
    if not is_governance_admin(user) and not unit.members.filter(pk=user.pk).exists():
        raise PermissionDenied(f"You may start use cases only in business units you belong to; you are not a "
                               f"member of {unit.name}.")
