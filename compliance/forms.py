"""Forms of the obligation register pages. They only shape what people type; the services
(``compliance.services``) check the permission, the lifecycle and what each status needs.

The obligation being worked carries its own forms; ``auto_id`` keeps their ids apart while the posted names stay
plain (``status``, ``justification``, ``accepted_until``, ``file``, ``note``, ``owner``). The selects offer what
the viewer may choose (``offer``); the services decide.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from reviews.services import EVIDENCE_TYPES

from .choices import ObligationStatus
from .models import Obligation
from .services import MAX_ACCEPTANCE_DAYS, MAX_TEXT, MIN_JUSTIFICATION, TRANSITIONS

# Where a service's error key shows on the status form ("evidence": marking met without any).
STATUS_FIELD_FOR = {"evidence": "status"}


def _auto_id(kind: str, obligation: Obligation) -> str:
    return f"id_{kind}_{obligation.pk}_%s"


class ObligationStatusForm(forms.Form):
    """Move an obligation to another status. The choices are where it may go from where it is (the service
    refuses anything else, and says who may accept a risk)."""

    status = forms.ChoiceField(
        label="Status",
        help_text="Met needs evidence that shows it: an approved review, a ready checklist item or a file not "
                  "rejected. Accepting a risk, or declaring not applicable a requirement a gate waits for, is a gate "
                  "decision: the gate's Accountable or a governance admin, never the use case's own people.")
    justification = forms.CharField(
        label="Justification", required=False, max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=f"Needed for not applicable and for an accepted risk ({MIN_JUSTIFICATION} characters or more): "
                  "auditors read it.")
    accepted_until = forms.DateField(
        label="Accepted until", required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=f"An accepted risk only: from this day it counts as not satisfied again (at most "
                  f"{MAX_ACCEPTANCE_DAYS} days ahead).")

    def __init__(self, *args: Any, obligation: Obligation, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _auto_id("status", obligation))
        if not args or args[0] is None:
            kwargs.setdefault("initial", {"status": obligation.status, "justification": obligation.justification,
                                          "accepted_until": obligation.accepted_until})
        super().__init__(*args, **kwargs)
        self.obligation = obligation
        reachable = TRANSITIONS.get(obligation.status, frozenset()) | {obligation.status}
        field = self.fields["status"]
        field.choices = [(value, label) for value, label in ObligationStatus.choices if value in reachable]
        field.error_messages["invalid_choice"] = (
            f"From {obligation.get_status_display().lower()} it can become: "
            + ", ".join(label.lower() for value, label in field.choices if value != obligation.status) + ".")

    def offer(self, allowed: Collection[str]) -> None:
        """The select offers only the statuses the viewer may choose (``permissions.may_set``); what was posted
        stays chosen, so a refusal shows beside the choice refused. The service decides either way."""
        field = self.fields["status"]
        kept = {self.obligation.status, self.data.get("status") if self.is_bound else None}
        field.widget.choices = [(value, label) for value, label in field.choices if value in allowed or value in kept]

    def _offered(self) -> set[str]:
        return {value for value, _label in self.fields["status"].widget.choices}

    @property
    def offers_a_change(self) -> bool:
        return bool(self._offered() - {self.obligation.status})

    def _typed(self, name: str) -> bool:
        return self.is_bound and bool(self.data.get(name))

    @property
    def offers_justification(self) -> bool:
        """A justification is asked for when not applicable or an accepted risk can be chosen; what was typed
        is shown again whatever was chosen."""
        return bool(self._offered() & {ObligationStatus.NOT_APPLICABLE, ObligationStatus.RISK_ACCEPTED}) or \
            self._typed("justification")

    @property
    def offers_acceptance(self) -> bool:
        return ObligationStatus.RISK_ACCEPTED in self._offered() or self._typed("accepted_until")

    def service_input(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"status": data["status"], "justification": data.get("justification", ""),
                "accepted_until": data.get("accepted_until")}


class ObligationUploadForm(forms.Form):
    """A file as evidence of one obligation; the service checks the file (type, content, size)."""

    file = forms.FileField(label="File", required=False,  # the service says "Choose a file to upload."
                           help_text="PDF, PNG, JPEG, DOCX, XLSX, CSV or TXT, up to 10 MB.")
    note = forms.CharField(label="Note", required=False, max_length=1000,
                           help_text="What the file shows for this requirement (optional).")

    def __init__(self, *args: Any, obligation: Obligation, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _auto_id("upload", obligation))
        super().__init__(*args, **kwargs)
        self.obligation = obligation
        self.fields["file"].widget.attrs["accept"] = ",".join(f".{ext}" for ext in EVIDENCE_TYPES)


class ObligationLinkForm(forms.Form):
    """One of the records the crosswalk suggests (sent by its Link button); the service checks it is one."""

    record_type = forms.CharField(max_length=100, widget=forms.HiddenInput)
    record_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    note = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, obligation: Obligation, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _auto_id("link", obligation))
        super().__init__(*args, **kwargs)
        self.obligation = obligation


def person_name(user) -> str:
    return user.get_full_name() or user.get_username()


class ObligationOwnerForm(forms.Form):
    """Who answers for an obligation. The select lists the people who may own it
    (``compliance.selectors.owner_choices``); the service checks the one chosen."""

    owner = forms.ModelChoiceField(
        label="Owner", required=False, queryset=get_user_model().objects.filter(is_active=True),
        empty_label="No owner", error_messages={"invalid_choice": "Choose one of the people listed."})

    def __init__(self, *args: Any, obligation: Obligation, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _auto_id("owner", obligation))
        if not args or args[0] is None:
            kwargs.setdefault("initial", {"owner": obligation.owner_id})
        super().__init__(*args, **kwargs)
        self.obligation = obligation
        field = self.fields["owner"]
        field.help_text = ("Someone who holds a RACI role on this use case." if obligation.use_case_id
                           else "A governance admin.")

    def offer(self, people: Iterable) -> None:
        """The select lists these people (the queryset still accepts anyone active: the service refuses)."""
        self.fields["owner"].widget.choices = [("", "No owner"),
                                               *((person.pk, person_name(person)) for person in people)]
