"""Accepting a risk over its threshold from the risk register page (the gate's A)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from core import edges
from reviews import selectors, services
from reviews.selectors.risk_gate import day

from .acceptance_form import RiskAcceptanceForm
from .common import fetch, page_url
from .evidence import risks_page


@require_http_methods(["POST"])
def risk_accept(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, facts = fetch(request, reference)
    here = page_url("risks", use_case) + "#accept-risk"
    risks = list(selectors.risks_for(use_case))
    form = RiskAcceptanceForm(request.POST, risks=[risk for risk in risks if risk.needs_escalation])
    if form.is_valid():
        risk = next(r for r in risks if r.pk == form.cleaned_data["risk"])
        outcome = edges.perform(request, form, lambda: services.risk_accept(
            risk=risk, actor=request.user, **form.service_input()), back=here)
        if isinstance(outcome, edges.Done):
            messages.success(request, f"Risk accepted until {day(outcome.value.expires_on)}: "
                                      f"{risk.get_area_display()} (score {risk.score}).")
            return redirect(page_url("risks", use_case))
        if outcome:
            return outcome
    return risks_page(request, use_case, facts, None, accept_form=form)

