"""Panels of the use-case page (intake's detail page) that show the reviews app.

The detail page (an edge, which may import any app) lists these in
``intake.views.usecases.PANELS``, calls each as ``panel(request=..., use_case=..., facts=...)``
and renders what it returns: ``None`` (nothing to show) or ``{"template": ..., "context": {...}}``.

Each panel runs a constant number of queries, whatever the number of reviews,
risks, KPIs, incidents, comments or files. The evidence pages reuse the
context builders below, so a page and its panel always agree.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db.models import Count, Min, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from core import roles
from intake import lifecycle, permissions
from intake.choices import Stage
from intake.models import UseCase
from intake.permissions import Action, Facts
from reviews import selectors
from reviews.forms import ArtefactEvidenceForm, CommentForm, GateForm
from reviews.models import ArtefactType, Comment, Evidence, GateDecision, GateOutcome, IncidentStatus, Risk
from reviews.selectors.dependencies import dependency_panel
from reviews.selectors.gate_reviews import gate_reviews_to_request
from reviews.selectors.incidents import incident_panel
from reviews.selectors.pilots import pilot_gate_warnings, pilot_panel
from reviews.selectors.value import value_panel
from reviews.services.gates import gate_closed_reason
from reviews.services.registration import may_complete, registration_closed_reason

OPEN_INCIDENT_STATUSES = (IncidentStatus.OPEN, IncidentStatus.INVESTIGATING)
# Where on the use-case page the evidence of a criterion linked to that page lives.
DETAIL_ANCHORS = {"problem_outcome": "problem", "owners": "ownership", "kpis": "kpis", "tier": "tier",
                  "vendors_approved": "vendors"}
# Heat-map colours by likelihood x impact (1..25).
HEAT_LEVELS = ((15, "critical"), (10, "high"), (5, "medium"), (1, "low"))


def _can(request: HttpRequest, action: Action, use_case: UseCase, facts: Facts) -> bool:
    return permissions.can(request.user, action, use_case, facts=facts)


def _panel(template: str, context: dict[str, Any]) -> dict[str, Any]:
    return {"template": template, "context": context}


# ---------------------------------------------------------------- shared presentation


def heat_level(score: int) -> str:
    return next(name for low, name in HEAT_LEVELS if score >= low)


def heatmap(risks: list[Risk]) -> list[dict[str, Any]]:
    """The 5x5 grid as rows (likelihood 5 at the top) of cells (impact 1..5) with count and colour."""
    grid = selectors.risk_heatmap(risks)
    rows = []
    for index, counts in enumerate(grid):
        likelihood = 5 - index
        cells = [
            {"impact": impact, "score": likelihood * impact, "count": count,
             "level": heat_level(likelihood * impact)}
            for impact, count in enumerate(counts, 1)
        ]
        rows.append({"likelihood": likelihood, "cells": cells})
    return rows


# How the gate page words each outcome; where it may go comes from the lifecycle's stage table.
OUTCOME_WORDS = {
    GateOutcome.PAUSE: "Pause",
    GateOutcome.KILL: "Kill: stop it for good",
    GateOutcome.RETIRE: "Retire: take it out of service for good",
}


def gate_options(use_case: UseCase) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The outcomes the gate offers from the current stage, and the stages a pivot may go back to."""
    stage = use_case.stage
    outcomes: list[tuple[str, str]] = []
    for target in lifecycle.stage_targets(stage, GateOutcome.SCALE):
        outcomes.append((GateOutcome.SCALE, f"Scale: advance to {Stage(target).label}"))
    pivot_stages = lifecycle.stage_targets(stage, GateOutcome.PIVOT)
    if pivot_stages:
        label = "Resume: back to a working stage" if stage == Stage.PAUSED else "Pivot: back to an earlier stage"
        outcomes.append((GateOutcome.PIVOT, f"{label} with a redesign note"))
    for outcome, words in OUTCOME_WORDS.items():
        if lifecycle.stage_targets(stage, outcome):
            outcomes.append((outcome, words))
    return outcomes, [(s, Stage(s).label) for s in pivot_stages]


def gate_form(use_case: UseCase, data=None) -> GateForm:
    outcomes, pivot_stages = gate_options(use_case)
    return GateForm(data, outcomes=outcomes, pivot_stages=pivot_stages)


def _followable(request: HttpRequest, use_case: UseCase, facts: Facts,
                criteria: list[selectors.Criterion]) -> list[selectors.Criterion]:
    """Links this user can follow: the part of the use-case page an answer lives in, and the
    pilot-selection card instead of the scoring page (which 404s without SCORE_PILOT)."""
    detail = reverse("intake:detail", args=[use_case.reference])
    scoring = reverse("intake:pilot_selection", args=[use_case.reference])
    may_score = _can(request, Action.SCORE_PILOT, use_case, facts)
    linked = []
    for criterion in criteria:
        if criterion.link == scoring and not may_score:
            criterion = replace(criterion, link=f"{detail}#pilot")
        elif criterion.link == detail and criterion.key in DETAIL_ANCHORS:
            criterion = replace(criterion, link=f"{detail}#{DETAIL_ANCHORS[criterion.key]}")
        linked.append(criterion)
    return linked


