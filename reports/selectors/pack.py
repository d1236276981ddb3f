"""Everything a board pack shows, section by section (governance model, section 10).

``board_pack_data`` runs a fixed number of aggregate queries whatever the size
of the portfolio: counts are grouped in the database and every table is a
top-N with its total beside it. Templates receive the result and never query.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from compliance.models import GATE_STAGES, Obligation
from compliance.portfolio import organisation_coverage, upcoming_dates
from compliance.selectors import counted, framework_totals, satisfied_q
from intake.choices import EUAIActCategory, ReviewFunction, Stage
from intake.models import KPI, TierAssessment, UseCase
from reviews.choices import ReviewStatus
from reviews.models import (
    GAP_BELOW,
    CostEntry,
    GapClosureAction,
    GateDecision,
    GateOutcome,
    Incident,
    IncidentStatus,
    MitigationStatus,
    ReadinessBand,
    ReadinessScore,
    Review,
    ReviewCondition,
)
from reviews.selectors import NEXT_STAGE, open_remediation, policy_in_force
from reviews.selectors.incidents import incident_reviews_overdue_count
from reviews.selectors.pilots import pilots_overview
from reviews.selectors.risk_gate import current_acceptances
from reviews.selectors.value import portfolio_value

from ..models import Audience, BoardPack
from .gates import gate_ready, readiness_by_use_case
from .kpis import kpi_progress_by_use_case
from .portfolio import CLOSED_STAGES, IN_FLIGHT, live_risks, portfolio, portfolio_summary, review_timeliness, risk_grid

TOP_N = 10  # priority use cases, top risks, readiness rows
MAX_ROWS = 15  # any other table; the total is always shown beside it
STALL_DAYS = 30  # no gate decision or review activity for this long counts as a stall
SECTIONS = {
    "portfolio": "Portfolio summary",
    "value": "Business value",
    "progress": "Progress since the last pack",
    "risks": "Risk position",
    "decisions": "Decisions required",
    "resourcing": "Resourcing and capacity constraints",
    "readiness": "Readiness to scale",
    "remediation": "Remediation of registered systems",
    "alignment": "Cross-functional alignment",
    "incidents": "Incidents and exceptions",
    "compliance": "Compliance with AI frameworks",
    "priorities": "Next-period priorities",
}
# The quarterly board summary is the short one: value, top risks, resourcing, major decisions.
AUDIENCE_SECTIONS = {
    Audience.EXECUTIVE_MONTHLY: list(SECTIONS),
    Audience.BOARD_QUARTERLY: ["value", "risks", "resourcing", "decisions"],
}
STAGE_RANK = {Stage.SCALED: 3, Stage.CONTROLLED_ROLLOUT: 2, Stage.PILOT: 1}
LIVE_RISK = (MitigationStatus.OPEN, MitigationStatus.MITIGATING)
BLOCKED_REVIEW = (ReviewStatus.CHANGES_REQUESTED, ReviewStatus.ESCALATED, ReviewStatus.STOPPED)
OPEN_INCIDENT = (IncidentStatus.OPEN, IncidentStatus.INVESTIGATING)
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    as_at: datetime.date  # the day the pack is built: "open" and "overdue" are as of then

    @property
    def start_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def end_at(self) -> datetime.datetime:
        """Exclusive: midnight after the last day."""
        return timezone.make_aware(datetime.datetime.combine(self.end + datetime.timedelta(days=1),
                                                             datetime.time.min))

    def window(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start_at, f"{field}__lt": self.end_at})


def _top(queryset: QuerySet, limit: int = MAX_ROWS) -> dict[str, Any]:
    """The first ``limit`` rows and how many there are in all (two queries, whatever the total)."""
    return {"total": queryset.count(), "rows": list(queryset[:limit])}


def _in_portfolio(field: str = "use_case") -> Q:
    return Q(**{f"{field}__in": portfolio().values("id")})


# ---------------------------------------------------------------- 2 business value


def _value(period: Period) -> dict[str, Any]:
    priority = portfolio().filter(stage__in=list(STAGE_RANK))
    rank = Case(*[When(stage=s, then=Value(n)) for s, n in STAGE_RANK.items()], output_field=IntegerField())
    top = list(priority.select_related("business_unit").annotate(rank=rank).order_by("-rank", "reference")[:TOP_N])
    progress = kpi_progress_by_use_case(KPI.objects.filter(use_case__in=priority.values("id")))
    costs = {row["use_case_id"]: row for row in CostEntry.objects.filter(use_case__in=[uc.id for uc in top])
             .values("use_case_id").annotate(budget=Sum("budget"), actual=Sum("actual")).order_by()}
    roi = portfolio_value(portfolio(), as_of=period.as_at)  # the dashboard's and the API's figures
    every = [p for rows in progress.values() for p in rows]
    return {
        "roi": roi,
        "priority_total": priority.count(),
        "kpis_total": len(every),
        "kpis_measured": sum(1 for p in every if p.latest is not None),
        "kpis_met": sum(1 for p in every if p.met),
        "rows": [{"use_case": uc, "kpis": progress.get(uc.id, []),
                  "met": sum(1 for p in progress.get(uc.id, []) if p.met),
                  "budget": costs.get(uc.id, {}).get("budget"), "actual": costs.get(uc.id, {}).get("actual"),
                  "value": roi["by_use_case"].get(uc.id)}
                 for uc in top],
    }


# ---------------------------------------------------------------- 3 progress


def _last(model, field: str) -> Subquery:
    return Subquery(model.objects.filter(use_case=OuterRef("pk")).order_by(f"-{field}").values(field)[:1])


def _progress(period: Period) -> dict[str, Any]:
    moves = GateDecision.objects.filter(period.window("decided_at"))
    epoch = Value(EPOCH, output_field=DateTimeField())
    last = Greatest(Coalesce(_last(GateDecision, "decided_at"), epoch), Coalesce(_last(Review, "updated_at"), epoch),
                    Coalesce("submitted_at", "created_at"), output_field=DateTimeField())
    cutoff = timezone.make_aware(datetime.datetime.combine(period.as_at, datetime.time.min)) - datetime.timedelta(
        days=STALL_DAYS)
    stalled = (portfolio().filter(stage__in=IN_FLIGHT).annotate(last_activity=last)
               .filter(last_activity__lt=cutoff).select_related("business_unit").order_by("last_activity", "id"))
    stalls = _top(stalled)
    for uc in stalls["rows"]:
        uc.idle_days = (period.as_at - timezone.localdate(uc.last_activity)).days
    by_outcome = dict(moves.values("outcome").annotate(n=Count("id")).order_by().values_list("outcome", "n"))
    return {
        "moves": _top(moves.select_related("use_case", "decided_by").order_by("-decided_at", "-id")),
        "by_outcome": [{"label": o.label, "n": by_outcome.get(o.value, 0)} for o in GateOutcome],
        "stalls": stalls,
        "stall_days": STALL_DAYS,
        "pilots": pilots_overview(today=period.as_at, limit=MAX_ROWS, concurrent=False),
    }


# ---------------------------------------------------------------- 4 risk position


def _risks(period: Period) -> dict[str, Any]:
    risks = live_risks()
    score = F("likelihood") * F("impact")
    totals = risks.aggregate(
        total=Count("id"),
        escalate=Count("id", filter=Q(mitigation_status__in=LIVE_RISK, escalation_threshold__lte=score)),
        open=Count("id", filter=Q(mitigation_status=MitigationStatus.OPEN)),
    )
    # Risk.score is a property, so the annotation takes another name. At equal scores, risks still
    # open or being mitigated come before those mitigated or accepted.
    settled = Case(When(mitigation_status__in=LIVE_RISK, then=Value(0)), default=Value(1), output_field=IntegerField())
    top = list(risks.annotate(rank=score, settled=settled).select_related("use_case", "owner")
               .order_by("-rank", "settled", "-impact", "id")[:TOP_N])
    return {"totals": totals, "top": top, "grid": risk_grid(risks), "acceptances": _acceptances(risks, period)}


def _acceptances(risks: QuerySet, period: Period) -> dict[str, Any]:
    """Each live risk's current acceptance, those expired (blocking again) first, then by expiry."""
    expired = Case(When(expires_on__lte=period.as_at, then=Value(0)), default=Value(1), output_field=IntegerField())
    rows = (current_acceptances().filter(risk__in=risks).annotate(live=expired)
            .select_related("risk__use_case", "accepted_by").order_by("live", "expires_on", "id"))
    top = _top(rows)
    for row in top["rows"]:
        row.expired = row.live == 0
        row.outgrown = row.risk.score > row.accepted_score  # blocks again, whatever its expiry
    return top


