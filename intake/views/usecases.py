"""Use-case pages: list, detail, the intake form, submit, tier override, pilot selection.

Every read goes through ``intake.permissions`` (lists are filtered there,
single use cases 404 when not visible) and every write through one service,
which checks its own permission; a refusal reaches the page through
``core.edges``. Submitting, changing answers and overriding the tier open
reviews, so those services and the panels of the page are the review
workflow's: pages are edges, and edges may call any app.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance.views import coverage_panel
from core import edges
from intake import lifecycle, permissions, selectors, services
from intake.choices import TIER_DRIVING_CHOICES, RiskTier, Status, TierDrivingField
from intake.forms import (
    FORM_FIELDS,
    LABELS,
    RADIO_WITH_NONE_FIELDS,
    SECTIONS,
    PilotSelectionForm,
    TierOverrideForm,
    UseCaseForm,
    kpi_formset,
    user_label,
)
from intake.models import KPI, PILOT_CRITERIA, UseCase
from intake.pagination import CountedPaginator
from intake.permissions import Action
from reviews import panels as review_panels
from reviews import selectors as review_selectors
from reviews import services as workflow

from .raci import raci_grid_context

PAGE_SIZE = 25
# Column headings are the models' own labels (verbose_name), as in the admin and the API schema.
LIST_COLUMNS = ("reference", "title", "business_unit", "status", "stage", "risk_tier", "updated_at")
KPI_COLUMNS = ("name", "category", "unit", "baseline", "target", "direction")


def _labels(model, names) -> dict[str, str]:
    return {name: capfirst(model._meta.get_field(name).verbose_name) for name in names}
USER_FIELDS = ("business_owner", "delivery_owner", "executive_sponsor")
# Timeline kinds whose label is not their key in words.
EVENT_LABELS = {"raci_changed": "RACI changed"}
LONG_TEXT_FIELDS = ("summary", "problem_statement", "outcome_constraints", "data_sources", "integrations")


# ---------------------------------------------------------------- helpers


def _tier_label(value: str | None) -> str:
    if not value:
        return ""
    try:
        return RiskTier(value).label
    except ValueError:
        return value


def _detail_url(use_case: UseCase) -> str:
    return reverse("intake:detail", args=[use_case.reference])


def _attach_errors(exc: Exception, form, formset) -> None:
    """Put a service's refusal next to the fields it names; KPI problems above the KPI rows."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict") and formset is not None:
        kpis = exc.error_dict.pop("kpis", None)
        if kpis is not None:
            formset.non_form_errors().extend(ValidationError(kpis).messages)
        if not exc.error_dict:
            return
    edges.attach(form, exc, labels=LABELS)


def _error_summary(form, kpi_errors, formset) -> list[dict[str, str]]:
    items = [
        {"anchor": f"field-{name}", "label": LABELS.get(name, name), "message": form.errors[name][0]}
        for name in FORM_FIELDS
        if name in form.errors
    ]
    items += [{"anchor": "", "label": "", "message": m} for m in form.non_field_errors()]
    kpi_messages = list(kpi_errors)
    if not kpi_messages and any(formset.errors):
        kpi_messages = ["Correct the highlighted KPI rows."]
    items += [{"anchor": "kpis", "label": "KPIs", "message": m} for m in kpi_messages]
    return items


def _render_form(
    request: HttpRequest, *, form: UseCaseForm, formset, use_case: UseCase | None, submitting: bool = False
) -> HttpResponse:
    kpi_errors = list(formset.non_form_errors())
    display_formset = formset
    if formset.is_bound and not formset.management_form.is_valid():
        # Tampered or missing management data: show fresh rows, keep the error.
        display_formset = kpi_formset(instance=form.instance)
    summary = _error_summary(form, kpi_errors, display_formset)
    sections = [
        {"anchor": anchor, "title": title, "intro": intro, "fields": [form[name] for name in names]}
        for anchor, title, intro, names in SECTIONS
    ]
    context = {
        "form": form,
        "formset": display_formset,
        "kpi_errors": kpi_errors,
        "sections": sections,
        "use_case": use_case,
        "needed_to_submit": services.REQUIRED_FOR_SUBMIT,
        "error_summary": summary,
        "submit_blocked": submitting and bool(summary),
        "can_submit": use_case is None or _may_submit(request.user, use_case),
    }
    return render(request, "intake/form.html", context)


