"""Gate-evidence pages: readiness, rollout checklist, risk register, KPIs and
costs, incidents. Anyone who may see the use case reads them; the forms are
offered to people with Action.MANAGE_EVIDENCE, and the services decide who
records. Bad input goes back next to its fields; any other refusal is a
message and the page again, with nothing changed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from core import edges
from intake.models import KPI, UseCase
from intake.permissions import Action, Facts
from reviews import selectors, services
from reviews.forms import (
    IMPACT_LABELS,
    LIKELIHOOD_LABELS,
    SEVERITY_LABELS,
    ChecklistForm,
    CostForm,
    IncidentForm,
    KPIActualForm,
    KPIValueForm,
    RiskForm,
)
from reviews.models import CostEntry, Incident, Risk
from reviews.panels import OPEN_INCIDENT_STATUSES, heat_level, heatmap
from reviews.selectors import value as value_selectors
from reviews.services import value as value_services

from . import incident_review
from .acceptance_form import RiskAcceptanceForm, acceptance_context
from .common import can, fetch, page_url

MANAGE = Action.MANAGE_EVIDENCE


def error_items(form, rows: list[dict[str, Any]], prefix: str, key: str, fields: tuple[str, ...]):
    """Rows with errors, for the summary at the top: a link to the row and its first error."""
    items = []
    for row in rows:
        errors = [error for name in fields if form.is_bound for error in row[name].errors]
        if errors:
            thing = row[key]
            items.append({"anchor": f"{prefix}-{thing.key}", "label": thing.name, "message": errors[0]})
    return items


def page_base(use_case: UseCase, facts: Facts, request: HttpRequest, current: str) -> dict[str, Any]:
    return {"use_case": use_case, "current": current, "can_manage": can(request, MANAGE, use_case, facts)}


# ---------------------------------------------------------------- checklist


@require_http_methods(["GET", "POST"])
def checklist(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, facts = fetch(request, reference)
    here = page_url("checklist", use_case)
    summary = selectors.checklist_summary(use_case)
    # Items that follow review decisions are shown, never offered for ticking.
    items = [item for item, _ in summary.rows if item.id not in summary.derived]
    if request.method == "POST":
        form = ChecklistForm(request.POST, items=items)
        if form.is_valid():
            changed = form.changes({item.id: entry for item, entry in summary.rows if entry})
            if not changed:
                messages.info(request, "Nothing changed.")
                return redirect(here)
            outcome = edges.perform(request, form, lambda: services.checklist_record(
                use_case=use_case, actor=request.user, items=changed), back=here, field_for=ChecklistForm.field_for)
            if isinstance(outcome, edges.Done):
                saved = selectors.checklist_summary(use_case)
                ready = len(saved.rows) - len(saved.not_ready)
                messages.success(request, f"Checklist recorded: {ready} of {len(saved.rows)} items ready.")
                return redirect(here)
            if outcome:
                return outcome
    else:
        form = ChecklistForm(initial=ChecklistForm.initial_for(summary.rows), items=items)
    form_rows = {row["item"].id: row for row in form.rows()}
    rows = [form_rows.get(item.id, {"item": item}) | {"entry": entry, "derived": summary.derived.get(item.id)}
            for item, entry in summary.rows]
    context = page_base(use_case, facts, request, "checklist") | {
        "error_items": error_items(form, list(form_rows.values()), "item", "item", ("ready", "evidence")),
        "summary": summary,
        "ready_count": len(summary.rows) - len(summary.not_ready),
        "form": form,
        "rows": rows,
    }
    return render(request, "reviews/checklist.html", context)


# ---------------------------------------------------------------- risks


def risks_page(request: HttpRequest, use_case: UseCase, facts: Facts, form: RiskForm | None,
               accept_form: RiskAcceptanceForm | None = None) -> HttpResponse:
    """The risk register page, with the risk form or the acceptance form as posted (also the acceptance view's,
    so a refused acceptance shows its errors on the same page)."""
    risks = list(selectors.risks_for(use_case))
    guidance = selectors.risk_area_guidance()
    for risk in risks:
        risk.level, risk.guidance = heat_level(risk.score), guidance.get(risk.area)
    context = page_base(use_case, facts, request, "risks") | {
        "risks": risks,
        "risk_guidance": guidance,
        "heatmap": heatmap(risks),
        "escalations": sum(1 for r in risks if r.needs_escalation),
        "likelihood_labels": LIKELIHOOD_LABELS,
        "impact_labels": IMPACT_LABELS,
    }
    context |= acceptance_context(request, use_case, facts, risks, accept_form)
    if context["can_manage"]:
        context["form"] = form or RiskForm()
    return render(request, "reviews/risks.html", context)


def _save_risk(request: HttpRequest, use_case: UseCase, form: RiskForm, risk: Risk | None, here: str):
    """Save through the service: a redirect when saved, else None with the errors on ``form``."""
    if not form.is_valid():
        return None
    outcome = edges.perform(request, form, lambda: services.risk_save(
        use_case=use_case, actor=request.user, data=form.risk_data(), risk=risk), back=here)
    if not isinstance(outcome, edges.Done):
        return outcome
    saved = outcome.value
    escalate = " It has reached its escalation threshold: escalate it." if saved.needs_escalation else ""
    messages.success(request, f"Risk {'updated' if risk else 'added'}: {saved.get_area_display()} "
                              f"(score {saved.score}).{escalate}")
    return redirect(page_url("risks", use_case))


@require_http_methods(["GET", "POST"])
def risks(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, facts = fetch(request, reference)
    here = page_url("risks", use_case)
    form = None
    if request.method == "POST":
        form = RiskForm(request.POST)
        if response := _save_risk(request, use_case, form, None, here):
            return response
    return risks_page(request, use_case, facts, form)


@require_http_methods(["GET", "POST"])
def risk_edit(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    use_case, facts = fetch(request, reference)
    risk = get_object_or_404(Risk.objects.select_related("owner"), pk=pk, use_case=use_case)
    risk.level = heat_level(risk.score)
    here = page_url("risk_edit", use_case, risk.pk)
    can_manage = can(request, MANAGE, use_case, facts)
    form = None
    if request.method == "POST":
        form = RiskForm(request.POST)
        if response := _save_risk(request, use_case, form, risk, here):
            return response
    elif can_manage:
        form = RiskForm(initial=RiskForm.initial_for(risk))
    guidance = selectors.risk_area_guidance()
    risk.guidance = guidance.get(risk.area)
    context = page_base(use_case, facts, request, "risks") | {"risk": risk, "form": form, "risk_guidance": guidance}
    return render(request, "reviews/risk_edit.html", context)


# ---------------------------------------------------------------- KPIs and costs


def _kpis(use_case: UseCase):
    return KPI.objects.filter(use_case=use_case).order_by("id")


def _record_cost(request: HttpRequest, use_case: UseCase, form: CostForm, here: str) -> HttpResponse | None:
    """Record through the service: a redirect when recorded or refused, else None with the errors on ``form``."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    outcome = edges.perform(request, form, lambda: services.cost_record(
        use_case=use_case, actor=request.user, period=data["period"], budget=data["budget"],
        actual=data["actual"], note=data["note"], category=data["category"]), back=here)
    if not isinstance(outcome, edges.Done):
        return outcome
    entry = outcome.value
    messages.success(request, f"Costs for {entry.period_start:%B %Y} recorded.")
    return redirect(f"{here}#costs")


