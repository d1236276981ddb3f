"""The obligation registers: a use case's and the organisation's, and the changes made on them.

Reads go through ``compliance.permissions`` (the unseen 404s); every write is one service call, which checks its
own permission. A refused change comes back on the page it was made from, at the field, with what was typed.
Each page runs a constant number of queries, whatever the number of obligations or pieces of evidence.

A register lists every obligation read-only (with the one-button Link and Remove); the forms of one obligation
(upload, status, owner) open only when it is worked (``?work=<pk>``), so a high-risk case's page stays light.
A message about an obligation is shown inside it: the page opens there, at ``#obligation-<pk>``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from config.downloads import attachment
from core import edges
from intake.choices import ReviewFunction
from intake.models import UseCase, UseCaseEvent
from reviews.models import ArtefactType, ChecklistItem, ReadinessArea, RiskArea
from reviews.selectors import NEXT_STAGE
from reviews.views.common import fetch, first_errors
from reviews.views.discussion import UploadSizeLimit, file_size_words, upload_limit  # one size limit
from vendors.models import ChecklistArea

from .. import permissions, selectors, services
from ..choices import ControlKind, EvidenceKind, ObligationStatus
from ..forms import (
    STATUS_FIELD_FOR,
    ObligationLinkForm,
    ObligationOwnerForm,
    ObligationStatusForm,
    ObligationUploadForm,
    person_name,
)
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
# The filters of a register, by their ``show`` value; "next_gate" only where a gate lies ahead.
FILTERS = {"all": "All", "missing": "Missing", "next_gate": "Needed at the next gate"}
# Why a record in this state is not yet evidence that shows the requirement (``Suggestion.good`` False).
NOT_COUNTING = {
    ControlKind.REVIEW_FUNCTION: "does not count until approved",
    ControlKind.CHECKLIST_ITEM: "does not count until ready",
    ControlKind.READINESS_AREA: "does not count until scored 3 or more",
    ControlKind.RISK_AREA: "does not count while it needs escalation",
    ControlKind.VENDOR_AREA: "does not count until it meets",
    ControlKind.ARTEFACT_TYPE: "does not count while rejected",
}
# The crosswalk key a suggested record answers, by control kind (the fields ``compliance.controls`` reads).
RECORD_KEYS: dict[str, Callable] = {
    ControlKind.REVIEW_FUNCTION: lambda record: record.function,
    ControlKind.READINESS_AREA: lambda record: record.area.key,
    ControlKind.CHECKLIST_ITEM: lambda record: record.item.key,
    ControlKind.RISK_AREA: lambda record: record.area,
    ControlKind.ARTEFACT_TYPE: lambda record: record.artefact_type.key,
    ControlKind.VENDOR_AREA: lambda record: record.area.key,
}
# A crosswalk key's name in words: from its choices, or from its reference record (one query per kind).
KEY_CHOICES = {ControlKind.REVIEW_FUNCTION: dict(ReviewFunction.choices), ControlKind.RISK_AREA: dict(RiskArea.choices)}
KEY_MODELS = {ControlKind.READINESS_AREA: ReadinessArea, ControlKind.CHECKLIST_ITEM: ChecklistItem,
              ControlKind.ARTEFACT_TYPE: ArtefactType, ControlKind.VENDOR_AREA: ChecklistArea}


@dataclass(frozen=True)
class Bound:
    """A form posted for one obligation that came back refused: the page shows it, with its errors, in place."""

    obligation: int
    kind: str  # "status", "upload", "link" or "owner"
    form: forms.Form


@dataclass(frozen=True)
class Asked:
    """What the page was asked to show: a filter, and the obligation being worked (its forms open)."""

    show: str = "all"
    work: int | None = None


@dataclass(frozen=True)
class Filter:
    key: str
    label: str
    count: int
    url: str
    current: bool


@dataclass
class FrameworkGroup:
    framework: Framework
    obligations: list[Obligation]
    coverage: selectors.FrameworkCoverage | None = None


class Rights:
    """What the viewer may change on one register, asked of ``permissions.may_set`` once per kind of change (a
    gate decision or not), never once per obligation: every obligation of a register has the same people."""

    def __init__(self, user) -> None:
        self.user = user
        self._known: dict[bool, bool] = {}

    def may(self, obligation: Obligation, status: str = "") -> bool:
        gate = bool(status) and permissions.decides_the_gate(obligation, status)
        if gate not in self._known:
            self._known[gate] = permissions.may_set(self.user, obligation, status if gate else "")
        return self._known[gate]

    def statuses(self, obligation: Obligation) -> set[str]:
        return {status for status in ObligationStatus.values if self.may(obligation, status)}

    def any(self, obligation: Obligation) -> bool:
        return self.may(obligation) or self.may(obligation, ObligationStatus.RISK_ACCEPTED)


# ---------------------------------------------------------------- presentation


def _name(obligation: Obligation) -> str:
    return f"{obligation.requirement.framework.name} {obligation.requirement.identifier}"


def _tag(obligation: Obligation) -> str:
    """A message's extra tag: the obligation it is about, inside which the page shows it."""
    return f"obligation-{obligation.pk}"