def _answer(use_case: UseCase, name: str) -> dict[str, Any]:
    field = UseCase._meta.get_field(name)
    value = getattr(use_case, name)
    kind = "long" if name in LONG_TEXT_FIELDS else "text"
    if name == "vendors":
        # The status as it stands today ("approval expired" once the approval has lapsed), as the
        # gate panel and admin show it; the detail queryset prefetches vendors, so no query per vendor.
        value = ", ".join(vendor.name_with_status() for vendor in value.all()) or "None named"
    elif field.many_to_many:
        value = ", ".join(str(item) for item in value.all()) or "None named"
    elif field.is_relation:
        if value is not None:
            value = user_label(value) if name in USER_FIELDS else str(value)
    elif field.choices:
        blank_is_answer = name in RADIO_WITH_NONE_FIELDS
        value = getattr(use_case, f"get_{name}_display")() if value or blank_is_answer else None
    elif isinstance(value, bool):
        value = "Yes" if value else "No"
    elif name == "target_release":
        kind = "date"
    if value in ("", None):
        value = None
    return {"name": name, "label": LABELS.get(name, name), "value": value, "kind": kind}


_MATCH = re.compile(r"^(?P<field>\w+)=(?P<value>.*) \((?P<points>\d+)\)$")


def _pretty_match(text: str) -> str:
    """'data_classification=internal (1)' -> 'Data classification: Internal (1)'."""
    match = _MATCH.match(text)
    if not match or match["field"] not in TierDrivingField.values:
        return text
    field = match["field"]
    labels = dict(TIER_DRIVING_CHOICES[TierDrivingField(field)].choices)
    value = labels.get(match["value"], labels.get("" if match["value"] == "none" else match["value"], match["value"]))
    return f"{LABELS.get(field, TierDrivingField(field).label)}: {value} ({match['points']})"


def _tier_why(use_case: UseCase) -> dict[str, Any] | None:
    explanation = use_case.tier_explanation or {}
    if not explanation:
        return None
    return {
        "score": explanation.get("score", use_case.risk_score),
        "matrix_version": explanation.get("matrix_version")
        or (use_case.matrix_version.number if use_case.matrix_version else None),
        "score_tier": _tier_label(explanation.get("score_tier")),
        "score_tier_value": explanation.get("score_tier"),
        "dimensions": [
            {
                "name": d.get("name", d.get("key", "")),
                "points": d.get("points", 0),
                "matched": [_pretty_match(m) for m in d.get("matched", [])],
            }
            for d in explanation.get("dimensions", [])
        ],
        "thresholds": [
            {"tier": t.get("tier"), "label": _tier_label(t.get("tier")), "min_score": t.get("min_score")}
            for t in explanation.get("thresholds", [])
        ],
        "floors_applied": [
            {"name": f.get("name", ""), "minimum_tier": _tier_label(f.get("minimum_tier"))}
            for f in explanation.get("floors_applied", [])
        ],
    }


def _pilot(use_case: UseCase) -> dict[str, Any] | None:
    try:
        selection = use_case.pilot_selection
    except UseCase.pilot_selection.RelatedObjectDoesNotExist:
        return None
    form = PilotSelectionForm()
    return {
        "total": selection.total,
        "max": 3 * len(PILOT_CRITERIA),
        "strong": review_selectors.strong_candidate(selection.total),
        "note": selection.note,
        "scored_at": selection.scored_at,
        "scores": [(form.fields[key].label, getattr(selection, key)) for key in PILOT_CRITERIA],
    }


def _fetch_for_detail(request: HttpRequest, reference: str) -> UseCase:
    return permissions.use_case_for(request.user, reference, selectors.use_case_detail(queryset=UseCase.objects.all()))


# What the review workflow shows on this page, in order; each returns None or {"template": ..., "context": ...}.
PANELS = (review_panels.gate_panel, review_panels.between_gates_panel, review_panels.remediation_panel,
          review_panels.artefacts_panel,
          review_panels.reviews_panel, review_panels.evidence_panel, coverage_panel, review_panels.discussion_panel)


def _panels(request: HttpRequest, use_case: UseCase, facts: permissions.Facts) -> list[dict[str, Any]]:
    rendered = (panel(request=request, use_case=use_case, facts=facts) for panel in PANELS)
    return [panel for panel in rendered if panel]


def _may_submit(user, use_case: UseCase, facts: permissions.Facts | None = None) -> bool:
    """Whether to offer Submit: the permission, and a status the lifecycle submits from."""
    return lifecycle.allows_status(use_case, Status.SUBMITTED) and permissions.can(
        user, Action.SUBMIT, use_case, facts=facts)


