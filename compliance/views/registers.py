"""The obligation registers: a use case's and the organisation's, and the changes made on them.

Reads go through ``compliance.permissions`` (the unseen 404s); every write is one service call, which checks its
own permission. A refused change comes back on the page it was made from, at the field, with what was typed.
Each page runs a constant number of queries, whatever the number of obligations or pieces of evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from config.downloads import attachment
from core import edges, roles
from intake.models import UseCase, UseCaseEvent
from reviews.views.common import fetch, first_errors
from reviews.views.discussion import UploadSizeLimit, file_size_words, upload_limit  # one size limit

from .. import permissions, selectors, services
from ..choices import EvidenceKind, ObligationStatus
from ..forms import STATUS_FIELD_FOR, ObligationLinkForm, ObligationStatusForm, ObligationUploadForm
from ..models import GATE_STAGES, Framework, Obligation, ObligationEvidence

GATE_LABELS = dict(GATE_STAGES)
STATUS_BADGES = {
    ObligationStatus.NOT_STARTED: "badge-miss",
    ObligationStatus.IN_PROGRESS: "badge-review-in_progress",
    ObligationStatus.MET: "badge-good",
    ObligationStatus.NOT_APPLICABLE: "badge-neutral",
    ObligationStatus.RISK_ACCEPTED: "badge-review-approved_with_conditions",
}
# The page of a linked record, by its model (``app_label.model``); a vendor rating has none outside the admin.
RECORD_PAGES = {
    "reviews.review": lambda use_case, pk: reverse("reviews:reviews", args=[use_case.reference]),
    "reviews.readinessscore": lambda use_case, pk: reverse("reviews:readiness", args=[use_case.reference]),
    "reviews.checklistentry": lambda use_case, pk: reverse("reviews:checklist", args=[use_case.reference]),
    "reviews.risk": lambda use_case, pk: reverse("reviews:risk_edit", args=[use_case.reference, pk]),
    "reviews.evidence": lambda use_case, pk: reverse("reviews:evidence_download", args=[pk]),
}


@dataclass(frozen=True)
class Bound:
    """A form posted for one obligation that came back refused: the page shows it, with its errors, in place."""

    obligation: int
    kind: str  # "status", "upload" or "link"
    form: forms.Form


@dataclass
class FrameworkGroup:
    framework: Framework
    obligations: list[Obligation]
    coverage: selectors.FrameworkCoverage | None = None


# ---------------------------------------------------------------- presentation


def _name(obligation: Obligation) -> str:
    return f"{obligation.requirement.framework.name} {obligation.requirement.identifier}"


def _page_url(obligation: Obligation) -> str:
    if obligation.use_case_id is None:
        return reverse("compliance:organisation")
    return reverse("compliance:use_case", args=[obligation.use_case.reference])


def _back(obligation: Obligation) -> str:
    return f"{_page_url(obligation)}#obligation-{obligation.pk}"


def _record_url(use_case: UseCase | None, model: str, pk: int) -> str:
    page = RECORD_PAGES.get(model)
    return page(use_case, pk) if page and use_case is not None else ""


def _model(content_type) -> str:
    return f"{content_type.app_label}.{content_type.model}" if content_type else ""


def _evidence_rows(obligation: Obligation, suggested: dict[tuple[int, int], selectors.Suggestion]) -> list[dict]:
    """Each piece of evidence with its state in words: the suggestion's (the record as the crosswalk reads it
    now), else what the record itself says."""
    rows = []
    for item in obligation.evidence.all():
        url, state, good = "", "", True
        if item.kind == EvidenceKind.UPLOAD and item.file:
            url, state = reverse("compliance:evidence_download", args=[item.pk]), "uploaded"
        elif item.record_id is not None:
            model = _model(item.record_type)
            url = _record_url(obligation.use_case, model, item.record_id)
            match = suggested.get((item.record_type_id, item.record_id))
            record = item.record
            if match is not None:
                state, good = match.state, match.good
            elif record is None:
                state, good, url = "the record no longer exists", False, ""
            elif model == "reviews.evidence":
                state, good = ("rejected", False) if record.rejected_at else ("uploaded", True)
            else:
                state, good = "no longer the current record", False
        rows.append({"evidence": item, "url": url, "state": state, "good": good})
    return rows


def _decorate(obligations: list[Obligation], *, may_work: bool, bound: Bound | None,
              suggestions: dict[int, list[selectors.Suggestion]] | None = None) -> None:
    """What the register template reads from each obligation; no query per obligation."""
    today = timezone.localdate()
    items = [item for obligation in obligations for item in obligation.evidence.all()]
    prefetch_related_objects(items, "added_by")
    prefetch_related_objects([item for item in items if item.record_id], "record")  # a query per kind of record
    for obligation in obligations:
        requirement = obligation.requirement
        mine = bound if bound is not None and bound.obligation == obligation.pk else None
        offered = (suggestions or {}).get(obligation.pk, [])
        obligation.satisfied = selectors.is_satisfied(obligation, today)
        obligation.badge = STATUS_BADGES.get(obligation.status, "badge-neutral")
        obligation.gate_label = GATE_LABELS.get(requirement.required_before, "")
        obligation.future = requirement.applies_from if requirement.applies_from and \
            requirement.applies_from > today else None
        obligation.acceptance_expired = (obligation.status == ObligationStatus.RISK_ACCEPTED
                                         and not obligation.satisfied)
        obligation.suggestions = [
            {"suggestion": s, "url": _record_url(obligation.use_case, s.record_type, s.record.pk)} for s in offered]
        obligation.rows = _evidence_rows(obligation, {(s.content_type.pk, s.record.pk): s for s in offered})
        obligation.refused = mine
        obligation.may_work = may_work
        obligation.status_form = obligation.upload_form = obligation.link_form = None
        if may_work:
            obligation.status_form = mine.form if mine and mine.kind == "status" else \
                ObligationStatusForm(obligation=obligation)
            obligation.upload_form = mine.form if mine and mine.kind == "upload" else \
                ObligationUploadForm(obligation=obligation)
            obligation.link_form = mine.form if mine and mine.kind == "link" else None


def _groups(obligations: list[Obligation],
            coverage: list[selectors.FrameworkCoverage] | None = None) -> list[FrameworkGroup]:
    by_framework: dict[int, FrameworkGroup] = {}
    for obligation in obligations:
        framework = obligation.requirement.framework
        group = by_framework.setdefault(framework.pk, FrameworkGroup(framework, []))
        group.obligations.append(obligation)
    for row in coverage or []:
        if row.framework.pk in by_framework:
            by_framework[row.framework.pk].coverage = row
    return list(by_framework.values())


def _refused_on_page(request: HttpRequest, register: list[Obligation], bound: Bound | None) -> Obligation | None:
    """The obligation whose form came back refused; one the register no longer lists (it stopped applying)
    has nowhere to show its form, so its errors become a message."""
    refused = next((o for o in register if o.refused), None)
    if bound is not None and refused is None:
        messages.error(request, f"Nothing was saved. {first_errors(bound.form)}")
    return refused


def _may_work_on(user, use_case: UseCase | None) -> bool:
    """Whether the register's forms are offered: every obligation of one register has the same people."""
    return permissions.can_work(user, Obligation(use_case=use_case))