# ---------------------------------------------------------------- 5 decisions required


def _decisions(period: Period) -> dict[str, Any]:
    ready, waiting = gate_ready(portfolio(), today=period.as_at)
    escalated = (Review.objects.filter(_in_portfolio(), status=ReviewStatus.ESCALATED)
                 .select_related("use_case", "decided_by").order_by("decided_at", "id"))
    paused = portfolio().filter(stage=Stage.PAUSED).select_related("business_unit").order_by("reference")
    return {
        "gates": {"total": len(ready), "rows": [
            {"use_case": uc, "next_stage": Stage(NEXT_STAGE[uc.stage]).label} for uc in ready[:MAX_ROWS]]},
        "waiting": [{"label": Stage(s).label, "n": waiting.get(s, 0)} for s in NEXT_STAGE],
        "escalated": _top(escalated),
        "paused": _top(paused),
    }


# ---------------------------------------------------------------- 6 resourcing


def _resourcing(period: Period) -> dict[str, Any]:
    rows = review_timeliness(since=period.start_at, until=period.end_at, as_at=period.as_at)
    decided = sum(r["decided"] for r in rows)
    on_time = sum(r["on_time"] for r in rows)
    return {
        "functions": rows,
        "open": sum(r["open"] for r in rows),
        "overdue": sum(r["overdue"] for r in rows),
        "decided": decided,
        "rate": round(100 * on_time / decided) if decided else None,
    }


