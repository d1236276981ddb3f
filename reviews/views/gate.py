"""The stage-gate decision, posted from the Gate panel of the use-case page.

A refused scale shows the gate page: every unmet criterion and the form as
typed. Success goes back to the use-case page with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from intake import selectors as intake_selectors
from intake.models import UseCase
from intake.permissions import Action
from reviews import services
from reviews.panels import gate_context, gate_form

from .common import attach_errors, denied, detail_url, fetch, refuse


@require_http_methods(["GET", "POST"])
def gate(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, facts = fetch(request, reference, intake_selectors.use_case_detail(queryset=UseCase.objects.all()))
    # The Gate panel is the first thing on the use-case page, just under the messages.
    back = detail_url(use_case)
    if request.method != "POST":
        return redirect(detail_url(use_case, "gate"))
    if refused := refuse(request, Action.DECIDE_GATE, use_case, facts, back):
        return refused
    form = gate_form(use_case, request.POST)
    refusal: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.gate_decide(
                use_case=use_case, actor=request.user, outcome=data["outcome"], rationale=data["rationale"],
                to_stage=data.get("to_stage") or "", redesign_note=data.get("redesign_note") or "",
            )
        except services.GateRefused as exc:
            refusal = list(exc.unmet)
        except PermissionDenied as exc:
            return denied(request, exc, Action.DECIDE_GATE, use_case, back)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                f"Gate decided: {decision.get_outcome_display()}. {use_case.reference} moved from "
                f"{decision.get_from_stage_display()} to {decision.get_to_stage_display()}.",
            )
            return redirect(back)
    context = gate_context(request, use_case, facts, form=form, refusal=refusal)
    return render(request, "reviews/gate.html", context, status=200)