def _page_url(obligation: Obligation) -> str:
    if obligation.use_case_id is None:
        return reverse("compliance:organisation")
    return reverse("compliance:use_case", args=[obligation.use_case.reference])


def _back(obligation: Obligation, *, work: bool = True) -> str:
    """The register at the obligation; still worked (its forms open) after a change made there."""
    query = f"?work={obligation.pk}" if work else ""
    return f"{_page_url(obligation)}{query}#obligation-{obligation.pk}"


def _record_url(use_case: UseCase | None, model: str, pk: int) -> str:
    page = RECORD_PAGES.get(model)
    return page(use_case, pk) if page and use_case is not None else ""


def _model(content_type) -> str:
    return f"{content_type.app_label}.{content_type.model}" if content_type else ""


def _evidence_rows(obligation: Obligation, suggested: dict[tuple[int, int], selectors.Suggestion]) -> list[dict]:
    """Each piece of evidence with its state in words: the suggestion's (the record as the crosswalk reads it
    now), else what the record itself says; and, when it does not count yet, why."""
    rows = []
    for item in obligation.evidence.all():
        url, state, good, hint = "", "", True, ""
        if item.kind == EvidenceKind.UPLOAD and item.file:
            url, state = reverse("compliance:evidence_download", args=[item.pk]), "uploaded"
        elif item.record_id is not None:
            model = _model(item.record_type)
            url = _record_url(obligation.use_case, model, item.record_id)
            match = suggested.get((item.record_type_id, item.record_id))
            record = item.record
            if match is not None:
                state, good = match.state, match.good
                hint = "" if good else NOT_COUNTING.get(match.control, "does not count yet")
            elif record is None:
                state, good, url, hint = "the record no longer exists", False, "", "does not count"
            elif model == "reviews.evidence":
                state, good = ("rejected", False) if record.rejected_at else ("uploaded", True)
                hint = "" if good else "does not count while rejected"
            else:
                state, good, hint = "no longer the current record", False, "does not count"
        rows.append({"evidence": item, "url": url, "state": state, "good": good, "hint": hint})
    return rows


