"""What a registration attests: the criteria of every gate between Exploration and the stage an existing
system is placed at, and the remediation lists it leaves.

A registration (``reviews.services.use_case_register``) passes the gates into Pilot, Controlled rollout
and Scaled in one decision, so its criteria are those gates' criteria (``reviews.selectors.gates``),
evaluated on the evidence recorded now, each keyed ``"<gate stage>:<criterion key>"``: the same key
(``conditions_met``, ``required_artefacts``, ...) may come back at a later gate, and each gate is attested
on its own.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

from django.db.models import Case, Count, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value, When

from intake.choices import Stage
from intake.models import UseCase
from reviews.models import GovernancePolicy, RemediationItem, RemediationStatus

from .criteria import Criterion
from .gates import _controlled_to_scaled, _exploration_to_pilot, _pilot_to_controlled
from .policy import policy_in_force

# The stages a registration may place a use case at, in order; each is entered through its gate.
REGISTER_STAGES: tuple[str, ...] = (Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED)


@dataclass(frozen=True)
class RegistrationCriterion:
    """One criterion of one gate a registration passes, as the evidence recorded now has it."""

    key: str  # "<gate stage>:<criterion key>", unique within a registration
    gate: str  # the stage the gate enters
    label: str
    met: bool  # what Stagegate's own records show (an imported system often has none yet)
    detail: str = ""
    link: str = ""

    @property
    def gate_label(self) -> str:
        return str(Stage(self.gate).label)

    def as_dict(self) -> dict:
        return asdict(self)


def _gate_criteria(use_case: UseCase, gate: str, policy: GovernancePolicy) -> list[Criterion]:
    if gate == Stage.PILOT:
        return _exploration_to_pilot(use_case)
    if gate == Stage.CONTROLLED_ROLLOUT:
        return _pilot_to_controlled(use_case, policy)
    return _controlled_to_scaled(use_case, policy)


def registration_gates(to_stage: str) -> tuple[str, ...]:
    """The gates a registration at ``to_stage`` passes, in order (none for a stage it cannot place at)."""
    if to_stage not in REGISTER_STAGES:
        return ()
    return REGISTER_STAGES[:REGISTER_STAGES.index(to_stage) + 1]


def registration_checks(use_case: UseCase, to_stage: str,
                        policy: GovernancePolicy | None = None) -> list[RegistrationCriterion]:
    """Every criterion of the gates between Exploration and ``to_stage``, gate by gate, under ``policy``
    (the one in force); empty when ``to_stage`` is not a stage a registration places at."""
    gates = registration_gates(to_stage)
    if not gates:
        return []
    policy = policy or policy_in_force()
    checks: list[RegistrationCriterion] = []
    for gate in gates:
        seen: set[str] = set()
        for criterion in _gate_criteria(use_case, gate, policy):
            if criterion.key in seen:  # one gate names each criterion once; never attest one twice
                continue
            seen.add(criterion.key)
            checks.append(RegistrationCriterion(f"{gate}:{criterion.key}", gate, criterion.label, criterion.met,
                                                criterion.detail, criterion.link))
    return checks


def registration_criteria(use_case: UseCase, to_stage: str) -> list[tuple[str, str]]:
    """(key, label) of each criterion a registration at ``to_stage`` attests, for forms and imports."""
    return [(c.key, f"{c.gate_label} gate: {c.label}") for c in registration_checks(use_case, to_stage)]


# ---------------------------------------------------------------- remediation lists


def remediation_items(use_case: UseCase) -> QuerySet[RemediationItem]:
    """The use case's remediation list, open ones first, then by due date: one query with its people."""
    done_last = Case(When(status=RemediationStatus.OPEN, then=Value(0)), default=Value(1),
                     output_field=IntegerField())
    return (RemediationItem.objects.filter(use_case=use_case).select_related("owner", "done_by")
            .annotate(done_last=done_last).order_by("done_last", "due_on", "id"))


@dataclass(frozen=True)
class OpenRemediation:
    """The open remediation items of the live portfolio, by use case, for the board pack."""

    total: int  # open items in all
    use_case_total: int  # use cases with open items
    overdue: int
    rows: list[dict]  # [{"use_case", "items", "overdue"}] for the first use cases (soonest due first)


def open_remediation(use_cases: QuerySet[UseCase], *, as_at: datetime.date, limit: int) -> OpenRemediation:
    """Open items of ``use_cases`` (a queryset, never evaluated here), grouped by use case: the ``limit`` use
    cases whose next item is due soonest, every open item of each. Two queries (the totals, the rows),
    whatever the number of items or use cases."""
    open_items = RemediationItem.objects.filter(use_case__in=use_cases.values("id"), status=RemediationStatus.OPEN)
    totals = open_items.aggregate(total=Count("id"), use_cases=Count("use_case", distinct=True),
                                  overdue=Count("id", filter=Q(due_on__lt=as_at)))
    soonest = (open_items.filter(use_case=OuterRef("use_case")).order_by().values("use_case")
               .annotate(first=Min("due_on")).values("first"))
    first_ids = (open_items.order_by().values("use_case").annotate(first=Min("due_on"))
                 .order_by("first", "use_case").values("use_case")[:limit])
    rows = list(open_items.filter(use_case__in=first_ids)
                .annotate(first_due=Subquery(soonest))
                .select_related("use_case", "owner").order_by("first_due", "use_case_id", "due_on", "id"))
    grouped: dict[int, dict] = {}
    for item in rows:
        item.is_overdue = item.due_on < as_at
        group = grouped.setdefault(item.use_case_id, {"use_case": item.use_case, "items": [], "overdue": 0})
        group["items"].append(item)
        group["overdue"] += item.is_overdue
    return OpenRemediation(total=totals["total"], use_case_total=totals["use_cases"], overdue=totals["overdue"],
                           rows=list(grouped.values()))