# ---------------------------------------------------------------- 7 readiness to scale


def _readiness(period: Period) -> dict[str, Any]:
    population = portfolio().exclude(stage__in=CLOSED_STAGES)
    policy = policy_in_force()
    scores = readiness_by_use_case(population, policy)
    bands = list(ReadinessBand.objects.all())
    cut_offs = {row["band"]: row["min_total"] for row in policy.bands()}
    use_cases = {uc.id: uc for uc in population.filter(id__in=list(scores)).only("id", "reference", "title", "stage")}
    complete = [r for r in scores.values() if r.complete]
    ranked = sorted(scores.items(), key=lambda kv: (-STAGE_RANK.get(use_cases[kv[0]].stage, 0), -kv[1].total,
                                                     use_cases[kv[0]].reference))
    return {
        "bands": [{"band": b, "min_total": cut_offs.get(b.key),
                   "n": sum(1 for r in complete if r.band and r.band.pk == b.pk)} for b in bands],
        "policy_version": policy.version,
        "critical_minimum": policy.critical_minimum,
        "critical_areas": [area.name for area in sorted(policy.critical_areas.all(), key=lambda a: a.order)]
        if policy.pk else [],
        "scored": len(scores),
        "incomplete": len(scores) - len(complete),
        "blocked": sum(1 for r in scores.values() if r.blocking),
        "bare_ones": sum(1 for r in scores.values() if r.unreviewed_ones),
        "rows": [{"use_case": use_cases[uc_id], "readiness": r} for uc_id, r in ranked[:TOP_N]],
        "gap_plans": _gap_plans({uc_id: use_cases[uc_id] for uc_id, r in ranked
                                 if r.band is not None and r.band.key == "moderate"}),
        "not_scored": population.filter(stage__in=[Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED])
        .exclude(id__in=list(scores)).count(),
    }


def _gap_plans(moderate: dict[int, UseCase]) -> list[dict[str, Any]]:
    """Each Moderate use case's areas below 4, with the action that closes each (two queries)."""
    # The same two queries with or without Moderate use cases (an empty id list would skip them): the
    # pack's query budget stays fixed.
    ids = list(moderate) or [0]
    actions = {(a.use_case_id, a.area_id): a for a in GapClosureAction.objects.filter(
        use_case_id__in=ids).select_related("owner")}
    gaps: dict[int, list[dict[str, Any]]] = {uc_id: [] for uc_id in moderate}
    for row in ReadinessScore.objects.filter(use_case_id__in=ids, score__lt=GAP_BELOW).select_related(
            "area").order_by("area__order"):
        gaps[row.use_case_id].append({"area": row.area, "score": row.score,
                                      "action": actions.get((row.use_case_id, row.area_id))})
    return [{"use_case": moderate[uc_id], "gaps": rows} for uc_id, rows in gaps.items() if rows]