def _key_names(wanted: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Each (control kind, key)'s name in words: one query per kind of reference record asked for."""
    keys: dict[str, set[str]] = defaultdict(set)
    for control, key in wanted:
        keys[control].add(key)
    names: dict[tuple[str, str], str] = {}
    for control, found in keys.items():
        if control in KEY_CHOICES:
            names.update({(control, key): str(KEY_CHOICES[control].get(key, key)) for key in found})
        elif control in KEY_MODELS:
            names.update({(control, key): name for key, name in
                          KEY_MODELS[control].objects.filter(key__in=found).values_list("key", "name")})
    return names


def _expected(obligations: list[Obligation], offered: dict[int, list[selectors.Suggestion]]) -> None:
    """``expected`` on each obligation: the crosswalk's controls with no record on the use case yet, so a
    missing artefact shows (the crosswalk was prefetched with the suggestions)."""
    missing: dict[int, list[tuple[str, str]]] = {}
    for obligation in obligations:
        answered = {(s.control, RECORD_KEYS[s.control](s.record)) for s in offered.get(obligation.pk, [])
                    if s.control in RECORD_KEYS}
        missing[obligation.pk] = [(entry.control, entry.key) for entry in obligation.requirement.crosswalk.all()
                                  if (entry.control, entry.key) not in answered]
    names = _key_names({pair for pairs in missing.values() for pair in pairs})
    labels = dict(ControlKind.choices)
    for obligation in obligations:
        obligation.expected = [{"control": labels.get(control, control), "name": names.get((control, key), key)}
                               for control, key in missing[obligation.pk]]


def _marks(obligations: list[Obligation]) -> None:
    """Who set each obligation's status and its justification, and when: the oldest history row of the latest
    run holding today's value (an owner's change keeps the run); without history, ``updated_by``/``updated_at``.
    Two queries, whatever the number of obligations."""
    rows = (Obligation.history.filter(id__in=[o.pk for o in obligations]).order_by("id", "-history_date", "-history_id")
            .values_list("id", "status", "justification", "history_date", "history_user_id"))
    history: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        history[row[0]].append(row[1:])
    found: dict[int, dict[str, tuple[int | None, datetime.datetime]]] = {}
    for obligation in obligations:
        marks: dict[str, tuple[int | None, datetime.datetime]] = {}
        runs = {"status": True, "justification": True}
        for status, justification, when, user_id in history[obligation.pk]:
            for name, value in (("status", status), ("justification", justification)):
                if runs[name] and value == getattr(obligation, name):
                    marks[name] = (user_id, when)
                else:
                    runs[name] = False
            if not any(runs.values()):
                break
        if "status" not in marks:
            marks["status"] = (obligation.updated_by_id, obligation.updated_at)
        if obligation.status == ObligationStatus.NOT_STARTED and not marks["status"][0]:
            del marks["status"]  # as the register opened: nobody set it
        found[obligation.pk] = marks
    people = get_user_model().objects.in_bulk({user_id for marks in found.values() for user_id, _when in
                                               marks.values() if user_id})
    for obligation in obligations:
        for name, prefix in (("status", "set"), ("justification", "justified")):
            user_id, when = found[obligation.pk].get(name, (None, None))
            person = people.get(user_id)
            setattr(obligation, f"{prefix}_by", person_name(person) if person else "")
            setattr(obligation, f"{prefix}_on", when)


def _people(obligation: Obligation) -> list:
    """Who may own the obligation, by name (``selectors.owner_choices``), and whoever owns it now (the select
    shows them even once they have left the RACI)."""
    ids = selectors.owner_choices(obligation) | ({obligation.owner_id} if obligation.owner_id else set())
    return list(get_user_model().objects.filter(pk__in=ids).order_by("first_name", "last_name", "username"))


def _work_forms(obligation: Obligation, rights: Rights, mine: Bound | None) -> None:
    """The forms of the obligation being worked, the refused one as it came back."""
    def bound(kind: str) -> forms.Form | None:
        return mine.form if mine is not None and mine.kind == kind else None

    if rights.may(obligation):
        obligation.upload_form = bound("upload") or ObligationUploadForm(obligation=obligation)
        obligation.owner_form = bound("owner") or ObligationOwnerForm(obligation=obligation)
        obligation.owner_form.offer(_people(obligation))
    status_form = bound("status") or ObligationStatusForm(obligation=obligation)
    status_form.offer(rights.statuses(obligation))
    obligation.status_form = status_form if status_form.offers_a_change or status_form.is_bound else None


def _decorate(obligations: list[Obligation], *, rights: Rights | None, asked: Asked, page_url: str,
              bound: Bound | None = None, suggestions: dict[int, list[selectors.Suggestion]] | None = None) -> None:
    """What the register template reads from each obligation shown; no query per obligation."""
    today = timezone.localdate()
    items = [item for obligation in obligations for item in obligation.evidence.all()]
    prefetch_related_objects(items, "added_by")
    prefetch_related_objects([item for item in items if item.record_id], "record")  # a query per kind of record
    if obligations:
        _marks(obligations)
    if suggestions is not None:
        _expected(obligations, suggestions)
    query = {"show": asked.show} if asked.show != "all" else {}
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
            {"suggestion": s, "url": _record_url(obligation.use_case, s.record_type, s.record.pk),
             "hint": "" if s.good else NOT_COUNTING.get(s.control, "does not count yet")} for s in offered]
        obligation.rows = _evidence_rows(obligation, {(s.content_type.pk, s.record.pk): s for s in offered})
        if suggestions is None:
            obligation.expected = []
        obligation.notes = []
        obligation.refused = mine
        obligation.may_work = rights is not None and rights.may(obligation)
        obligation.may_open = rights is not None and rights.any(obligation)
        obligation.working = obligation.may_open and asked.work == obligation.pk
        anchor = f"#obligation-{obligation.pk}"
        obligation.work_url = f"{page_url}?{urlencode({**query, 'work': obligation.pk})}{anchor}"
        obligation.done_url = f"{page_url}{'?' + urlencode(query) if query else ''}{anchor}"
        obligation.status_form = obligation.upload_form = obligation.owner_form = None
        obligation.link_form = mine.form if mine and mine.kind == "link" else None
        if obligation.working:
            _work_forms(obligation, rights, mine)


