"""The incident page's follow-up: its owner and review date, the post-incident review, and its actions.

Each form posts to its own URL and the services decide; bad input comes back on the incident page next
to its field with what was typed, any other refusal is a message and the page again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import edges
from intake.forms import UserChoiceField
from intake.models import UseCase
from intake.permissions import Action
from reviews.forms import SEVERITY_LABELS, IncidentForm
from reviews.models import Incident, IncidentAction, IncidentStatus
from reviews.models.incidents import MAX_ACTION, MAX_TEXT
from reviews.selectors.incidents import incident_review_of
from reviews.services import incidents as services

from .common import can, fetch, page_url

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _people() -> Any:
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def _text(label: str, help_text: str, limit: int = MAX_TEXT) -> forms.CharField:
    return forms.CharField(label=label, max_length=limit, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": 3}))


class IncidentOwnerForm(forms.Form):
    owner = UserChoiceField(queryset=None, required=False, empty_label="No owner yet",
                            help_text="Who sees the incident through its post-incident review.")
    review_due = forms.DateField(label="Review due", required=False, widget=DATE_INPUT,
                                 help_text="Left empty: 14 days after it occurred at severity 1 or 2, 30 at 3 or 4.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="assign", **kwargs)
        self.fields["owner"].queryset = _people()


class PostIncidentReviewForm(forms.Form):
    cause = _text("Cause", "What caused the incident.")
    impact = _text("Impact", "What it did, and to whom.")
    lessons = _text("Lessons", "What was learnt, and what changes because of it.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="pir", **kwargs)


class IncidentActionForm(forms.Form):
    description = _text("Action", "What will change.", limit=MAX_ACTION)
    owner = UserChoiceField(queryset=None, error_messages={"required": "Name the action's owner."})
    due_date = forms.DateField(label="Due", widget=DATE_INPUT,
                               error_messages={"required": "Enter the action's due date."})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="action", **kwargs)
        self.fields["owner"].queryset = _people()


def review_context(request: HttpRequest, incident: Incident, *, can_manage: bool, **bound: forms.Form) -> dict:
    """What the incident page shows of its follow-up; ``bound`` forms (with errors) replace the empty ones."""
    pir = incident_review_of(incident)
    for action in pir["actions"]:
        action.may_complete = action.is_open and (can_manage or action.owner_id == request.user.pk)
    overdue = (pir["review"] is None and incident.review_due is not None
               and incident.review_due < timezone.localdate() and incident.status != IncidentStatus.CLOSED)
    context = {"pir": pir, "review_overdue": overdue}
    if can_manage:
        review = pir["review"]
        initial = {name: getattr(review, name) for name in ("cause", "impact", "lessons")} if review else None
        context |= {
            "owner_form": bound.get("owner_form") or IncidentOwnerForm(
                initial={"owner": incident.owner_id, "review_due": incident.review_due}),
            "review_form": bound.get("review_form") or PostIncidentReviewForm(initial=initial),
            "action_form": bound.get("action_form") or IncidentActionForm(),
        }
    return context


def _page(request: HttpRequest, reference: str, pk: int):
    use_case, facts = fetch(request, reference)
    incident = get_object_or_404(Incident.objects.select_related("reported_by", "owner"), pk=pk, use_case=use_case)
    incident.use_case = use_case
    return use_case, incident, can(request, Action.MANAGE_EVIDENCE, use_case, facts)


def _again(request: HttpRequest, use_case: UseCase, incident: Incident, can_manage: bool, **bound) -> HttpResponse:
    context = {"use_case": use_case, "current": "incidents", "can_manage": can_manage, "incident": incident,
               "severity_labels": SEVERITY_LABELS,
               "form": IncidentForm(initial=IncidentForm.initial_for(incident)) if can_manage else None}
    return render(request, "reviews/incident_edit.html",
                  context | review_context(request, incident, can_manage=can_manage, **bound))


def _post(request, reference, pk, form_class, name: str, run, done: str) -> HttpResponse:
    use_case, incident, can_manage = _page(request, reference, pk)
    here = page_url("incident_edit", use_case, incident.pk)
    form = form_class(request.POST)
    if form.is_valid():
        outcome = edges.perform(request, form, lambda: run(incident, form.cleaned_data), back=here)
        if isinstance(outcome, edges.Done):
            messages.success(request, done)
            return redirect(here)
        if outcome:
            return outcome
    return _again(request, use_case, incident, can_manage, **{name: form})


@require_POST
def incident_assign(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    return _post(request, reference, pk, IncidentOwnerForm, "owner_form", lambda incident, data: (
        services.incident_assign(incident=incident, actor=request.user, owner=data["owner"],
                                 review_due=data["review_due"])), "Owner and review date saved.")


@require_POST
def incident_review(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    return _post(request, reference, pk, PostIncidentReviewForm, "review_form", lambda incident, data: (
        services.incident_review_record(incident=incident, actor=request.user, **data)),
        "Post-incident review recorded.")


@require_POST
def incident_action_add(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    return _post(request, reference, pk, IncidentActionForm, "action_form", lambda incident, data: (
        services.incident_action_add(incident=incident, actor=request.user, **data)), "Action added.")


@require_POST
def incident_action_done(request: HttpRequest, reference: str, pk: int, action_pk: int) -> HttpResponse:
    use_case, incident, _can_manage = _page(request, reference, pk)
    action = get_object_or_404(IncidentAction.objects.select_related("incident"), pk=action_pk, incident=incident)
    action.incident.use_case = use_case
    here = page_url("incident_edit", use_case, incident.pk)
    try:
        services.incident_action_complete(action=action, actor=request.user)
    except edges.REFUSALS as exc:
        edges.report(request, exc)
    else:
        messages.success(request, "Action marked done.")
    return redirect(here)