# ---------------------------------------------------------------- the use case's register


def _use_case_page(request: HttpRequest, use_case: UseCase, *, bound: Bound | None = None) -> HttpResponse:
    register = selectors.use_case_register(use_case)
    coverage = selectors.coverage(use_case, register)
    suggestions = selectors.register_suggestions(use_case, register)
    for obligation in register:
        obligation.use_case = use_case  # the page's, not one fetched per obligation
    may_work = _may_work_on(request.user, use_case)
    _decorate(register, may_work=may_work, bound=bound, suggestions=suggestions)
    organisation = selectors.organisation_register()
    _decorate(organisation, may_work=False, bound=None)
    changed = (UseCaseEvent.objects.filter(use_case=use_case, kind=services.CHANGED_EVENT)
               .order_by("-created_at", "-id").first())
    context = {
        "use_case": use_case,
        "current": "compliance",
        "can_manage": may_work,
        "coverage": coverage,
        "frameworks": _groups(register, coverage),
        "organisation": _groups(organisation),
        "changed": changed,
        "refused": _refused_on_page(request, register, bound),
    }
    return render(request, "compliance/use_case.html", context)


@require_GET
def use_case(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, _facts = fetch(request, reference)
    return _use_case_page(request, use_case)


# ---------------------------------------------------------------- the organisation's register


def _organisation_page(request: HttpRequest, *, bound: Bound | None = None) -> HttpResponse:
    register = selectors.organisation_register()
    may_work = roles.is_governance_admin(request.user)
    _decorate(register, may_work=may_work, bound=bound)
    coverage = selectors.framework_totals(Obligation.objects.filter(use_case__isnull=True))
    rows = {row.framework.pk: row for row in coverage}
    for obligation in register:
        if not obligation.satisfied and obligation.requirement.framework_id in rows:
            rows[obligation.requirement.framework_id].missing.append(obligation)
    context = {
        "may_work": may_work,
        "coverage": coverage,
        "frameworks": _groups(register, coverage),
        "refused": _refused_on_page(request, register, bound),
    }
    return render(request, "compliance/organisation.html", context)


@require_GET
def organisation(request: HttpRequest) -> HttpResponse:
    return _organisation_page(request)


# ---------------------------------------------------------------- writes


def _obligation_for(request: HttpRequest, pk: int) -> Obligation:
    """The obligation, 404 unless its register is visible to the user."""
    queryset = Obligation.objects.select_related("requirement__framework", "use_case")
    return get_object_or_404(permissions.visible_obligations(request.user, queryset), pk=pk)


def _show_again(request: HttpRequest, obligation: Obligation, bound: Bound) -> HttpResponse:
    """The page the form was posted from, with the refused form in place and nothing typed lost."""
    if obligation.use_case_id is None:
        return _organisation_page(request, bound=bound)
    use_case, _facts = fetch(request, obligation.use_case.reference)
    return _use_case_page(request, use_case, bound=bound)


def _refused(request: HttpRequest, obligation: Obligation, form: forms.Form, field: str | None,
             exc: Exception) -> HttpResponse | None:
    """A PermissionDenied at ``field`` when the user works this register (they may not take this step, as an
    accepted risk needs the gate's A); otherwise a message and back to the page (None: show the form again)."""
    if isinstance(exc, PermissionDenied) and permissions.can_work(request.user, obligation):
        form.add_error(field, edges.message_for(exc))
        return None
    edges.report(request, exc)
    return redirect(_back(obligation))


@require_POST
def obligation_status(request: HttpRequest, pk: int) -> HttpResponse:
    obligation = _obligation_for(request, pk)
    form = ObligationStatusForm(request.POST, obligation=obligation)
    if form.is_valid():
        try:
            changed = services.obligation_set_status(obligation=obligation, actor=request.user,
                                                     **form.service_input())
        except ValidationError as exc:
            edges.attach(form, exc, field_for=lambda key: STATUS_FIELD_FOR.get(key, key))
        except (PermissionDenied, Http404) as exc:
            if (outcome := _refused(request, obligation, form, "status", exc)) is not None:
                return outcome
        else:
            messages.success(request, f"{_name(changed)} is now {changed.get_status_display().lower()}.")
            return redirect(_back(changed))
    return _show_again(request, obligation, Bound(obligation.pk, "status", form))


@require_POST
def obligation_link(request: HttpRequest, pk: int) -> HttpResponse:
    obligation = _obligation_for(request, pk)
    form = ObligationLinkForm(request.POST, obligation=obligation)
    if form.is_valid():
        try:
            evidence = services.obligation_link(obligation=obligation, actor=request.user,
                                                record_type=form.cleaned_data["record_type"],
                                                record_id=form.cleaned_data["record_id"],
                                                note=form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)  # shown under the suggestions: there is no field
        except (PermissionDenied, Http404) as exc:
            edges.report(request, exc)
            return redirect(_back(obligation))
        else:
            messages.success(request, f"{evidence.label} linked as evidence of {_name(obligation)}.")
            return redirect(_back(obligation))
    else:
        form.errors.clear()
        form.add_error(None, "Link one of the records suggested for this requirement.")
    return _show_again(request, obligation, Bound(obligation.pk, "link", form))


@csrf_exempt  # the CSRF check runs in _upload, once the size limit is in place
@require_POST
def obligation_upload(request: HttpRequest, pk: int) -> HttpResponse:
    # Upload handlers can be changed only before the body is read, and the CSRF check reads it.
    limiter = UploadSizeLimit(request, upload_limit())
    request.upload_handlers.insert(0, limiter)
    try:
        return _upload(request, pk, limiter)
    except (RequestDataTooBig, TooManyFieldsSent):
        obligation = _obligation_for(request, pk)
        messages.error(request, "The upload was too large to read; nothing was uploaded.")
        return redirect(_back(obligation))


@csrf_protect
def _upload(request: HttpRequest, pk: int, limiter: UploadSizeLimit) -> HttpResponse:
    obligation = _obligation_for(request, pk)
    upload = request.FILES.get("file")  # reads the body (if the CSRF check has not), through the limit
    form = ObligationUploadForm(request.POST, obligation=obligation)
    valid = form.is_valid()
    if valid and limiter.too_large:
        form.add_error("file", f"{limiter.too_large} is larger than the {file_size_words(upload_limit())} limit.")
    elif valid:
        try:
            evidence = services.obligation_upload(obligation=obligation, actor=request.user, upload=upload,
                                                  note=form.cleaned_data["note"])
        except ValidationError as exc:
            edges.attach(form, exc)
        except (PermissionDenied, Http404) as exc:
            edges.report(request, exc)
            return redirect(_back(obligation))
        else:
            messages.success(request, f"{evidence.label} uploaded as evidence of {_name(obligation)}.")
            return redirect(_back(obligation))
    return _show_again(request, obligation, Bound(obligation.pk, "upload", form))


@require_POST
def evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    visible = permissions.visible_obligations(request.user)
    evidence = get_object_or_404(ObligationEvidence.objects.select_related(
        "obligation__requirement__framework", "obligation__use_case").filter(obligation__in=visible), pk=pk)
    obligation = evidence.obligation
    try:
        services.obligation_unlink(evidence=evidence, actor=request.user)
    except edges.REFUSALS as exc:
        edges.report(request, exc)
    else:
        messages.success(request, f"{evidence.label} is no longer evidence of {_name(obligation)}.")
    return redirect(_back(obligation))


@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """A file kept with an obligation (the organisation's register); 404 unless its register is visible."""
    visible = permissions.visible_obligations(request.user)
    evidence = ObligationEvidence.objects.filter(pk=pk, obligation__in=visible).exclude(file="").first()
    if evidence is None:
        raise Http404("No such evidence.")
    return attachment(evidence.file, filename=evidence.label)
