"""Registering an existing system at its real stage, and marking its remediation items done.

``/reviews/use-cases/<REF>/register/?to_stage=scaled`` lists the criteria of every gate up to the stage
chosen, each with a "missing" box, an owner and a due date; the POST hands them to
``reviews.services.use_case_register``, which decides everything: who may, from where, and whether the
input stands. Its field errors come back next to the fields with everything typed kept; any other
refusal is a message on the use-case page. The Remediation panel of the use-case page posts "Mark done"
to ``remediation_done``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from core import edges, roles
from intake.choices import Stage
from reviews import selectors, services
from reviews.models import RemediationItem
from reviews.models.remediation import MAX_NOTE
from reviews.selectors import REGISTER_STAGES, RegistrationCriterion

from .common import detail_url, fetch, page_url

DEFAULT_STAGE = Stage.SCALED  # the page opens on every gate: nothing is attested unseen


def _slug(key: str) -> str:
    return key.replace(":", "__")


class RegistrationForm(forms.Form):
    """The stage (chosen on the page above), the rationale, and per criterion: missing, owner, due date.

    It only reads input: the owner is found by username (unknown names are refused here); whether the
    owner may own it, the date stands and the criterion is one of the gates is the service's call."""

    to_stage = forms.CharField(required=False, widget=forms.HiddenInput)
    rationale = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you examined, and why the system is at this stage (at least 10 characters). Everyone "
                  "on the use case can read it.")
    # Not an input: where the service's problems with the missing list are shown.
    missing = forms.CharField(required=False, widget=forms.HiddenInput, label="Missing criteria")

    def __init__(self, *args: Any, checks: list[RegistrationCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checks = checks
        for check in checks:
            slug, what = _slug(check.key), check.label[:1].lower() + check.label[1:]
            self.fields[f"missing_{slug}"] = forms.BooleanField(required=False, label=f"Missing: {what}")
            self.fields[f"owner_{slug}"] = forms.CharField(
                required=False, max_length=150, label=f"Owner of {what}", help_text="A username.")
            self.fields[f"due_{slug}"] = forms.DateField(
                required=False, label=f"Due date for {what}", widget=forms.DateInput(attrs={"type": "date"},
                                                                                    format="%Y-%m-%d"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        wanted = {}
        for check in self.checks:
            slug = _slug(check.key)
            if not data.get(f"missing_{slug}"):
                continue
            username = (data.get(f"owner_{slug}") or "").strip()
            if not username:
                self.add_error(f"owner_{slug}", "Name who closes the gap (a username).")
            else:
                wanted[slug] = username
            if data.get(f"due_{slug}") is None and f"due_{slug}" not in self.errors:
                self.add_error(f"due_{slug}", "Give the date it is due.")
        found = {user.get_username(): user for user in
                 get_user_model().objects.filter(username__in=set(wanted.values()))}
        for slug, username in wanted.items():
            if username not in found:
                self.add_error(f"owner_{slug}", f"No one has the username {username!r}.")
            else:
                data[f"owner_{slug}"] = found[username]
        return data

    def missing_criteria(self) -> list[services.MissingCriterion]:
        data = self.cleaned_data
        return [services.MissingCriterion(key=c.key, owner=data[f"owner_{_slug(c.key)}"],
                                          due=data[f"due_{_slug(c.key)}"])
                for c in self.checks if data.get(f"missing_{_slug(c.key)}")]

    def gates(self) -> list[dict[str, Any]]:
        """The rows of the page, gate by gate, each criterion with its three fields."""
        gates: dict[str, dict[str, Any]] = {}
        for check in self.checks:
            slug = _slug(check.key)
            gate = gates.setdefault(check.gate, {"stage": check.gate, "label": check.gate_label, "rows": []})
            gate["rows"].append({"check": check, "anchor": f"criterion-{slug}", "missing": self[f"missing_{slug}"],
                                 "owner": self[f"owner_{slug}"], "due": self[f"due_{slug}"]})
        return list(gates.values())


def _stage(value: str | None) -> str:
    return value if value in REGISTER_STAGES else DEFAULT_STAGE


def _page(request: HttpRequest, use_case, form: RegistrationForm, to_stage: str) -> HttpResponse:
    context = {
        "use_case": use_case,
        "form": form,
        "to_stage": to_stage,
        "stages": [(s, Stage(s).label) for s in REGISTER_STAGES],
        "closed_reason": services.registration_closed_reason(use_case),
        "is_registrar": roles.is_governance_admin(request.user),
        "criteria_count": len(form.checks),
        "recorded_count": sum(1 for c in form.checks if c.met),
    }
    return render(request, "reviews/register.html", context)


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, _facts = fetch(request, reference)
    if request.method != "POST":
        to_stage = _stage(request.GET.get("to_stage"))
        form = RegistrationForm(initial={"to_stage": to_stage}, checks=selectors.registration_checks(use_case,
                                                                                                     to_stage))
        return _page(request, use_case, form, to_stage)
    posted = request.POST.get("to_stage") or ""
    to_stage = _stage(posted)  # the rows of the stage asked for; a stage that is none the service refuses
    form = RegistrationForm(request.POST, checks=selectors.registration_checks(use_case, to_stage))
    if form.is_valid():
        outcome = edges.perform(request, form, lambda: services.use_case_register(
            use_case=use_case, actor=request.user, to_stage=posted, rationale=form.cleaned_data["rationale"],
            missing=form.missing_criteria()), back=detail_url(use_case))
        if isinstance(outcome, edges.Done):
            decision = outcome.value
            items = decision.remediation_items.count()
            messages.success(request, f"Registered: {use_case.reference} is placed at "
                                      f"{decision.get_to_stage_display()}, with {items} "
                                      f"{'item' if items == 1 else 'items'} on its remediation list.")
            return redirect(detail_url(use_case, "remediation"))
        if outcome:
            return outcome
    return _page(request, use_case, form, to_stage)


class RemediationDoneForm(forms.Form):
    note = forms.CharField(required=False, max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 2}),
                           label="What closed the gap")


@require_http_methods(["GET", "POST"])
def remediation_done(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Mark one remediation item done, with what closed it; a field error shows this item's page."""
    use_case, _facts = fetch(request, reference)
    item = get_object_or_404(RemediationItem.objects.select_related("owner", "use_case"), pk=pk, use_case=use_case)
    form = RemediationDoneForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        outcome = edges.perform(request, form, lambda: services.remediation_complete(
            item=item, actor=request.user, note=form.cleaned_data["note"]), back=detail_url(use_case, "remediation"))
        if isinstance(outcome, edges.Done):
            messages.success(request, f"Remediation done: {item.criterion_label}.")
            return redirect(detail_url(use_case, "remediation"))
        if outcome:
            return outcome
    return render(request, "reviews/remediation_done.html", {
        "use_case": use_case, "item": item, "form": form,
        "action": page_url("remediation_done", use_case, item.pk)})
