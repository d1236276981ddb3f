"""Forms of the review admin and the gate-evidence pages. They only validate input; services decide."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from intake.choices import KPICadence, KPIValueType
from intake.forms import UserChoiceField
from reviews import services
from reviews.models import IncidentStatus, MitigationStatus, Review, RiskArea
from reviews.models.evidence import CostCategory
from reviews.services.evidence import INCIDENT_FIELDS, RISK_FIELDS
from reviews.services.value import KPI_VALUE_FIELDS
from reviews.validators import validate_single_line


class ReviewAdminForm(forms.ModelForm):
    """The review change form: only the assignee is editable."""

    class Meta:
        model = Review
        fields = ["assignee"]

    def clean_assignee(self):
        assignee = self.cleaned_data.get("assignee")
        if assignee is not None and assignee.pk != self.instance.assignee_id:
            problem = services.assignee_problem(self.instance, assignee)
            if problem:
                raise forms.ValidationError(problem)
        return assignee


class DecisionForm(forms.Form):
    rationale = forms.CharField(
        min_length=services.MIN_RATIONALE, max_length=services.MAX_TEXT, strip=True,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text="Why you decide this way. Everyone on the use case can read it.",
    )


class ConditionForm(forms.Form):
    text = forms.CharField(max_length=services.MAX_CONDITION_TEXT,
                           widget=forms.Textarea(attrs={"rows": 2, "cols": 50}))
    owner = forms.CharField(max_length=150, help_text="Username of the person who must meet it.")
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def clean_owner(self):
        username = self.cleaned_data["owner"].strip()
        owner = get_user_model().objects.filter(username=username, is_active=True).first()
        if owner is None:
            raise forms.ValidationError(f"No active user {username!r}.")
        return owner


class BaseConditionFormSet(forms.BaseFormSet):
    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_few_forms": "Add at least one condition.",
        "too_many_forms": "Add at most %(num)d conditions.",
    }

    def conditions(self) -> list[dict[str, Any]]:
        return [form.cleaned_data for form in self.forms if form.cleaned_data]


ConditionFormSet = forms.formset_factory(
    ConditionForm, formset=BaseConditionFormSet, extra=2, min_num=1, validate_min=True, max_num=20,
    validate_max=True,
)


class CommentForm(forms.Form):
    body = forms.CharField(label="Comment", max_length=services.MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": 4, "cols": 80}))


class EvidenceForm(forms.Form):
    file = forms.FileField(
        help_text="PDF, PNG, JPEG, DOCX, XLSX, CSV or TXT, up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{ext}" for ext in services.EVIDENCE_TYPES)}),
    )


# How a metric line ends when it says which way is better ("higher" is the default).
METRIC_DIRECTIONS = {"lower": False, "lower is better": False, "higher": True, "higher is better": True}


class ArtefactEvidenceForm(EvidenceForm):
    """A file that may answer a tier requirement: its artefact type and, for an evaluation report, its metrics
    typed as lines. The service checks the file, the type and the numbers."""

    artefact_type = forms.CharField(label="Artefact type", required=False, widget=forms.Select)
    metrics = forms.CharField(
        label="Metrics (evaluation report)", required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text='One per line: name, threshold, result; end with ", lower" when lower is better '
                  '(e.g. "accuracy, 0.95, 0.97" or "false positive rate, 0.05, 0.03, lower").')

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].required = False  # the service says "Choose a file to upload."
        self.fields["artefact_type"].widget.choices = [("", "Not a required artefact"),
                                                       *((t.key, t.name) for t in types)]

    def clean_metrics(self) -> list[dict[str, Any]] | None:
        lines = [line.strip() for line in self.cleaned_data["metrics"].splitlines() if line.strip()]
        rows, problems = [], []
        for at, line in enumerate(lines, 1):
            parts = [part.strip() for part in line.split(",")]
            higher = METRIC_DIRECTIONS.get(parts[-1].lower())
            if higher is not None:
                parts.pop()
            if len(parts) < 3 or not all(parts[-3:]):
                problems.append(f'Line {at}: write "name, threshold, result".')
                continue
            rows.append({"name": ", ".join(parts[:-2]), "threshold": parts[-2], "result": parts[-1],
                         "higher_is_better": higher is not False})
        if problems:
            raise forms.ValidationError(" ".join(problems))
        return rows or None


class RejectArtefactForm(forms.Form):
    # Not required here: the service refuses who may not reject before it asks for a reason.
    reason = forms.CharField(label="Why is it rejected?", required=False, strip=False,
                             widget=forms.Textarea(attrs={"rows": 2, "cols": 60, "maxlength": 2000}))


# ---------------------------------------------------------------- gate evidence pages
#
# The forms below only shape what people type; the services validate and save.
# Every choice field is a (Typed)ChoiceField so tampered values become field
# errors, never exceptions.

SCORE_MEANINGS = {
    1: "Not in place",
    2: "Major gaps",
    3: "Partly ready",
    4: "Mostly ready",
    5: "Ready with confidence",
}
LIKELIHOOD_LABELS = {1: "Rare", 2: "Unlikely", 3: "Possible", 4: "Likely", 5: "Almost certain"}
IMPACT_LABELS = {1: "Minimal", 2: "Minor", 3: "Moderate", 4: "Major", 5: "Severe"}
SEVERITY_LABELS = {
    1: "Critical: notifies the executive sponsor and governance admins at once",
    2: "Major",
    3: "Moderate",
    4: "Minor",
}
MAX_NOTE = 2000


def _area_fields(prefix: str, key: str) -> str:
    return f"{prefix}_{key}"


def _textarea(rows: int = 2, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


class GapPlanForm(forms.Form):
    """Per area below 4: the action that closes the gap, its owner and a date (an empty action removes it)."""

    def __init__(self, *args: Any, gaps, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gaps = list(gaps)  # (area, score, action or None)
        for area, _score, _action in self.gaps:
            self.fields[f"action_{area.key}"] = forms.CharField(
                label=f"Action for {area.name.lower()}", required=False, max_length=500)
            self.fields[f"owner_{area.key}"] = forms.CharField(
                label=f"Owner of {area.name.lower()}", required=False, max_length=150, help_text="A username.")
            self.fields[f"due_{area.key}"] = forms.DateField(
                label=f"Due date for {area.name.lower()}", required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    @staticmethod
    def initial_for(gaps) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for area, _score, action in gaps:
            if action is not None:
                initial |= {f"action_{area.key}": action.action, f"owner_{area.key}": action.owner.get_username(),
                            f"due_{area.key}": action.due_on}
        return initial

    def items(self) -> dict[str, dict[str, Any]]:
        data = self.cleaned_data
        return {area.key: {"action": data.get(f"action_{area.key}", ""), "owner": data.get(f"owner_{area.key}", ""),
                           "due_on": data.get(f"due_{area.key}")} for area, _score, _action in self.gaps}

    def rows(self) -> list[dict[str, Any]]:
        return [{"area": area, "score": score.score, "action": self[f"action_{area.key}"],
                 "owner": self[f"owner_{area.key}"], "due": self[f"due_{area.key}"]}
                for area, score, _action in self.gaps]

    @staticmethod
    def field_for(key: str) -> str:
        """Where the service's error for an area goes: its action field."""
        return f"action_{key}"


