"""How the register pages present obligations: badges, evidence in its state, the records the crosswalk
expects, who set each status, the filters and the forms of the obligation being worked."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from intake.choices import ReviewFunction
from intake.models import UseCase
from reviews.models import ArtefactType, ChecklistItem, ReadinessArea, RiskArea
from reviews.views.common import first_errors
from vendors.models import ChecklistArea

from .. import permissions, selectors
from ..choices import ControlKind, EvidenceKind, ObligationStatus
from ..forms import (
    ObligationOwnerForm,
    ObligationStatusForm,
    ObligationUploadForm,
    person_name,
)
from ..models import GATE_STAGES, Framework, Obligation

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


def obligation_name(obligation: Obligation) -> str:
    return f"{obligation.requirement.framework.name} {obligation.requirement.identifier}"


def obligation_tag(obligation: Obligation) -> str:
    """A message's extra tag: the obligation it is about, inside which the page shows it."""
    return f"obligation-{obligation.pk}"


def _page_url(obligation: Obligation) -> str:
    if obligation.use_case_id is None:
        return reverse("compliance:organisation")
    return reverse("compliance:use_case", args=[obligation.use_case.reference])


def back_url(obligation: Obligation, *, work: bool = True) -> str:
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


def decorate_register(obligations: list[Obligation], *, rights: Rights | None, asked: Asked, page_url: str,
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


def filtered_register(register: list[Obligation], asked: Asked, page_url: str, next_stage: str | None = None
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


def framework_groups(obligations: list[Obligation],
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


def refused_on_page(request: HttpRequest, shown: list[Obligation], bound: Bound | None) -> Obligation | None:
    """The obligation whose form came back refused; one the register no longer lists (it stopped applying)
    has nowhere to show its form, so its errors become a message."""
    refused = next((o for o in shown if o.refused), None)
    if bound is not None and refused is None:
        messages.error(request, f"Nothing was saved. {first_errors(bound.form)}")
    return refused


def page_messages(request: HttpRequest, shown: list[Obligation]) -> list:
    """The messages of this page: one about an obligation shown goes inside it (``notes``), where the page
    opens; the others at the top. The page's context replaces the context processor's ``messages``."""
    by_tag = {obligation_tag(o): o for o in shown}
    rest = []
    for message in messages.get_messages(request):
        target = next((by_tag[tag] for tag in (message.extra_tags or "").split() if tag in by_tag), None)
        (target.notes if target is not None else rest).append(message)
    return rest


def asked_of(request: HttpRequest, bound: Bound | None) -> Asked:
    if bound is not None:  # a refused form comes back open, on the whole register
        return Asked("all", bound.obligation)
    work = request.GET.get("work", "")
    return Asked(request.GET.get("show", "all"), int(work) if work.isdigit() else None)