def _filtered(register: list[Obligation], asked: Asked, page_url: str, next_stage: str | None = None
              ) -> tuple[Asked, list[Filter], list[Obligation]]:
    """The filter links with their counts, and the obligations the one asked for shows (the one worked
    always); ``satisfied`` is set on every obligation of the register."""
    today = timezone.localdate()
    for obligation in register:
        obligation.satisfied = selectors.is_satisfied(obligation, today)
    tests: dict[str, Callable[[Obligation], bool]] = {"all": lambda o: True, "missing": lambda o: not o.satisfied}
    if next_stage in GATE_LABELS:
        tests["next_gate"] = lambda o: selectors.required_by(o.requirement.required_before, next_stage)
    show = asked.show if asked.show in tests else "all"
    asked = Asked(show, asked.work)
    filters = [Filter(key, FILTERS[key], sum(1 for o in register if test(o)),
                      page_url if key == "all" else f"{page_url}?show={key}", key == show)
               for key, test in tests.items()]
    shown = [o for o in register if tests[show](o) or o.pk == asked.work]
    on_page = {o.pk for o in shown}
    for obligation in register:  # the coverage table's links: on this page, or on the whole register
        anchor = f"#obligation-{obligation.pk}"
        obligation.anchor = anchor if obligation.pk in on_page else f"{page_url}{anchor}"
    return asked, filters, shown


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


def _refused_on_page(request: HttpRequest, shown: list[Obligation], bound: Bound | None) -> Obligation | None:
    """The obligation whose form came back refused; one the register no longer lists (it stopped applying)
    has nowhere to show its form, so its errors become a message."""
    refused = next((o for o in shown if o.refused), None)
    if bound is not None and refused is None:
        messages.error(request, f"Nothing was saved. {first_errors(bound.form)}")
    return refused


def _page_messages(request: HttpRequest, shown: list[Obligation]) -> list:
    """The messages of this page: one about an obligation shown goes inside it (``notes``), where the page
    opens; the others at the top. The page's context replaces the context processor's ``messages``."""
    by_tag = {_tag(o): o for o in shown}
    rest = []
    for message in messages.get_messages(request):
        target = next((by_tag[tag] for tag in (message.extra_tags or "").split() if tag in by_tag), None)
        (target.notes if target is not None else rest).append(message)
    return rest


def _asked(request: HttpRequest, bound: Bound | None) -> Asked:
    if bound is not None:  # a refused form comes back open, on the whole register
        return Asked("all", bound.obligation)
    work = request.GET.get("work", "")
    return Asked(request.GET.get("show", "all"), int(work) if work.isdigit() else None)


# ---------------------------------------------------------------- the use case's register


def _use_case_page(request: HttpRequest, use_case: UseCase, *, bound: Bound | None = None) -> HttpResponse:
    page_url = reverse("compliance:use_case", args=[use_case.reference])
    register = selectors.use_case_register(use_case)
    coverage = selectors.coverage(use_case, register)
    suggestions = selectors.register_suggestions(use_case, register)
    for obligation in register:
        obligation.use_case = use_case  # the page's, not one fetched per obligation
    next_stage = NEXT_STAGE.get(use_case.stage)
    asked, filters, shown = _filtered(register, _asked(request, bound), page_url, next_stage)
    rights = Rights(request.user)
    _decorate(shown, rights=rights, asked=asked, page_url=page_url, bound=bound, suggestions=suggestions)
    organisation = selectors.organisation_register()
    for obligation in organisation:
        obligation.badge = STATUS_BADGES.get(obligation.status, "badge-neutral")
    changed = (UseCaseEvent.objects.filter(use_case=use_case, kind=services.CHANGED_EVENT)
               .order_by("-created_at", "-id").first())
    needed = [o for o in register if next_stage in GATE_LABELS
              and selectors.required_by(o.requirement.required_before, next_stage)]
    refused = _refused_on_page(request, shown, bound)
    context = {
        "use_case": use_case,
        "current": "compliance",
        "can_manage": rights.may(Obligation(use_case=use_case)),
        "coverage": coverage,
        "filters": filters if register else [],
        "show": asked.show,
        "next_gate": GATE_LABELS.get(next_stage, ""),
        "next_gate_missing": sum(1 for o in needed if not o.satisfied),
        "frameworks": _groups(shown, coverage),
        "organisation": _groups(organisation),
        "changed": changed,
        "refused": refused,
        "messages": _page_messages(request, shown),
    }
    return render(request, "compliance/use_case.html", context)


