"""The gate page and the stage-gate decision, posted from it or from the Gate panel of the use-case page.

The gate page shows the criteria, the stage timeline and the form for whoever decides.
A refused scale shows it with every unmet criterion and the form as typed; so do bad input
and a gate the lifecycle does not allow now (a draft, a stopped use case), with the reason.
Any other refusal is a message on the use-case page. Success goes back to the use-case page with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core import edges
from core.errors import InvalidTransition
from intake import selectors as intake_selectors
from intake.models import UseCase
from reviews import services
from reviews.panels import gate_context, gate_form

from .common import detail_url, fetch


@require_http_methods(["GET", "POST"])
def gate(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, facts = fetch(request, reference, intake_selectors.use_case_detail(queryset=UseCase.objects.all()))
    back = detail_url(use_case)
    if request.method != "POST":
        return render(request, "reviews/gate.html", gate_context(request, use_case, facts))
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
        except (ValidationError, InvalidTransition) as exc:
            # Shown with the gate, which says where the use case stands (and, closed, why).
            edges.attach(form, exc)
        except edges.REFUSALS as exc:
            edges.report(request, exc)
            return redirect(back)
        else:
            messages.success(
                request,
                f"Gate decided: {decision.get_outcome_display()}. {use_case.reference} moved from "
                f"{decision.get_from_stage_display()} to {decision.get_to_stage_display()}.",
            )
            return redirect(back)
    context = gate_context(request, use_case, facts, form=form, refusal=refusal)
    return render(request, "reviews/gate.html", context, status=200)


@require_http_methods(["POST"])
def gate_reviews_request(request: HttpRequest, reference: str) -> HttpResponse:
    """"Ask for the gate reviews" from the Gate panel: the service opens them or says why not."""
    use_case, _facts = fetch(request, reference)
    try:
        opened = services.gate_reviews_request(use_case=use_case, actor=request.user)
    except edges.REFUSALS as exc:
        edges.report(request, exc)
    else:
        names = ", ".join(review.get_function_display() for review in opened)
        messages.success(request, f"Gate reviews asked for: {names}. The gate waits for their decisions.")
    return redirect(detail_url(use_case, "gate"))