class SignoffForm(forms.Form):
    """An independent review of one area scored 1: what was reviewed and decided."""

    area = forms.ChoiceField(label="Area scored 1", error_messages={
        "invalid_choice": "Choose an area scored 1.", "required": "Choose an area scored 1."})
    review = forms.CharField(label="Your independent review", min_length=10, max_length=MAX_NOTE,
                             widget=_textarea(3), help_text="What you reviewed, and what you decided.")

    def __init__(self, *args: Any, areas, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(area.key, area.name) for area in areas]

    def area_name(self) -> str:
        return dict(self.fields["area"].choices).get(self.cleaned_data.get("area"), "")


class ReadinessForm(forms.Form):
    """Per area: a score 1-5, a note and the explicit review a score of 1 needs."""

    def __init__(self, *args: Any, areas, critical: set[int] = frozenset(), critical_minimum: int = 3,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = list(areas)
        # The governance policy's critical areas and their minimum: marked, and a low score flagged.
        self.critical, self.critical_minimum = critical, critical_minimum
        for area in self.areas:
            self.fields[_area_fields("score", area.key)] = forms.TypedChoiceField(
                label=area.name, choices=[(str(n), str(n)) for n in SCORE_MEANINGS], coerce=int, required=False,
                # A screen reader hears the area's key question with each score choice.
                widget=forms.RadioSelect(attrs={"aria-describedby": f"question-{area.key}"} if area.key_question
                                         else None),
                error_messages={"invalid_choice": "Score the area with a whole number from 1 to 5."},
            )
            self.fields[_area_fields("note", area.key)] = forms.CharField(
                label=f"Note on {area.name.lower()}", required=False, max_length=MAX_NOTE, widget=_textarea(2),
            )
            self.fields[_area_fields("review", area.key)] = forms.CharField(
                label=f"Explicit review of {area.name.lower()}", required=False, max_length=MAX_NOTE,
                widget=_textarea(2), help_text="Needed for a score of 1: who reviewed the gap, and what was decided.",
            )

    @staticmethod
    def initial_for(rows) -> dict[str, Any]:
        """The form's starting values from the summary's (area, saved score or None) rows."""
        initial: dict[str, Any] = {}
        for area, row in rows:
            if row is not None:
                initial[_area_fields("score", area.key)] = str(row.score)
                initial[_area_fields("note", area.key)] = row.note
                initial[_area_fields("review", area.key)] = row.explicit_review
        return initial

    def clean(self):
        cleaned = super().clean()
        for area in self.areas:
            score = cleaned.get(_area_fields("score", area.key))
            note = cleaned.get(_area_fields("note", area.key))
            review = cleaned.get(_area_fields("review", area.key))
            if score in (None, "") and (note or review) and _area_fields("score", area.key) not in self.errors:
                self.add_error(_area_fields("score", area.key), "Score the area to save its note or review.")
        return cleaned

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for area in self.areas:
            score, review = self[_area_fields("score", area.key)], self[_area_fields("review", area.key)]
            scored = str(score.value() or "")
            rows.append({
                "area": area,
                "score": score,
                "note": self[_area_fields("note", area.key)],
                "review": review,
                "scored": scored,
                # A 1 without its explicit review: saved, but it blocks more investment.
                "needs_review": scored == "1" and not str(review.value() or "").strip(),
                "critical": area.id in self.critical,
                "red_flags": [line.strip() for line in area.red_flags.splitlines() if line.strip()],
                "below_floor": area.id in self.critical and scored.isdigit() and int(scored) < self.critical_minimum,
            })
        return rows

    def changes(self, existing: dict[int, Any]) -> tuple[dict[str, int], dict[str, str], dict[str, str]]:
        """Only the areas whose score, note or review differ from what is saved (``existing`` by area id)."""
        scores: dict[str, int] = {}
        notes: dict[str, str] = {}
        reviews: dict[str, str] = {}
        for area in self.areas:
            score = self.cleaned_data.get(_area_fields("score", area.key))
            if score in (None, ""):
                continue
            note = self.cleaned_data.get(_area_fields("note", area.key), "")
            review = self.cleaned_data.get(_area_fields("review", area.key), "")
            saved = existing.get(area.id)
            if saved is not None and (saved.score, saved.note.strip(), saved.explicit_review.strip()) == (
                score, note, review
            ):
                continue
            scores[area.key], notes[area.key], reviews[area.key] = score, note, review
        return scores, notes, reviews

    @staticmethod
    def field_for(key: str) -> str:
        """The field a service error about area ``key`` belongs to."""
        return _area_fields("score", key)


class ChecklistForm(forms.Form):
    """Per item: ready or not, and the evidence that shows it."""

    def __init__(self, *args: Any, items, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[_area_fields("ready", item.key)] = forms.BooleanField(label="Ready", required=False)
            self.fields[_area_fields("evidence", item.key)] = forms.CharField(
                label=f"Evidence for {item.name.lower()}", required=False, max_length=MAX_NOTE, widget=_textarea(2),
            )

    @staticmethod
    def initial_for(rows) -> dict[str, Any]:
        """The form's starting values from the summary's (item, saved entry or None) rows."""
        initial: dict[str, Any] = {}
        for item, entry in rows:
            if entry is not None:
                initial[_area_fields("ready", item.key)] = entry.ready
                initial[_area_fields("evidence", item.key)] = entry.evidence
        return initial

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"item": item, "ready": self[_area_fields("ready", item.key)],
             "evidence": self[_area_fields("evidence", item.key)]}
            for item in self.items
        ]

    def changes(self, existing: dict[int, Any]) -> dict[str, dict[str, Any]]:
        """Only the items that differ from what is saved (``existing`` by item id)."""
        changed: dict[str, dict[str, Any]] = {}
        for item in self.items:
            ready = bool(self.cleaned_data.get(_area_fields("ready", item.key)))
            evidence = self.cleaned_data.get(_area_fields("evidence", item.key), "")
            saved = existing.get(item.id)
            before = (saved.ready, saved.evidence.strip()) if saved is not None else (False, "")
            if (ready, evidence) != before:
                changed[item.key] = {"ready": ready, "evidence": evidence}
        return changed

    @staticmethod
    def field_for(key: str) -> str:
        return _area_fields("evidence", key)


