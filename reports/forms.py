"""The PMO's request form for a board pack; the service validates again."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from .models import MAX_NARRATIVE, Audience

ISO_DATE = "%Y-%m-%d"


def _last_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


class BoardPackRequestForm(forms.Form):
    audience = forms.ChoiceField(choices=Audience.choices, initial=Audience.EXECUTIVE_MONTHLY,
                                 widget=forms.RadioSelect, label="Pack")
    # A date input takes only ISO dates: the en-GB default (01/10/2026) would show an empty field.
    period_start = forms.DateField(label="Period from", widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE))
    period_end = forms.DateField(label="Period to", widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE))
    decisions_required = forms.CharField(
        label="Decisions required", required=False, max_length=MAX_NARRATIVE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the executive must decide, with the options. Shown in section 5.",
    )
    resourcing_notes = forms.CharField(
        label="Resourcing and capacity constraints", required=False, max_length=MAX_NARRATIVE,
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Shown in section 6 beside the review workload.",
    )
    next_period_priorities = forms.CharField(
        label="Next-period priorities", required=False, max_length=MAX_NARRATIVE,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "Scale the claims copilot | Marta Silva | 2030-07-31"}),
        help_text="One line per priority, each 'priority | owner | date' with the date as YYYY-MM-DD: as many "
                  "as the governance policy asks (three to five by default).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            start, end = _last_month(timezone.localdate())
            self.initial.setdefault("period_start", start)
            self.initial.setdefault("period_end", end)
