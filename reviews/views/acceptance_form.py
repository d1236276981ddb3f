"""The risk register's acceptance panel: each risk over its threshold with its acceptance state, and for whoever
may decide the gate, the form to accept one. The service (``reviews.services.risk_accept``) decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils import timezone

from intake.models import UseCase
from intake.permissions import Action, Facts
from reviews.models import Risk
from reviews.selectors import risk_gate

from .common import can


class RiskAcceptanceForm(forms.Form):
    """Accept a live risk at or over its threshold until a day; what it must say is the service's to check."""

    risk = forms.TypedChoiceField(coerce=int, label="Risk")
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                help_text="Why the organisation accepts the risk for now (at least 10 characters).")
    compensating_controls = forms.CharField(
        label="Compensating controls", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What keeps the risk in check until the acceptance ends.")
    expires_on = forms.DateField(label="Accepted until", required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 help_text="From this day the risk blocks the gates again; at most a year ahead.")

    def __init__(self, *args: Any, risks: list[Risk], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["risk"].choices = [("", "Choose a risk")] + [
            (risk.pk, f"{risk.get_area_display()} (score {risk.score}, threshold {risk.escalation_threshold})")
            for risk in risks]

    def service_input(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"rationale": data["rationale"], "compensating_controls": data["compensating_controls"],
                "expires_on": data["expires_on"]}


def acceptance_context(request: HttpRequest, use_case: UseCase, facts: Facts, risks: list[Risk],
                       form: RiskAcceptanceForm | None = None) -> dict[str, Any]:
    """Mark each risk over its threshold with its acceptance state; the form for whoever may decide the gate."""
    today = timezone.localdate()
    over = [risk for risk in risks if risk.needs_escalation]
    accepted = risk_gate.acceptances_of(over)
    for risk in over:
        risk.acceptance = accepted.get(risk.pk)
        risk.acceptance_in_force = risk_gate.is_in_force(risk.acceptance, today, risk.score)
        risk.acceptance_words = risk_gate.acceptance_words(risk.acceptance, today, risk.score)
    if over and form is None and can(request, Action.DECIDE_GATE, use_case, facts):
        form = RiskAcceptanceForm(risks=over)
    return {"over_threshold": over, "accept_form": form}