# ---------------------------------------------------------------- 7b remediation of registered systems


def _remediation(period: Period) -> dict[str, Any]:
    """The open remediation items of the systems registered at their stage (gate evidence attested missing),
    by use case, soonest due first; overdue as of the pack's day. Two queries (reviews.selectors)."""
    remediation = open_remediation(portfolio().exclude(stage__in=CLOSED_STAGES), as_at=period.as_at,
                                   limit=MAX_ROWS)
    return {"total": remediation.total, "use_case_total": remediation.use_case_total,
            "overdue": remediation.overdue, "rows": remediation.rows}


# ---------------------------------------------------------------- 8 cross-functional alignment


def _alignment(period: Period) -> dict[str, Any]:
    latest_cycle = Subquery(Review.objects.filter(use_case=OuterRef("use_case")).order_by("-cycle").values("cycle")[:1])
    current = Review.objects.filter(_in_portfolio()).filter(cycle=latest_cycle)
    counts = {(row["function"], row["status"]): row["n"]
              for row in current.values("function", "status").annotate(n=Count("id")).order_by()}
    matrix = [{"label": f.label, "cells": [counts.get((f.value, s.value), 0) for s in ReviewStatus],
               "total": sum(counts.get((f.value, s.value), 0) for s in ReviewStatus)} for f in ReviewFunction]
    blocked = current.filter(status__in=BLOCKED_REVIEW).select_related("use_case").order_by("decided_at", "id")
    conditions = (ReviewCondition.objects.filter(_in_portfolio("review__use_case"), met=False,
                                                 due_date__lt=period.as_at)
                  .select_related("review__use_case", "owner").order_by("due_date", "id"))
    return {"statuses": [s.label for s in ReviewStatus], "matrix": [r for r in matrix if r["total"]],
            "blocked": _top(blocked), "conditions": _top(conditions)}


# ---------------------------------------------------------------- 9 incidents and exceptions


def _incidents(period: Period) -> dict[str, Any]:
    incidents = Incident.objects.filter(period.window("occurred_at") | Q(status__in=OPEN_INCIDENT))
    by_severity = dict(incidents.values("severity").annotate(n=Count("id")).order_by().values_list("severity", "n"))
    overrides = TierAssessment.objects.filter(period.window("created_at"), reason=TierAssessment.Reason.OVERRIDE)
    return {
        "incidents": _top(incidents.select_related("use_case").order_by("severity", "-occurred_at", "id")),
        "by_severity": [{"severity": s, "n": by_severity.get(s, 0)} for s in range(1, 5)],
        "overrides": _top(overrides.select_related("use_case", "created_by").order_by("-created_at", "-id")),
        "reviews_overdue": incident_reviews_overdue_count(today=period.as_at, use_cases=portfolio()),
    }


# ---------------------------------------------------------------- 10 compliance with AI frameworks

GATES = dict(GATE_STAGES)  # the gates a requirement may be needed before, in the order a use case meets them


def _gate_gaps(obligations: list[Obligation]) -> list[dict[str, Any]]:
    """A use case's missing obligations by the gate that needs them (earliest first), then by framework."""
    groups: dict[tuple[str, str], list[str]] = {}
    for o in sorted(obligations, key=lambda o: list(GATES).index(o.requirement.required_before)):
        groups.setdefault((o.requirement.required_before, o.requirement.framework.name), []).append(
            o.requirement.identifier)
    return [{"gate": GATES[gate], "framework": framework, "identifiers": identifiers}
            for (gate, framework), identifiers in groups.items()]