def _numbered(labels: dict[int, str]) -> list[tuple[str, str]]:
    return [(str(n), f"{n} · {label}") for n, label in labels.items()]


class RiskForm(forms.Form):
    """One entry of the risk register (section 7)."""

    area = forms.ChoiceField(choices=[("", "Choose an area"), *RiskArea.choices])
    description = forms.CharField(max_length=MAX_NOTE, widget=_textarea(3))
    likelihood = forms.TypedChoiceField(choices=[("", "Choose"), *_numbered(LIKELIHOOD_LABELS)], coerce=int,
                                        help_text="1 rare to 5 almost certain.")
    impact = forms.TypedChoiceField(choices=[("", "Choose"), *_numbered(IMPACT_LABELS)], coerce=int,
                                    help_text="1 minimal to 5 severe.")
    owner = UserChoiceField(queryset=None, required=False, empty_label="No owner yet",
                            help_text="Who keeps the controls working.")
    controls = forms.CharField(required=False, max_length=MAX_NOTE, widget=_textarea(2))
    mitigation_status = forms.ChoiceField(label="Mitigation status", choices=MitigationStatus.choices,
                                          initial=MitigationStatus.OPEN)
    escalation_threshold = forms.IntegerField(
        label="Escalation threshold", min_value=1, max_value=25, initial=15,
        widget=forms.NumberInput(attrs={"min": 1, "max": 25, "step": 1}),
        help_text="Escalate when likelihood × impact reaches this score (1 to 25).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by(
            "first_name", "last_name", "username"
        )

    @staticmethod
    def initial_for(risk) -> dict[str, Any]:
        return {
            "area": risk.area, "description": risk.description, "likelihood": str(risk.likelihood),
            "impact": str(risk.impact), "owner": risk.owner_id, "controls": risk.controls,
            "mitigation_status": risk.mitigation_status, "escalation_threshold": risk.escalation_threshold,
        }

    def risk_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in RISK_FIELDS}


