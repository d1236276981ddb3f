"""Everything the audit dossier of one AI system shows, section by section.

Each part is read with the selector its own page uses (intake, reviews, vendors, compliance), so the
dossier says what the pages say: the intake answers and tier reasons a reviewer reads, the readiness
and checklist the gate judges, the obligation register and the one coverage count
(``compliance.selectors.coverage``), each piece of evidence in the state the register page gives it
(``compliance.selectors.register_suggestions``). ``dossier_data`` runs a fixed number of queries whatever
the number of rows; the template receives the result and never queries. It reads the uploaded evidence
files from storage once, for their SHA-256 checksums.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Prefetch
from django.utils import dateformat, timezone

from intake.choices import RaciLetter
from intake.models import TierAssessment, UseCase
from intake.selectors import eu_ai_act_obligations, raci_for, use_case_detail
from reviews.models import GateDecision, Review, ReviewCondition, ReviewDecision, RiskAcceptance
from reviews.selectors import checklist_summary, gap_plan, incidents_for, kpi_progress, readiness_summary, risks_for
from reviews.selectors.reviews import intake_sections as intake_answers  # what a reviewer reads of the intake
from reviews.selectors.reviews import tier_reasons  # the tier and the reasons for it, in words
from reviews.selectors.risk_gate import acceptance_words, acceptances_of
from vendors.models import VendorAssessment
from vendors.rules import model_fit_problems

from ..models import Dossier
from .dossier_register import DAY, day, files_of, obligation_history, obligations_of, person

SECTIONS = {
    "system": "The AI system and its intake answers",
    "tier": "Risk tier and EU AI Act category",
    "raci": "Roles and responsibilities (RACI)",
    "vendors": "Vendors and models",
    "reviews": "Reviews, decisions and conditions",
    "gates": "Stage-gate history",
    "readiness": "Readiness and rollout checklist",
    "risks": "Risk register and risk acceptances",
    "kpis": "KPIs and actuals",
    "incidents": "Incidents",
    "obligations": "Obligation register and evidence",
    "obligation_history": "Obligation history",
    "history": "Record history",
    "files": "Appendix: evidence files and their checksums",
}
RACI_LETTERS = [letter.value for letter in RaciLetter]
EVENT_LABELS = {"raci_changed": "RACI changed"}  # as intake.views.usecases
# ---------------------------------------------------------------- the parts


def _answers(use_case: UseCase) -> list[dict[str, Any]]:
    """The intake answers as a reviewer reads them, with a date answer (the target release) printed as
    every other date of the dossier is, not as the database stores it."""
    parts = intake_answers(use_case)
    for part in parts:
        for answer in part["answers"]:
            value = getattr(use_case, answer["name"], None)
            if isinstance(value, datetime.datetime):
                answer["value"] = dateformat.format(timezone.localtime(value), f"{DAY}, H:i")
            elif isinstance(value, datetime.date):
                answer["value"] = day(value)
    return parts


def _tier(use_case: UseCase) -> dict[str, Any]:
    assessments = list(TierAssessment.objects.filter(use_case=use_case)
                       .select_related("matrix_version", "created_by").order_by("created_at", "id"))
    category = use_case.eu_ai_act_category
    return {
        "reasons": tier_reasons(use_case),
        "eu_ai_act": use_case.get_eu_ai_act_category_display() if category else "",
        "role": use_case.get_ai_act_role_display() if use_case.ai_act_role else "",
        "eu_obligations": list(eu_ai_act_obligations(category)) if category else [],
        "assessments": assessments,
    }


def _raci(use_case: UseCase) -> list[dict[str, Any]]:
    """One row per activity, with who holds each letter."""
    rows: dict[int, dict[str, Any]] = {}
    for assignment in raci_for(use_case):
        row = rows.setdefault(assignment.activity_id, {
            "activity": assignment.activity, "letters": {letter: [] for letter in RACI_LETTERS}})
        party = (person(assignment.user) if assignment.user_id else f"{assignment.group.name} (group)")
        row["letters"][assignment.letter].append(party)
    return [{"activity": row["activity"], "cells": [", ".join(row["letters"][letter]) for letter in RACI_LETTERS]}
            for row in rows.values()]


def _vendors(use_case: UseCase, today: datetime.date) -> dict[str, Any]:
    vendors = {vendor.pk: vendor for vendor in use_case.vendors.all()}
    models = list(use_case.ai_models.all())
    for model in models:  # the provider of a model is a vendor it depends on too
        vendors.setdefault(model.provider_id, model.provider)
    latest: dict[int, VendorAssessment] = {}
    for assessment in (VendorAssessment.objects.filter(vendor_id__in=list(vendors) or [0])
                       .select_related("completed_by").order_by("vendor_id", "-started_on", "-id")):
        latest.setdefault(assessment.vendor_id, assessment)
    rows = [{"vendor": vendor, "status": vendor.effective_status_label(today), "approved": vendor.is_approved(today),
             "named": vendor.pk in {v.pk for v in use_case.vendors.all()}, "assessment": latest.get(vendor.pk)}
            for vendor in sorted(vendors.values(), key=lambda v: v.name.lower())]
    model_rows = [{"model": model, "problems": model_fit_problems(
        model, data_classification=use_case.data_classification, tier=use_case.risk_tier)
        if use_case.risk_tier else []} for model in models]
    return {"vendors": rows, "models": model_rows, "not_approved": [r for r in rows if not r["approved"]]}


def _reviews(use_case: UseCase) -> list[Review]:
    return list(
        Review.objects.filter(use_case=use_case).select_related("assignee", "decided_by").prefetch_related(
            Prefetch("decisions", ReviewDecision.objects.select_related("decided_by").order_by("decided_at", "id")),
            Prefetch("conditions", ReviewCondition.objects.select_related("owner", "met_by")
                     .order_by("due_date", "id")),
        ).order_by("cycle", "function", "id"))


def _gates(use_case: UseCase) -> list[GateDecision]:
    # As the gate page lists them (reviews.panels.gate_context): oldest first, with the policy version.
    return list(GateDecision.objects.filter(use_case=use_case).select_related("decided_by", "policy")
                .order_by("decided_at", "id"))


def _readiness(use_case: UseCase) -> dict[str, Any]:
    readiness = readiness_summary(use_case)
    checklist = checklist_summary(use_case)
    return {
        "summary": readiness,
        "gaps": gap_plan(use_case, readiness),
        "checklist": [{"item": item, "entry": entry, "ready": checklist.item_ready(item, entry),
                       "derived": checklist.derived.get(item.id)} for item, entry in checklist.rows],
        "checklist_ready": sum(1 for item, entry in checklist.rows if checklist.item_ready(item, entry)),
        "checklist_total": len(checklist.rows),
    }


def _risks(use_case: UseCase, today: datetime.date) -> dict[str, Any]:
    risks = list(risks_for(use_case))
    current = acceptances_of(risks)
    for risk in risks:
        risk.acceptance_state = acceptance_words(current.get(risk.pk), today, risk.score)
    acceptances = list(RiskAcceptance.objects.filter(risk__use_case=use_case).select_related("risk", "accepted_by")
                       .order_by("risk_id", "-accepted_at", "-id"))
    for acceptance in acceptances:
        acceptance.is_current = current.get(acceptance.risk_id) == acceptance
        acceptance.state = acceptance_words(acceptance, today, acceptance.risk.score) if acceptance.is_current \
            else "replaced by a later acceptance"
    return {"rows": risks, "acceptances": acceptances,
            "escalate": sum(1 for risk in risks if risk.needs_escalation)}


def _events(use_case: UseCase) -> list:
    events = list(use_case.events.all())  # prefetched with their actors
    for event in events:  # as the use-case page words them
        event.kind_label = EVENT_LABELS.get(event.kind) or event.kind.replace("_", " ").capitalize()
    return events


# ---------------------------------------------------------------- the dossier


def dossier_use_case(use_case_id: int) -> UseCase:
    """The use case with what the use-case page prefetches (owners, KPIs, vendors, models, events)."""
    return use_case_detail(queryset=UseCase.objects.filter(pk=use_case_id)).get()


def dossier_data(dossier: Dossier, *, as_at: datetime.date | None = None,
                 generated_at: datetime.datetime | None = None) -> dict[str, Any]:
    """The dossier's sections in order, each with the data its part of the template shows.

    ``generated_at``: the moment the cover and every page's footer name, which the dossier's row records
    too (``reports.dossiers.dossier_generate``); now when not given.
    """
    generated_at = generated_at or timezone.now()
    today = as_at or timezone.localdate(generated_at)
    use_case = dossier_use_case(dossier.use_case_id)
    obligations = obligations_of(use_case, today)
    data: dict[str, Any] = {
        "dossier": dossier,
        "use_case": use_case,
        "as_at": today,
        "generated_at": generated_at,
        "prepared_for": person(dossier.requested_by) if dossier.requested_by_id else "Stagegate",
        "sections": [{"number": number, "key": key, "title": title}
                     for number, (key, title) in enumerate(SECTIONS.items(), 1)],
        "answers": _answers(use_case),
        "tier": _tier(use_case),
        "raci": _raci(use_case),
        "raci_letters": [RaciLetter(letter).label for letter in RACI_LETTERS],
        "vendors": _vendors(use_case, today),
        "reviews": _reviews(use_case),
        "gates": _gates(use_case),
        "readiness": _readiness(use_case),
        "risks": _risks(use_case, today),
        "kpis": kpi_progress(use_case),
        "incidents": list(incidents_for(use_case)),
        "obligations": obligations,
        "coverage": [part["coverage"] for part in obligations],
        "obligation_history": obligation_history(use_case),
        "events": _events(use_case),
        "files": files_of(obligations),
    }
    return data