def gate_context(request: HttpRequest, use_case: UseCase, facts: Facts, *, form: GateForm | None = None,
                 refusal: list[str] | None = None) -> dict[str, Any]:
    """The gate: each criterion met or not, the decisions so far, and the form for whoever decides."""
    evaluation = selectors.gate_evaluation(use_case)
    criteria = _followable(request, use_case, facts, evaluation.criteria)
    next_stage = evaluation.next_stage
    decision = permissions.decide(request.user, Action.DECIDE_GATE, use_case, facts=facts)
    closed = use_case.stage in lifecycle.FINAL_STAGES
    # A draft, withdrawn or rejected use case has no gate to decide: the service refuses it, so the
    # page says why instead of offering a form that can only fail.
    status_reason = gate_closed_reason(use_case) if decision and not closed else ""
    can_decide = bool(decision) and not closed and not status_reason
    # Holding the gate permission but conflicted: say why, instead of hiding the form without a word.
    sod_reason = "" if decision or not facts.conflicted or "decide_gate_usecase" not in facts.perms \
        else decision.reason
    decisions = list(GateDecision.objects.filter(use_case=use_case).select_related("decided_by", "policy")
                     .order_by("decided_at", "id"))
    return {
        "use_case": use_case,
        "stage_label": use_case.get_stage_display(),
        "next_stage_label": Stage(next_stage).label if next_stage else "",
        "closed": closed,
        "criteria": criteria,
        "policy": evaluation.policy,
        "met_count": sum(1 for c in criteria if c.met),
        "unmet": [c for c in criteria if not c.met],
        "decisions": decisions,
        "can_decide": can_decide,
        "sod_reason": sod_reason,
        "status_reason": status_reason,
        "form": (form or gate_form(use_case)) if can_decide else None,
        "refusal": refusal or [],
        "gate_reviews_offer": _gate_reviews_offer(request, use_case, facts, criteria),
        # Said before a go, never a refusal: the portfolio above its range of concurrent pilots.
        "pilot_warnings": [] if closed else pilot_gate_warnings(use_case, evaluation.policy),
    }


def _gate_reviews_offer(request: HttpRequest, use_case: UseCase, facts: Facts,
                        criteria: list[selectors.Criterion]) -> bool:
    """Offer "Ask for the gate reviews" while some are not requested, to whoever may ask (the service decides)."""
    waiting = any(c.key == "gate_reviews" and not c.met for c in criteria)
    return (waiting and bool(gate_reviews_to_request(use_case))
            and _can(request, Action.REQUEST_GATE_REVIEW, use_case, facts))


def reviews_context(use_case: UseCase) -> dict[str, Any]:
    today = timezone.localdate()
    reviews = list(selectors.reviews_in_cycle(use_case).select_related("assignee").order_by("function"))
    for review in reviews:
        review.overdue = not review.is_decided and review.due_date < today
    return {
        "use_case": use_case,
        "reviews": reviews,
        "cycle": reviews[0].cycle if reviews else None,
        "approved_count": sum(1 for r in reviews if r.status in ("approved", "approved_with_conditions")),
        "overdue_count": sum(1 for r in reviews if r.overdue),
        "conditions": list(selectors.unmet_conditions(use_case)),
    }


def evidence_context(use_case: UseCase, *, can_manage: bool) -> dict[str, Any]:
    readiness = selectors.readiness_summary(use_case)
    checklist = selectors.checklist_summary(use_case)
    risks = list(selectors.risks_for(use_case))
    progress = selectors.kpi_progress(use_case)
    incidents = selectors.incidents_for(use_case).aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status__in=OPEN_INCIDENT_STATUSES)),
        worst=Min("severity", filter=Q(status__in=OPEN_INCIDENT_STATUSES)),
    )
    return {
        "use_case": use_case,
        "can_manage": can_manage,
        "readiness": readiness,
        "scored_count": sum(1 for _, score in readiness.rows if score is not None),
        "area_count": len(readiness.rows),
        "checklist_ready": len(checklist.rows) - len(checklist.not_ready),
        "checklist_total": len(checklist.rows),
        "risk_count": len(risks),
        "escalations": sum(1 for r in risks if r.needs_escalation),
        "heatmap": heatmap(risks),
        "kpi_met": sum(1 for p in progress if p.met),
        "kpi_total": len(progress),
        "kpi_measured": sum(1 for p in progress if p.latest is not None),
        "incidents": incidents,
    }