def _render_detail(
    request: HttpRequest, use_case: UseCase, *, override_form: TierOverrideForm | None = None
) -> HttpResponse:
    user = request.user
    # One bulk fetch of what this user may do here, shared by every check.
    facts = permissions.permission_facts(user, [use_case])[use_case.id]

    def allowed(action: Action) -> bool:
        return permissions.can(user, action, use_case, facts=facts)

    # The override form shows once there is a computed tier (or to show why a POST failed).
    can_override = allowed(Action.OVERRIDE_TIER) and (use_case.computed_tier is not None or override_form is not None)
    if can_override and override_form is None:
        override_form = TierOverrideForm(initial={"tier": use_case.tier_override or use_case.computed_tier})
    category = use_case.eu_ai_act_category
    events = list(use_case.events.all())
    for event in events:
        event.kind_label = EVENT_LABELS.get(event.kind) or event.kind.replace("_", " ").capitalize()
    context = {
        "use_case": use_case,
        "sections": [
            {"anchor": anchor, "title": title, "answers": [_answer(use_case, name) for name in names]}
            for anchor, title, _intro, names in SECTIONS
        ],
        "why": _tier_why(use_case),
        "model_flags": selectors.model_flags(use_case),
        "computed_tier_label": _tier_label(use_case.computed_tier),
        "override_tier_label": _tier_label(use_case.tier_override),
        "obligations": list(selectors.eu_ai_act_obligations(category)) if category else [],
        "kpis": list(use_case.kpis.all()),
        "kpi_labels": _labels(KPI, KPI_COLUMNS),
        "events": events,
        "pilot": _pilot(use_case),
        "can_edit": allowed(Action.EDIT),
        "can_submit": _may_submit(user, use_case, facts),
        "can_override": can_override,
        "can_score_pilot": allowed(Action.SCORE_PILOT),
        "can_withdraw": allowed(Action.WITHDRAW) and lifecycle.allows_status(use_case, Status.WITHDRAWN),
        "can_manage_raci": allowed(Action.MANAGE_RACI),
        "raci": raci_grid_context(use_case),
        "override_form": override_form,
        "panels": _panels(request, use_case, facts),
    }
    return render(request, "intake/detail.html", context)


# ---------------------------------------------------------------- pages


@require_GET
def use_case_list(request: HttpRequest) -> HttpResponse:
    rows = permissions.visible_use_cases_page(request.user, selectors.use_case_list(queryset=UseCase.objects.all()))
    page = CountedPaginator(rows, PAGE_SIZE, count_of=permissions.visible_use_cases(request.user)).get_page(
        request.GET.get("page"))
    return render(request, "intake/list.html", {"page": page, "use_cases": page.object_list,
                                                "columns": _labels(UseCase, LIST_COLUMNS)})


@require_GET
def use_case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_detail(request, _fetch_for_detail(request, reference))


@require_http_methods(["GET", "POST"])
def use_case_new(request: HttpRequest) -> HttpResponse:
    return _intake_form(request, use_case=None)


@require_http_methods(["GET", "POST"])
def use_case_edit(request: HttpRequest, reference: str) -> HttpResponse:
    use_case = permissions.use_case_for(request.user, reference)
    # Not offering a form that can only be refused: the service's own reason, before any typing.
    decision = permissions.decide(request.user, Action.EDIT, use_case)
    if not decision:
        messages.info(request, decision.reason)
        return redirect(_detail_url(use_case))
    return _intake_form(request, use_case=use_case)


def _intake_form(request: HttpRequest, *, use_case: UseCase | None) -> HttpResponse:
    user = request.user
    instance = use_case if use_case is not None else UseCase()
    if request.method != "POST":
        form = UseCaseForm(instance=instance, user=user)
        formset = kpi_formset(instance=instance)
        if use_case is not None and request.GET.get("check"):
            missing = services.use_case_missing_fields(use_case, kpi_count=use_case.kpis.count())
            if missing:
                _attach_errors(ValidationError(missing), form, formset)
        return _render_form(
            request, form=form, formset=formset, use_case=use_case, submitting=bool(request.GET.get("check"))
        )

    submitting = request.POST.get("action") == "submit"
    form = UseCaseForm(request.POST, instance=instance, user=user)
    formset = kpi_formset(request.POST, instance=instance)
    form_valid = form.is_valid()
    formset_valid = formset.is_valid()
    if submitting and not (form_valid and formset_valid):
        _flag_missing_for_submit(form, formset, formset_valid=formset_valid)
    if form_valid and formset_valid:
        try:
            if submitting:
                # One transaction: a refused submit leaves nothing behind.
                with transaction.atomic():
                    saved = _save(user, use_case, form, formset)
                    saved = workflow.use_case_submit(use_case=saved, actor=user)
            else:
                saved = _save(user, use_case, form, formset)
        except edges.REFUSALS as exc:
            _attach_errors(exc, form, formset)
        else:
            if submitting:
                messages.success(
                    request,
                    f"{saved.reference} submitted for review. Risk tier: {saved.get_risk_tier_display()}.",
                )
            else:
                messages.success(request, "Draft saved")
            return redirect(_detail_url(saved))
    return _render_form(request, form=form, formset=formset, use_case=use_case, submitting=submitting)