def _compliance(period: Period) -> dict[str, Any]:
    """Coverage by framework over the registers of the portfolio's active use cases (``framework_totals``,
    the one count), the organisation's own register by framework (``organisation_coverage``, the same
    count), the high-risk systems still lacking an obligation a gate needs, and the application dates
    ahead (``compliance.portfolio``'s). Four queries, and one more for each of the coverage tables and the
    dates ahead when they have rows."""
    use_cases = portfolio().exclude(stage__in=CLOSED_STAGES)
    obligations = counted(Obligation.objects.filter(use_case__in=use_cases.values("id")))
    gaps = (obligations.filter(use_case__eu_ai_act_category=EUAIActCategory.HIGH_RISK)
            .exclude(requirement__required_before="").exclude(satisfied_q(period.as_at)))
    flagged = use_cases.filter(id__in=gaps.values("use_case"))

    def rank(field: str = "") -> Case:
        return Case(*[When(**{f"{field}stage": s}, then=Value(n)) for s, n in STAGE_RANK.items()], default=Value(0),
                    output_field=IntegerField())

    # One query: the missing obligations of the first MAX_ROWS such use cases (most advanced stage first),
    # each row carrying how many there are in all (grouped by the one category they share).
    first = flagged.annotate(rank=rank()).order_by("-rank", "reference").values("id")[:MAX_ROWS]
    total = flagged.order_by().values("eu_ai_act_category").annotate(n=Count("id")).values("n")
    rows = list(gaps.filter(use_case__in=first).annotate(rank=rank("use_case__"), total=Subquery(total))
                .select_related("use_case", "requirement__framework")
                .order_by("-rank", "use_case__reference", "requirement__framework__name", "requirement__order",
                          "id"))
    missing: dict[int, list[Obligation]] = {}
    for obligation in rows:
        missing.setdefault(obligation.use_case_id, []).append(obligation)
    upcoming = upcoming_dates(obligations, period.as_at)
    return {
        "frameworks": framework_totals(obligations, period.as_at),
        "organisation": organisation_coverage(period.as_at),
        "high_risk": {"total": rows[0].total if rows else 0, "rows": [
            {"use_case": items[0].use_case, "missing": len(items), "gaps": _gate_gaps(items)}
            for items in missing.values()]},
        "upcoming": {"total": len(upcoming), "rows": upcoming[:MAX_ROWS]},
    }


# ---------------------------------------------------------------- 11 priorities and the PMO's texts

_SPLIT = re.compile(r"\s*\|\s*")


def parse_priorities(text: str) -> list[dict[str, str]]:
    """'priority | owner | date' per line; a line without the bars is a priority with no owner or date."""
    rows = []
    for line in (text or "").splitlines():
        line = line.strip().lstrip("-*• ").strip()
        if not line:
            continue
        parts = _SPLIT.split(line, maxsplit=2)
        parts += [""] * (3 - len(parts))
        rows.append({"priority": parts[0], "owner": parts[1], "date": parts[2]})
    return rows


def _priorities(period: Period, pack: BoardPack) -> dict[str, Any]:
    return {"rows": parse_priorities(pack.next_period_priorities)}


def _prepared_by(pack: BoardPack) -> str:
    person = pack.requested_by  # one lookup here, so the title page need not make one
    if person is None:
        return "The PMO (monthly schedule)"
    return person.get_full_name() or person.get_username()


BUILDERS = {
    "value": _value, "progress": _progress, "risks": _risks, "decisions": _decisions,
    "resourcing": _resourcing, "readiness": _readiness, "remediation": _remediation, "alignment": _alignment,
    "incidents": _incidents, "compliance": _compliance,
}


def board_pack_data(pack: BoardPack, *, as_at: datetime.date | None = None) -> dict[str, Any]:
    """The pack's sections for its audience, in order, each with the data its template shows."""
    period = Period(start=pack.period_start, end=pack.period_end, as_at=as_at or timezone.localdate())
    keys = AUDIENCE_SECTIONS[Audience(pack.audience)]
    data: dict[str, Any] = {"pack": pack, "period": period, "sections": [], "prepared_by": _prepared_by(pack)}
    for number, key in enumerate(keys, 1):
        data["sections"].append({"number": number, "key": key, "title": SECTIONS[key]})
        if key == "portfolio":
            data[key] = portfolio_summary()
        elif key == "priorities":
            data[key] = _priorities(period, pack)
        else:
            data[key] = BUILDERS[key](period)
    return data


def portfolio_overview(*, as_at: datetime.date | None = None, days: int = 90) -> dict[str, Any]:
    """The dashboard: the pack's counts and charts for the portfolio as it stands."""
    as_at = as_at or timezone.localdate()
    period = Period(start=as_at - datetime.timedelta(days=days - 1), end=as_at, as_at=as_at)
    return {"period": period, "portfolio": portfolio_summary(), "risks": _risks(period),
            "resourcing": _resourcing(period), "days": days, "pilots": pilots_overview(today=as_at),
            "value": portfolio_value(portfolio(), as_of=as_at)}