class KPIActualForm(forms.Form):
    """A dated measurement of one of the use case's KPIs."""

    kpi = forms.ModelChoiceField(label="KPI", queryset=None, empty_label="Choose a KPI")
    measured_on = forms.DateField(label="Measured on", initial=timezone.localdate,
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    value = forms.DecimalField(max_digits=14, decimal_places=2,
                               widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args: Any, kpis, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = kpis
        self.fields["kpi"].label_from_instance = lambda kpi: f"{kpi.name} ({kpi.unit})" if kpi.unit else kpi.name

    def clean_measured_on(self):
        measured_on = self.cleaned_data["measured_on"]
        if measured_on > timezone.localdate():
            raise forms.ValidationError("A measurement cannot be dated in the future.")
        return measured_on


class CostForm(forms.Form):
    """Budget and actual spend for one month."""

    period = forms.DateField(
        label="Month", input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}, format="%Y-%m"),
    )
    budget = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0,
                                widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    actual = forms.DecimalField(label="Actual spend", max_digits=14, decimal_places=2, min_value=0,
                                widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    # Not given: the platform bill, as the service records figures without a category.
    category = forms.TypedChoiceField(label="Budget category", choices=CostCategory.choices, required=False,
                                      empty_value=CostCategory.PLATFORMS, initial=CostCategory.PLATFORMS)
    note = forms.CharField(required=False, max_length=500)


class KPIValueForm(forms.Form):
    """How often one of the use case's KPIs is measured, by whom, and what a unit of it is worth."""

    kpi = forms.ModelChoiceField(label="KPI", queryset=None, empty_label="Choose a KPI")
    cadence = forms.ChoiceField(
        label="Measured", required=False,
        choices=[("", "As the policy says (weekly in pilot, monthly after)"), *KPICadence.choices],
        error_messages={"invalid_choice": "Choose weekly, monthly or quarterly, or leave it to the policy."})
    owner = UserChoiceField(label="Owner", queryset=None, required=False, empty_label="Nobody (the delivery owner)")
    value_type = forms.ChoiceField(label="Value type", required=False, choices=[("", "None"), *KPIValueType.choices])
    unit_value = forms.DecimalField(
        label="Monetary value per unit", required=False, min_value=0, max_digits=14, decimal_places=4,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text="What one unit of improvement over the baseline is worth; blank when it has no monetary value.")

    def __init__(self, *args: Any, kpis, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = kpis
        self.fields["kpi"].label_from_instance = lambda kpi: f"{kpi.name} ({kpi.unit})" if kpi.unit else kpi.name
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by(
            "first_name", "last_name", "username")

    def value_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in KPI_VALUE_FIELDS}


DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class IncidentForm(forms.Form):
    """An incident: what happened, its impact, the response and the corrective action."""

    severity = forms.TypedChoiceField(choices=_numbered(SEVERITY_LABELS), coerce=int, widget=forms.RadioSelect,
                                      error_messages={"invalid_choice": "Choose a severity from 1 to 4."})
    title = forms.CharField(max_length=200, validators=[validate_single_line])
    occurred_at = forms.DateTimeField(
        label="Occurred at", input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    what_happened = forms.CharField(label="What happened", max_length=5000, widget=_textarea(4))
    impact = forms.CharField(required=False, max_length=MAX_NOTE, widget=_textarea(2),
                             help_text="Who or what was affected, and how much.")
    response = forms.CharField(required=False, max_length=MAX_NOTE, widget=_textarea(2),
                               help_text="What was done at the time.")
    corrective_action = forms.CharField(label="Corrective action", required=False, max_length=MAX_NOTE,
                                        widget=_textarea(2), help_text="What changes so it does not happen again.")
    rollback_done = forms.BooleanField(label="Rolled back", required=False)
    status = forms.ChoiceField(choices=IncidentStatus.choices, initial=IncidentStatus.OPEN)

    @staticmethod
    def initial_for(incident) -> dict[str, Any]:
        initial = {name: getattr(incident, name) for name in INCIDENT_FIELDS}
        initial["severity"] = str(incident.severity)
        initial["occurred_at"] = timezone.localtime(incident.occurred_at)
        return initial

    def clean_occurred_at(self):
        occurred_at = self.cleaned_data["occurred_at"]
        if occurred_at > timezone.now() + datetime.timedelta(minutes=5):
            raise forms.ValidationError("An incident cannot have occurred in the future.")
        return occurred_at

    def incident_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in INCIDENT_FIELDS}


class GateForm(forms.Form):
    """A stage-gate decision; the service checks the criteria and the rationale."""

    outcome = forms.ChoiceField(widget=forms.RadioSelect,
                                error_messages={"invalid_choice": "Choose one of the outcomes offered."})
    rationale = forms.CharField(required=False, max_length=5000, widget=_textarea(4),
                                help_text="Why you decide this way (at least 10 characters). Everyone on the use "
                                          "case can read it.")
    to_stage = forms.ChoiceField(label="Back to stage", required=False,
                                 help_text="For a pivot: the earlier stage to go back to.")
    redesign_note = forms.CharField(label="Redesign note", required=False, max_length=5000, widget=_textarea(3),
                                    help_text="For a pivot: what must change before it comes back to this gate.")

    def __init__(self, *args: Any, outcomes: list[tuple[str, str]], pivot_stages: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = outcomes
        self.fields["to_stage"].choices = [("", "Choose a stage"), *pivot_stages]
        if not pivot_stages:
            self.fields["to_stage"].disabled = True
            self.fields["redesign_note"].disabled = True
