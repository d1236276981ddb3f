"""The readiness page: the scorecard, the independent reviews of areas scored 1, and the gap-closure
plan a Moderate result needs. Evidence services decide who records; the forms follow them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core import edges
from intake import permissions
from reviews import selectors, services
from reviews.forms import SCORE_MEANINGS, GapPlanForm, ReadinessForm, SignoffForm

from .common import fetch, page_url
from .evidence import error_items, page_base

# ---------------------------------------------------------------- readiness


@require_http_methods(["GET", "POST"])
def readiness(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, facts = fetch(request, reference)
    here = page_url("readiness", use_case)
    summary = selectors.readiness_summary(use_case)
    form = scorecard_form(summary, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        scores, notes, reviews = form.changes({area.id: score for area, score in summary.rows if score})
        if not scores:
            messages.info(request, "Nothing changed.")
            return redirect(here)
        outcome = edges.perform(request, form, lambda: services.readiness_record(
            use_case=use_case, actor=request.user, scores=scores, notes=notes, explicit_reviews=reviews),
            back=here, field_for=ReadinessForm.field_for)
        if isinstance(outcome, edges.Done):
            saved = selectors.readiness_summary(use_case)
            where = f"Total {saved.total}/90" + (f", {saved.band.label.lower()}" if saved.band else "")
            messages.success(request, f"Readiness recorded for {len(scores)} "
                                      f"{'area' if len(scores) == 1 else 'areas'}. {where}.")
            return redirect(here)
        if outcome:
            return outcome
    return _readiness_page(request, use_case, facts, summary, form)


def _readiness_page(request, use_case, facts, summary, form, signoff: SignoffForm | None = None,
                    gap_form: GapPlanForm | None = None) -> HttpResponse:
    ones = [(area, score) for area, score in summary.rows if score is not None and score.score == 1]
    may_sign_off = bool(ones) and permissions.can_sign_off(request.user, use_case)
    plan = selectors.gap_plan(use_case, summary)
    base = page_base(use_case, facts, request, "readiness")
    if gap_form is None and plan.rows and base["can_manage"]:
        gap_form = GapPlanForm(initial=GapPlanForm.initial_for(plan.rows), gaps=plan.rows)
    context = base | {
        "plan": plan,
        "gap_form": gap_form,
        "error_items": error_items(form, form.rows(), "area", "area", ("score", "note", "review")),
        "summary": summary,
        "scored_count": sum(1 for _, score in summary.rows if score is not None),
        "form": form,
        "meanings": SCORE_MEANINGS,
        "ones": ones,
        "signoff": signoff or (SignoffForm(areas=[area for area, _ in ones]) if may_sign_off else None),
    }
    return render(request, "reviews/readiness.html", context)


def scorecard_form(summary, data=None) -> ReadinessForm:
    """The scorecard form, bound to ``data`` or showing what is saved, with the policy's critical areas."""
    kwargs = {"areas": [area for area, _ in summary.rows], "critical": selectors.critical_area_ids(summary.policy),
              "critical_minimum": summary.policy.critical_minimum}
    if data is not None:
        return ReadinessForm(data, **kwargs)
    return ReadinessForm(initial=ReadinessForm.initial_for(summary.rows), **kwargs)


@require_http_methods(["POST"])
def gap_plan(request: HttpRequest, reference: str) -> HttpResponse:
    """The gap-closure plan: an action, owner and date for each area below 4 (who records evidence)."""
    use_case, facts = fetch(request, reference)
    here = page_url("readiness", use_case) + "#gap-plan"
    summary = selectors.readiness_summary(use_case)
    plan = selectors.gap_plan(use_case, summary)
    gap_form = GapPlanForm(request.POST, gaps=plan.rows)
    if gap_form.is_valid():
        outcome = edges.perform(request, gap_form, lambda: services.gap_plan_record(
            use_case=use_case, actor=request.user, items=gap_form.items()), back=here, field_for=GapPlanForm.field_for)
        if isinstance(outcome, edges.Done):
            messages.success(request, "Gap-closure plan recorded.")
            return redirect(here)
        if outcome:
            return outcome
    form = scorecard_form(summary)
    return _readiness_page(request, use_case, facts, summary, form, gap_form=gap_form)


@require_http_methods(["POST"])
def readiness_signoff(request: HttpRequest, reference: str) -> HttpResponse:
    """An independent review of an area scored 1 (review functions and governance admins)."""
    use_case, facts = fetch(request, reference)
    here = page_url("readiness", use_case)
    summary = selectors.readiness_summary(use_case)
    ones = [area for area, score in summary.rows if score is not None and score.score == 1]
    signoff = SignoffForm(request.POST, areas=ones)
    if signoff.is_valid():
        data = signoff.cleaned_data
        outcome = edges.perform(request, signoff, lambda: services.readiness_signoff(
            use_case=use_case, actor=request.user, area=data["area"], review=data["review"]), back=here)
        if isinstance(outcome, edges.Done):
            messages.success(request, f"Independent review recorded for {signoff.area_name()}.")
            return redirect(here)
        if outcome:
            return outcome
    form = scorecard_form(summary)
    return _readiness_page(request, use_case, facts, summary, form, signoff)