def _flag_missing_for_submit(form: UseCaseForm, formset, *, formset_valid: bool) -> None:
    """On a refused submit, also list what is still missing, not only what is invalid.

    ``form.instance`` carries every valid answer (Django copies them in during
    validation), so the services' own rule says what a submit would still lack.
    """
    kpi_count = len(formset.rows()) if formset_valid else 1  # invalid rows already have their errors
    missing = services.use_case_missing_fields(form.instance, kpi_count=kpi_count)
    extra = {key: msg for key, msg in missing.items() if key not in form.errors}
    if extra:
        _attach_errors(ValidationError(extra), form, formset)


def _save(user, use_case: UseCase | None, form: UseCaseForm, formset) -> UseCase:
    if use_case is None:
        return services.use_case_create(
            actor=user,
            business_unit=form.cleaned_data["business_unit"],
            answers=form.answers(),
            kpis=formset.rows(),
        )
    return workflow.use_case_update(use_case=use_case, actor=user, answers=form.answers(), kpis=formset.rows())


@require_POST
def use_case_submit(request: HttpRequest, reference: str) -> HttpResponse:
    use_case = permissions.use_case_for(request.user, reference)
    try:
        use_case = workflow.use_case_submit(use_case=use_case, actor=request.user)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            edges.report(request, exc)
            return redirect(_detail_url(use_case))
        count = len(exc.message_dict)
        messages.error(request, f"{use_case.reference} cannot be submitted yet: {count} "
                                f"{'answer needs' if count == 1 else 'answers need'} attention.")
        return redirect(reverse("intake:edit", args=[use_case.reference]) + "?check=1#errors")
    except edges.REFUSALS as exc:
        edges.report(request, exc)
        return redirect(_detail_url(use_case))
    messages.success(
        request, f"{use_case.reference} submitted for review. Risk tier: {use_case.get_risk_tier_display()}."
    )
    return redirect(_detail_url(use_case))


@require_POST
def use_case_override_tier(request: HttpRequest, reference: str) -> HttpResponse:
    use_case = _fetch_for_detail(request, reference)
    form = TierOverrideForm(request.POST)
    if form.is_valid():
        try:
            updated = workflow.use_case_override_tier(
                use_case=use_case,
                actor=request.user,
                tier=form.cleaned_data["tier"],
                justification=form.cleaned_data["justification"],
            )
        except ValidationError as exc:
            _attach_errors(exc, form, None)
        except edges.REFUSALS as exc:
            edges.report(request, exc)
            return redirect(_detail_url(use_case))
        else:
            messages.success(request, f"Tier of {updated.reference} set to {updated.get_risk_tier_display()}.")
            return redirect(_detail_url(updated))
    return _render_detail(request, use_case, override_form=form)


@require_http_methods(["GET", "POST"])
def use_case_pilot_selection(request: HttpRequest, reference: str) -> HttpResponse:
    use_case = permissions.use_case_for(
        request.user, reference, UseCase.objects.select_related("pilot_selection", "business_unit")
    )
    if request.method == "GET" and not permissions.can(request.user, Action.SCORE_PILOT, use_case):
        raise Http404("No such use case.")  # the scoring page is only for those who score
    try:
        existing = use_case.pilot_selection
    except UseCase.pilot_selection.RelatedObjectDoesNotExist:
        existing = None
    if request.method == "POST":
        form = PilotSelectionForm(request.POST)
        if form.is_valid():
            try:
                selection = services.pilot_selection_record(
                    use_case=use_case, actor=request.user, scores=form.scores(), note=form.cleaned_data["note"]
                )
            except edges.REFUSALS as exc:
                _attach_errors(exc, form, None)
            else:
                strong = " (strong candidate)" if review_selectors.strong_candidate(selection.total) else ""
                messages.success(
                    request, f"Pilot-selection score recorded: {selection.total}/{3 * len(PILOT_CRITERIA)}{strong}."
                )
                return redirect(_detail_url(use_case))
    else:
        initial = {}
        if existing is not None:
            initial = {key: getattr(existing, key) for key in PILOT_CRITERIA} | {"note": existing.note}
        form = PilotSelectionForm(initial=initial)
    return render(
        request,
        "intake/pilot_selection.html",
        {"use_case": use_case, "form": form, "existing": existing, "max_total": 3 * len(PILOT_CRITERIA),
         "policy": review_selectors.policy_in_force()},
    )


@require_POST
def use_case_withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    use_case = permissions.use_case_for(request.user, reference)
    try:
        services.use_case_withdraw(use_case=use_case, actor=request.user, reason=request.POST.get("reason", ""))
    except edges.REFUSALS as exc:
        edges.report(request, exc)
    else:
        messages.success(request, f"{use_case.reference} withdrawn.")
    return redirect(_detail_url(use_case))
