"""Reads of the framework layer. ``coverage`` is the one count of met against applicable that the use-case
page, the portfolio view, the board pack, the API and the dossier all show."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Model, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from core import roles
from intake.models import UseCase
from reviews.selectors.criteria import Criterion

from .choices import SATISFIED, ObligationStatus
from .controls import ControlRecord, control_records
from .models import Framework, Obligation, ObligationEvidence, Requirement


def is_satisfied(obligation: Obligation, today: datetime.date | None = None) -> bool:
    """Met, not applicable (justified), or an accepted risk not yet expired."""
    if obligation.status == ObligationStatus.RISK_ACCEPTED:
        return bool(obligation.accepted_until) and obligation.accepted_until > (today or timezone.localdate())
    return obligation.status in SATISFIED


def satisfied_q(today: datetime.date | None = None) -> Q:
    today = today or timezone.localdate()
    return (Q(status__in=(ObligationStatus.MET, ObligationStatus.NOT_APPLICABLE))
            | Q(status=ObligationStatus.RISK_ACCEPTED, accepted_until__gt=today))


def _register(queryset: QuerySet[Obligation]) -> QuerySet[Obligation]:
    return (queryset.filter(applicable=True, requirement__deprecated=False)
            .select_related("requirement__framework", "requirement__parent", "owner")
            .prefetch_related(Prefetch("evidence", ObligationEvidence.objects.select_related("record_type")))
            .order_by("requirement__framework__name", "requirement__order", "id"))


def use_case_register(use_case: UseCase) -> list[Obligation]:
    """The use case's applicable obligations, framework by framework, in the framework's order."""
    return list(_register(Obligation.objects.filter(use_case=use_case)))


def organisation_register() -> list[Obligation]:
    return list(_register(Obligation.objects.filter(use_case__isnull=True)))


@dataclass
class FrameworkCoverage:
    """Satisfied against applicable obligations of one framework, over a set of registers."""

    framework: Framework
    applicable: int = 0
    met: int = 0
    missing: list[Obligation] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.met / self.applicable) if self.applicable else 100


def counted(queryset: QuerySet[Obligation]) -> QuerySet[Obligation]:
    """Obligations that count: applicable, of a requirement still in its framework."""
    return queryset.filter(applicable=True, requirement__deprecated=False)


def framework_totals(queryset: QuerySet[Obligation], today: datetime.date | None = None) -> list[FrameworkCoverage]:
    """The one count of coverage: per framework, satisfied against applicable, over ``queryset``'s registers.
    A use case's page, the portfolio view, the board pack, the API and the dossier all read it."""
    rows = (counted(queryset).values("requirement__framework").order_by()
            .annotate(applicable=Count("id"), met=Count("id", filter=satisfied_q(today))))
    frameworks = Framework.objects.in_bulk([row["requirement__framework"] for row in rows])
    result = [FrameworkCoverage(frameworks[row["requirement__framework"]], row["applicable"], row["met"])
              for row in rows]
    return sorted(result, key=lambda row: row.framework.name)


def coverage(use_case: UseCase, register: list[Obligation] | None = None) -> list[FrameworkCoverage]:
    """A use case's coverage by framework, with the obligations still missing."""
    totals = framework_totals(Obligation.objects.filter(use_case=use_case))
    register = use_case_register(use_case) if register is None else register
    by_framework = {row.framework.pk: row for row in totals}
    for obligation in register:
        row = by_framework.get(obligation.requirement.framework_id)
        if row is not None and not is_satisfied(obligation):
            row.missing.append(obligation)
    return totals


# -- suggested evidence ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    control: str
    record: Model
    label: str
    state: str
    good: bool
    content_type: ContentType
    linked: bool

    @property
    def record_type(self) -> str:
        return f"{self.content_type.app_label}.{self.content_type.model}"


def _suggestions(obligation: Obligation, records: dict[tuple[str, str], list[ControlRecord]]) -> list[Suggestion]:
    linked = {(e.record_type_id, e.record_id) for e in obligation.evidence.all()}
    found = []
    for entry in obligation.requirement.crosswalk.all():
        for item in records.get((entry.control, entry.key), []):
            ctype = ContentType.objects.get_for_model(item.record)
            found.append(Suggestion(entry.control, item.record, item.label, item.state, item.good, ctype,
                                    (ctype.pk, item.record.pk) in linked))
    return found


def suggested_records(obligation: Obligation) -> list[Suggestion]:
    """The use case's records the crosswalk offers as evidence of this obligation (none on the
    organisation's register)."""
    if obligation.use_case_id is None:
        return []
    entries = list(obligation.requirement.crosswalk.all())
    records = control_records(obligation.use_case, {(e.control, e.key) for e in entries})
    return _suggestions(obligation, records)


def register_suggestions(use_case: UseCase, obligations: list[Obligation]) -> dict[int, list[Suggestion]]:
    """Suggestions for a whole register at once: one query per control kind, not per obligation."""
    requirements = (Requirement.objects.filter(pk__in=[o.requirement_id for o in obligations])
                    .select_related("framework", "parent").prefetch_related("crosswalk"))
    by_pk = {r.pk: r for r in requirements}
    wanted = {(e.control, e.key) for r in by_pk.values() for e in r.crosswalk.all()}
    records = control_records(use_case, wanted)
    result = {}
    for obligation in obligations:
        obligation.requirement = by_pk.get(obligation.requirement_id, obligation.requirement)
        result[obligation.pk] = _suggestions(obligation, records)
    return result


# -- the gate -------------------------------------------------------------------------------------

_GATE_ORDER = ("pilot", "controlled_rollout", "scaled")


def required_by(required_before: str, to_stage: str) -> bool:
    """An obligation needed before an earlier gate is still needed at the later ones."""
    return bool(required_before) and _GATE_ORDER.index(required_before) <= _GATE_ORDER.index(to_stage)


def obligation_criteria(use_case: UseCase, to_stage: str) -> list[Criterion]:
    """The gate into ``to_stage`` lists each applicable obligation the policy needs by then and lacks."""
    if to_stage not in _GATE_ORDER:
        return []
    needed = [o for o in _register(Obligation.objects.filter(use_case=use_case).exclude(
        requirement__required_before="")) if required_by(o.requirement.required_before, to_stage)]
    if not needed:
        return []
    unmet = [o for o in needed if not is_satisfied(o)]
    names = [f"{o.requirement.framework.name} {o.requirement.identifier} ({_state(o)})" for o in unmet]
    return [Criterion("obligations_met", "Every framework obligation needed at this gate is satisfied",
                      not unmet, f"Not satisfied: {', '.join(names)}." if names else "",
                      reverse("compliance:use_case", args=[use_case.reference]))]


def _state(obligation: Obligation) -> str:
    if obligation.status == ObligationStatus.RISK_ACCEPTED:
        return "accepted risk expired"
    if obligation.status == ObligationStatus.NOT_STARTED and not obligation.evidence.all():
        return "no evidence"
    return obligation.get_status_display().lower()


def owner_choices(obligation: Obligation) -> set[int]:
    """Who may own an obligation: the people named in the use case's RACI; on the organisation's register,
    the governance admins."""
    users = get_user_model().objects.filter(is_active=True)
    if obligation.use_case_id is None:
        users = users.filter(Q(is_superuser=True) | Q(groups__name=roles.GOVERNANCE_ADMINS))
    else:
        users = users.filter(raci_assignments__use_case_id=obligation.use_case_id)
    return set(users.values_list("id", flat=True))
