"""The pilot page: its clock, and its start and end for the PMO, governance admins and the go / no-go A.

The dates are checked by ``reviews.services.pilot_dates_set``; a refused date stays on the form as typed,
beside the reason.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core import edges
from reviews.selectors import pilots as selectors
from reviews.services import pilots as services

from .common import detail_url, fetch, page_url

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), "required": False}


class PilotDatesForm(forms.Form):
    # Not required here: the service says what is missing, in the same words as the API.
    pilot_start = forms.DateField(label="Pilot start", **DATE)
    pilot_end = forms.DateField(label="Pilot end", help_text="The day its time-box ends: its gate is due by then.",
                                **DATE)


@require_http_methods(["GET", "POST"])
def pilot(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, facts = fetch(request, reference)
    may_edit = bool(selectors.pilot_dates_permission(request.user, use_case, facts=facts))
    initial = {"pilot_start": use_case.pilot_start, "pilot_end": use_case.pilot_end}
    form = PilotDatesForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = edges.perform(request, form, lambda: services.pilot_dates_set(
            use_case=use_case, actor=request.user, start=data["pilot_start"], end=data["pilot_end"]),
            back=page_url("pilot", use_case))
        if isinstance(done, edges.Done):
            messages.success(request, f"Pilot dates of {use_case.reference} saved: "
                                      f"{done.value.pilot_start:%d %b %Y} to {done.value.pilot_end:%d %b %Y}.")
            return redirect(detail_url(use_case, "between-gates"))
        if done is not None:
            return done
    panel = selectors.pilot_panel(use_case, user=request.user)
    return render(request, "reviews/pilot.html", {"use_case": use_case, "panel": panel, "form": form,
                                                  "may_edit": may_edit and panel["clock"].running})