@require_GET
def use_case(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, _facts = fetch(request, reference)
    return _use_case_page(request, use_case)


# ---------------------------------------------------------------- the organisation's register


def _organisation_page(request: HttpRequest, *, bound: Bound | None = None) -> HttpResponse:
    page_url = reverse("compliance:organisation")
    register = selectors.organisation_register()
    asked, filters, shown = _filtered(register, _asked(request, bound), page_url)
    rights = Rights(request.user)
    _decorate(shown, rights=rights, asked=asked, page_url=page_url, bound=bound)
    coverage = selectors.framework_totals(Obligation.objects.filter(use_case__isnull=True))
    rows = {row.framework.pk: row for row in coverage}
    for obligation in register:
        if not obligation.satisfied and obligation.requirement.framework_id in rows:
            rows[obligation.requirement.framework_id].missing.append(obligation)
    refused = _refused_on_page(request, shown, bound)
    context = {
        "may_work": rights.may(Obligation()),
        "coverage": coverage,
        "filters": filters if register else [],
        "show": asked.show,
        "frameworks": _groups(shown, coverage),
        "refused": refused,
        "messages": _page_messages(request, shown),
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


def _done(request: HttpRequest, obligation: Obligation, text: str) -> HttpResponse:
    """The change was made: say so inside the obligation, where the page opens."""
    messages.success(request, text, extra_tags=_tag(obligation))
    return redirect(_back(obligation))


def _report(request: HttpRequest, obligation: Obligation, exc: Exception) -> HttpResponse:
    """A refusal as a message inside the obligation (forms closed: the user may not work it)."""
    messages.error(request, edges.message_for(exc), extra_tags=_tag(obligation))
    return redirect(_back(obligation, work=permissions.can_work(request.user, obligation)))


def _refused(request: HttpRequest, obligation: Obligation, form: forms.Form, field: str | None,
             exc: Exception) -> HttpResponse | None:
    """A PermissionDenied at ``field`` when the user works this register (they may not take this step, as an
    accepted risk needs the gate's A); otherwise a message and back to the page (None: show the form again)."""
    if isinstance(exc, PermissionDenied) and permissions.can_work(request.user, obligation):
        form.add_error(field, edges.message_for(exc))
        return None
    return _report(request, obligation, exc)


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
            return _done(request, changed, f"{_name(changed)} is now {changed.get_status_display().lower()}.")
    return _show_again(request, obligation, Bound(obligation.pk, "status", form))


@require_POST
def obligation_owner(request: HttpRequest, pk: int) -> HttpResponse:
    obligation = _obligation_for(request, pk)
    form = ObligationOwnerForm(request.POST, obligation=obligation)
    if form.is_valid():
        owner = form.cleaned_data["owner"]
        try:
            changed = services.obligation_assign(obligation=obligation, actor=request.user, owner=owner)
        except ValidationError as exc:
            edges.attach(form, exc)
        except (PermissionDenied, Http404) as exc:
            return _report(request, obligation, exc)
        else:
            text = (f"{person_name(owner)} now owns {_name(changed)}." if owner is not None
                    else f"{_name(changed)} has no owner now.")
            return _done(request, changed, text)
    return _show_again(request, obligation, Bound(obligation.pk, "owner", form))


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
            return _report(request, obligation, exc)
        else:
            return _done(request, obligation, f"{evidence.label} linked as evidence of {_name(obligation)}.")
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
        messages.error(request, "The upload was too large to read; nothing was uploaded.", extra_tags=_tag(obligation))
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
            return _report(request, obligation, exc)
        else:
            return _done(request, obligation, f"{evidence.label} uploaded as evidence of {_name(obligation)}.")
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
        return _report(request, obligation, exc)
    return _done(request, obligation, f"{evidence.label} is no longer evidence of {_name(obligation)}.")


@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """A file kept with an obligation (the organisation's register); 404 unless its register is visible."""
    visible = permissions.visible_obligations(request.user)
    evidence = ObligationEvidence.objects.filter(pk=pk, obligation__in=visible).exclude(file="").first()
    if evidence is None:
        raise Http404("No such evidence.")
    return attachment(evidence.file, filename=evidence.label)