def discussion_context(request: HttpRequest, use_case: UseCase, facts: Facts) -> dict[str, Any]:
    can_comment = _can(request, Action.COMMENT, use_case, facts)
    return {
        "use_case": use_case,
        "comments": list(Comment.objects.filter(use_case=use_case).select_related("author", "review")
                         .order_by("created_at", "id")),
        "evidence": list(Evidence.objects.filter(use_case=use_case)
                         .select_related("uploaded_by", "artefact_type", "rejected_by").order_by("uploaded_at", "id")),
        "can_comment": can_comment,
        "comment_form": CommentForm(auto_id="id_comment_%s") if can_comment else None,
        "evidence_form": ArtefactEvidenceForm(auto_id="id_evidence_%s", types=list(ArtefactType.objects.all()))
        if can_comment else None,
    }


# ---------------------------------------------------------------- the panels


def gate_panel(*, request: HttpRequest, use_case: UseCase, facts: Facts) -> dict[str, Any] | None:
    if not _can(request, Action.VIEW, use_case, facts):
        return None
    return _panel("reviews/panels/gate.html", gate_context(request, use_case, facts))


def reviews_panel(*, request: HttpRequest, use_case: UseCase, facts: Facts) -> dict[str, Any] | None:
    if not _can(request, Action.VIEW, use_case, facts):
        return None
    return _panel("reviews/panels/reviews.html", reviews_context(use_case))


def evidence_panel(*, request: HttpRequest, use_case: UseCase, facts: Facts) -> dict[str, Any] | None:
    if not _can(request, Action.VIEW, use_case, facts):
        return None
    can_manage = _can(request, Action.MANAGE_EVIDENCE, use_case, facts)
    return _panel("reviews/panels/evidence.html", evidence_context(use_case, can_manage=can_manage))


def discussion_panel(*, request: HttpRequest, use_case: UseCase, facts: Facts) -> dict[str, Any] | None:
    if not _can(request, Action.VIEW, use_case, facts):
        return None
    return _panel("reviews/panels/discussion.html", discussion_context(request, use_case, facts))


def artefacts_panel(*, request: HttpRequest, use_case: UseCase, facts: Facts) -> dict[str, Any] | None:
    """What each upcoming gate still needs (the artefacts its tier requires); nothing when it needs none."""
    if not _can(request, Action.VIEW, use_case, facts):
        return None
    gates = selectors.upcoming_artefacts(use_case)
    if not gates:
        return None
    return _panel("reviews/panels/artefacts.html", {
        "use_case": use_case, "gates": gates, "can_upload": _can(request, Action.COMMENT, use_case, facts)})


def remediation_context(request: HttpRequest, use_case: UseCase, facts: Facts) -> dict[str, Any]:
    """The remediation list a registration left (one query), who may mark each item done, and the way to
    register an existing system for the governance admins who may (an open Exploration use case)."""
    today = timezone.localdate()
    items = list(selectors.remediation_items(use_case))
    for item in items:
        item.use_case = use_case  # the page's own row: no query per item
        item.is_overdue = item.overdue_on(today)
        item.can_complete = item.is_open and may_complete(request.user, item, facts=facts)
    # The role last: its group lookup only for someone independent, on a use case that may be registered.
    offer = (not facts.conflicted and not registration_closed_reason(use_case)
             and roles.is_governance_admin(request.user))
    return {
        "use_case": use_case,
        "items": items,
        "open_count": sum(1 for item in items if item.is_open),
        "overdue_count": sum(1 for item in items if item.is_overdue),
        "register_url": reverse("reviews:register", args=[use_case.reference]) if offer else "",
    }


def remediation_panel(*, request: HttpRequest, use_case: UseCase, facts: Facts) -> dict[str, Any] | None:
    """The remediation list of a registered system, and "Register" for a governance admin while it is in
    Exploration; nothing when there is neither."""
    if not _can(request, Action.VIEW, use_case, facts):
        return None
    context = remediation_context(request, use_case, facts)
    if not context["items"] and not context["register_url"]:
        return None
    return _panel("reviews/panels/remediation.html", context)


def between_gates_panel(*, request: HttpRequest, use_case: UseCase, facts: Facts) -> dict[str, Any] | None:
    """What happens between the gates once a use case has left Exploration: the pilot clock, overdue
    measurements and value against spend, open incident actions and overdue post-incident reviews, and the
    models and vendors that changed under it. Each part is its selector's, so the pages that show one part
    (the pilot, KPI and incident pages) agree with it."""
    if use_case.stage == Stage.EXPLORATION or not _can(request, Action.VIEW, use_case, facts):
        return None
    today = timezone.localdate()
    return _panel("reviews/panels/between_gates.html", {
        "use_case": use_case,
        "pilot": pilot_panel(use_case, user=request.user, today=today),
        "value": value_panel(use_case, today=today),
        "incidents": incident_panel(use_case, today=today),
        "dependencies": dependency_panel(use_case, today=today),
    })