def _record_measurement(request: HttpRequest, use_case: UseCase, form: KPIActualForm,
                        here: str) -> HttpResponse | None:
    """Record through the service: a redirect when recorded or refused, else None with the errors on ``form``."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    kpi = data["kpi"]
    kpi.use_case = use_case
    outcome = edges.perform(request, form, lambda: services.kpi_actual_record(
        kpi=kpi, actor=request.user, measured_on=data["measured_on"], value=data["value"], note=data["note"]),
        back=here)
    if not isinstance(outcome, edges.Done):
        return outcome
    actual = outcome.value
    messages.success(request, f"Measurement recorded: {kpi.name} {actual.value.normalize():f}"
                              f"{(' ' + kpi.unit) if kpi.unit else ''} on {actual.measured_on:%d %b %Y}.")
    return redirect(here)


def _record_kpi_value(request: HttpRequest, use_case: UseCase, form: KPIValueForm,
                     here: str) -> HttpResponse | None:
    """Record through the service: a redirect when recorded or refused, else None with the errors on ``form``."""
    if not form.is_valid():
        return None
    kpi = form.cleaned_data["kpi"]
    kpi.use_case = use_case
    outcome = edges.perform(request, form, lambda: value_services.kpi_value_set(
        kpi=kpi, actor=request.user, data=form.value_data()), back=here)
    if not isinstance(outcome, edges.Done):
        return outcome
    messages.success(request, f"Measurement and value of {kpi.name} saved.")
    return redirect(f"{here}#kpis")


@require_http_methods(["GET", "POST"])
def kpis(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, facts = fetch(request, reference)
    here = page_url("kpis", use_case)
    measurement_form = cost_form = value_form = None
    if request.method == "POST":
        if request.POST.get("form") == "cost":
            cost_form = CostForm(request.POST, prefix="cost")
            response = _record_cost(request, use_case, cost_form, here)
        elif request.POST.get("form") == "kpi_value":
            value_form = KPIValueForm(request.POST, kpis=_kpis(use_case), prefix="value")
            response = _record_kpi_value(request, use_case, value_form, here)
        else:
            measurement_form = KPIActualForm(request.POST, kpis=_kpis(use_case), prefix="actual")
            response = _record_measurement(request, use_case, measurement_form, here)
        if response:
            return response
    progress = selectors.kpi_progress(use_case)
    costs = list(CostEntry.objects.filter(use_case=use_case).order_by("-period_start", "category"))
    totals = CostEntry.objects.filter(use_case=use_case).aggregate(budget=Sum("budget"), actual=Sum("actual"))
    context = page_base(use_case, facts, request, "kpis") | {
        "progress": [
            {"p": p, "bar": max(0, min(100, p.progress_pct)) if p.progress_pct is not None else None}
            for p in progress
        ],
        "met_count": sum(1 for p in progress if p.met),
        "costs": [{"entry": c, "variance": c.actual - c.budget} for c in costs],
        "totals": totals,
        "total_variance": (totals["actual"] or 0) - (totals["budget"] or 0),
        "value_panel": value_selectors.value_panel(use_case),
    }
    if context["can_manage"]:
        context["measurement_form"] = measurement_form or KPIActualForm(kpis=_kpis(use_case), prefix="actual")
        context["cost_form"] = cost_form or CostForm(prefix="cost")
        context["value_form"] = value_form or KPIValueForm(kpis=_kpis(use_case), prefix="value")
    return render(request, "reviews/kpis.html", context)


# ---------------------------------------------------------------- incidents


def _incident_saved(request: HttpRequest, incident: Incident, *, reported: bool) -> None:
    verb = "reported" if reported else "updated"
    text = f"Incident {verb}: S{incident.severity} {incident.title}."
    if incident.severity == 1:
        text += " Severity 1: the executive sponsor and governance admins are being emailed."
    messages.success(request, text)


@require_http_methods(["GET", "POST"])
def incidents(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, facts = fetch(request, reference)
    here = page_url("incidents", use_case)
    form = None
    if request.method == "POST":
        form = IncidentForm(request.POST)
        if form.is_valid():
            outcome = edges.perform(request, form, lambda: services.incident_report(
                use_case=use_case, actor=request.user, data=form.incident_data()), back=here)
            if isinstance(outcome, edges.Done):
                _incident_saved(request, outcome.value, reported=True)
                return redirect(here)
            if outcome:
                return outcome
    rows = list(selectors.incidents_for(use_case))
    context = page_base(use_case, facts, request, "incidents") | {
        "incidents": rows,
        "open_count": sum(1 for i in rows if i.status in OPEN_INCIDENT_STATUSES),
        "severity_labels": SEVERITY_LABELS,
    }
    if context["can_manage"]:
        context["form"] = form or IncidentForm()
    return render(request, "reviews/incidents.html", context)


@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    use_case, facts = fetch(request, reference)
    incident = get_object_or_404(Incident.objects.select_related("reported_by", "owner"), pk=pk, use_case=use_case)
    here = page_url("incident_edit", use_case, incident.pk)
    can_manage = can(request, MANAGE, use_case, facts)
    form = None
    if request.method == "POST":
        form = IncidentForm(request.POST)
        if form.is_valid():
            incident.use_case = use_case
            outcome = edges.perform(request, form, lambda: services.incident_update(
                incident=incident, actor=request.user, data=form.incident_data()), back=here)
            if isinstance(outcome, edges.Done):
                _incident_saved(request, outcome.value, reported=False)
                return redirect(page_url("incidents", use_case))
            if outcome:
                return outcome
    elif can_manage:
        form = IncidentForm(initial=IncidentForm.initial_for(incident))
    context = page_base(use_case, facts, request, "incidents") | {
        "incident": incident, "form": form, "severity_labels": SEVERITY_LABELS,
    } | incident_review.review_context(request, incident, can_manage=can_manage)
    return render(request, "reviews/incident_edit.html", context)
