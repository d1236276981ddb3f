"""Forms for the submitter-facing intake pages.

The forms only validate input (types, choices, lengths, who may be picked);
every write goes through ``intake.services``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.text import capfirst

from intake import selectors
from intake.choices import RaciLetter, RiskTier
from intake.models import (
    KPI,
    PILOT_CRITERIA,
    BusinessUnit,
    PilotSelection,
    PortfolioBucket,
    RaciAssignment,
    StrategicOutcome,
    UseCase,
)
from intake.services import KPI_FIELDS, REQUIRED_FOR_SUBMIT
from vendors.models import AIModel, Vendor

# The form's sections, in order: (anchor, title, intro, field names). The
# detail page shows the answers in the same sections.
SECTIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "problem",
        "Problem and outcome",
        "What problem this solves and the business outcome it serves.",
        (
            "title",
            "summary",
            "problem_statement",
            "strategic_outcome",
            "portfolio_bucket",
            "outcome_baseline",
            "outcome_target",
            "outcome_time_horizon",
            "outcome_constraints",
        ),
    ),
    (
        "ownership",
        "Ownership",
        "The business unit it belongs to and the people accountable for it.",
        ("business_unit", "business_owner", "delivery_owner", "executive_sponsor"),
    ),
    (
        "data",
        "Data",
        "What data it reads or produces.",
        ("data_sources", "data_classification", "personal_data"),
    ),
    (
        "users",
        "Users and integrations",
        "Who uses it, what it connects to and when it should be released.",
        ("exposure", "expected_users", "integrations", "target_release"),
    ),
    (
        "ai",
        "AI pattern and oversight",
        "How the AI works and how far people stay in control. These answers set the risk tier.",
        ("ai_pattern", "generates_content", "interacts_with_people", "emotion_or_biometric", "deep_fake", "autonomy",
         "decision_impact", "regulated_area", "prohibited_practice", "ai_act_role", "public_service"),
    ),
    (
        "vendors",
        "Vendors and models",
        "The vendors and the registry models it depends on. A model not approved for this data or tier "
        "is flagged and brings architecture and security into the review.",
        ("vendors", "ai_models"),
    ),
)

FORM_FIELDS: tuple[str, ...] = tuple(name for *_, names in SECTIONS for name in names)
# Everything the form collects except the business unit is an "answer".
ANSWER_FIELDS: tuple[str, ...] = tuple(name for name in FORM_FIELDS if name != "business_unit")


def _label(model, name: str) -> str:
    """A model field's label as ModelForm writes it: its verbose_name with a capital first letter."""
    return capfirst(model._meta.get_field(name).verbose_name)


# Labels and help texts are the model's (verbose_name, help_text), so the page, the admin and the API
# schema say the same; views and selectors use LABELS where they name a field outside the form.
LABELS = {name: _label(UseCase, name) for name in FORM_FIELDS}

# Short single-choice answers shown as radio buttons without a blank option
# (leaving them all unticked means "not answered yet").
RADIO_FIELDS = ("data_classification", "personal_data", "exposure", "ai_pattern", "autonomy", "decision_impact")
# Radio buttons whose blank choice is a real answer ("None of these").
RADIO_WITH_NONE_FIELDS = ("regulated_area", "prohibited_practice")

MAX_KPIS = 50


def user_label(user) -> str:
    return user.get_full_name() or user.get_username()


def user_choice_label(user) -> str:
    """How a person appears in a select: "Full name (username)"."""
    full_name = user.get_full_name()
    return f"{full_name} ({user.get_username()})" if full_name else user.get_username()


class VendorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.effective_status_label().lower()})"


class ModelChoiceFieldWithFit(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return (f"{obj} ({obj.get_status_display().lower()}; up to {obj.get_max_data_classification_display().lower()}"
                f" data, {obj.get_max_tier_display().lower()} tier)")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return user_choice_label(obj)


class OfferedUserChoiceField(UserChoiceField):
    """Offers the people of ``queryset``, takes any of ``accepts``.

    For a choice with a rule behind it (the executive sponsor): the select lists who may be chosen, and
    anyone else posted reaches the service, which refuses with its reason, shown at the field.
    """

    accepts = None

    def to_python(self, value):
        if self.accepts is None or value in self.empty_values:
            return super().to_python(value)
        try:
            return self.accepts.get(pk=getattr(value, "pk", value))
        except (ValueError, TypeError, self.accepts.model.DoesNotExist):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class UseCaseForm(forms.ModelForm):
    """Every intake answer. Only title and business unit are needed for a draft."""

    class Meta:
        model = UseCase
        fields = FORM_FIELDS
        field_classes = {
            "business_owner": UserChoiceField,
            "delivery_owner": UserChoiceField,
            "executive_sponsor": OfferedUserChoiceField,
            "vendors": VendorChoiceField,
            "ai_models": ModelChoiceFieldWithFit,
        }
        widgets = {
            "summary": _textarea(3),
            "problem_statement": _textarea(5),
            "outcome_constraints": _textarea(2),
            "data_sources": _textarea(3),
            "integrations": _textarea(2),
            "target_release": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expected_users": forms.NumberInput(attrs={"min": 0, "step": 1}),
            **{name: forms.RadioSelect for name in RADIO_FIELDS + RADIO_WITH_NONE_FIELDS},
            "vendors": forms.CheckboxSelectMultiple,
            "ai_models": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        instance = self.instance
        editing = instance.pk is not None

        bu = self.fields["business_unit"]
        if editing:
            # Answers never move a use case between units; show it, don't change it.
            bu.queryset = BusinessUnit.objects.filter(pk=instance.business_unit_id)
            bu.disabled = True
            bu.help_text = "A use case stays in the business unit it was created in."
        else:
            bu.queryset = user.business_units.all().order_by("name")
            bu.empty_label = "Choose a business unit"
            units = list(bu.queryset[:2])
            if len(units) == 1 and not self.initial.get("business_unit"):
                self.initial["business_unit"] = units[0].pk

        self.fields["strategic_outcome"].queryset = StrategicOutcome.objects.filter(
            Q(active=True) | Q(pk=instance.strategic_outcome_id)
        ).order_by("name")
        self.fields["portfolio_bucket"].queryset = PortfolioBucket.objects.filter(
            Q(active=True) | Q(pk=instance.portfolio_bucket_id)
        ).order_by("name")
        users = get_user_model().objects.order_by("first_name", "last_name", "username")
        for name in ("business_owner", "delivery_owner"):
            current = getattr(instance, f"{name}_id")
            self.fields[name].queryset = users.filter(Q(is_active=True) | Q(pk=current))
            self.fields[name].empty_label = "Choose a person"
        # The sponsor decides the stage gates: the select offers who may be (selectors.eligible_sponsors); the
        # service refuses anyone else posted, with its reason.
        sponsor = self.fields["executive_sponsor"]
        eligible = selectors.eligible_sponsors(instance if editing else None, creator=user)
        current = Q(pk=instance.executive_sponsor_id)
        sponsor.queryset = users.filter(Q(pk__in=eligible.values("pk")) | current)
        sponsor.accepts = users.filter(Q(is_active=True) | current)
        sponsor.empty_label = "Choose a person"
        for name in ("strategic_outcome", "portfolio_bucket"):
            self.fields[name].empty_label = "Choose one"
        self.fields["vendors"].queryset = Vendor.objects.exclude(status="offboarded").order_by("name")
        self.fields["ai_models"].queryset = AIModel.objects.select_related("provider").order_by(
            "provider__name", "name", "version")

        for name in RADIO_FIELDS:
            field = self.fields[name]
            field.choices = [(value, label) for value, label in field.choices if value != ""]

        self.needed_to_submit = set(REQUIRED_FOR_SUBMIT)

    def answers(self) -> dict[str, Any]:
        """The cleaned answers the services take (business unit excluded)."""
        return {name: self.cleaned_data[name] for name in ANSWER_FIELDS if name in self.cleaned_data}


class KPIForm(forms.ModelForm):
    class Meta:
        model = KPI
        fields = KPI_FIELDS
        widgets = {
            "baseline": forms.NumberInput(attrs={"step": "any"}),
            "target": forms.NumberInput(attrs={"step": "any"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("category", "direction"):
            field = self.fields[name]
            field.choices = [("", "Choose…"), *((v, label) for v, label in field.choices if v != "")]


class BaseKPIFormSet(BaseInlineFormSet):
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        # Django lets the hidden id pick any KPI; only this use case's rows may be edited.
        form.fields[self._pk_field.name].queryset = self.get_queryset()

    def rows(self) -> list[dict[str, Any]]:
        """Non-deleted, non-empty rows as the services want them."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            existing = data.get("id")
            rows.append({"id": existing.pk if existing else None, **{name: data[name] for name in KPI_FIELDS}})
        return rows


def kpi_formset_class(*, extra: int) -> type[BaseInlineFormSet]:
    return inlineformset_factory(
        UseCase,
        KPI,
        form=KPIForm,
        formset=BaseKPIFormSet,
        fields=KPI_FIELDS,
        extra=extra,
        can_delete=True,
        max_num=MAX_KPIS,
        absolute_max=MAX_KPIS,
        validate_max=True,
    )


KPI_PREFIX = "kpis"


def kpi_formset(*args: Any, instance: UseCase, **kwargs: Any) -> BaseKPIFormSet:
    extra = 3 if instance.pk is None else 2
    return kpi_formset_class(extra=extra)(*args, instance=instance, prefix=KPI_PREFIX, **kwargs)


class TierOverrideForm(forms.Form):
    tier = forms.ChoiceField(label="Tier", choices=[("", "Choose a tier"), *RiskTier.choices], required=False)
    justification = forms.CharField(
        label="Justification",
        widget=_textarea(3),
        max_length=2000,
        required=False,
        help_text="Why the computed tier is wrong for this use case (at least 20 characters).",
    )


PILOT_SCORE_CHOICES = [(1, "1 · weak"), (2, "2 · adequate"), (3, "3 · strong")]


class PilotSelectionForm(forms.Form):
    """The 12 pilot-selection criteria, each scored 1-3, and a note."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in PILOT_CRITERIA:
            self.fields[key] = forms.TypedChoiceField(
                label=_label(PilotSelection, key),
                choices=PILOT_SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                help_text=PilotSelection._meta.get_field(key).help_text,
                error_messages={"required": "Score this criterion 1, 2 or 3."},
            )
        self.fields["note"] = forms.CharField(label=_label(PilotSelection, "note"), widget=_textarea(3),
                                              max_length=2000, required=False)

    def criteria(self) -> list[forms.BoundField]:
        return [self[key] for key in PILOT_CRITERIA]

    def scores(self) -> dict[str, int]:
        return {key: self.cleaned_data[key] for key in PILOT_CRITERIA}


# ---------------------------------------------------------------- RACI

MAX_RACI_ROWS = 200
RACI_PREFIX = "raci"
RACI_LETTER_CHOICES = [("", "Letter"), *((value, f"{value} · {label}") for value, label in RaciLetter.choices)]


def party_value(assignment: RaciAssignment) -> str:
    """The party select's value for an assignment: "user:<id>" or "group:<id>"."""
    return f"user:{assignment.user_id}" if assignment.user_id else f"group:{assignment.group_id}"


class RaciRowForm(forms.Form):
    """One RACI assignment: activity x letter x party (a person or a group).

    The party select offers, for a deciding activity, who may decide it first; a row of an activity the
    user may no longer change (``locked``) is shown as it is, with its values in hidden inputs. The rules
    are ``services.raci_set``'s: it refuses whatever is posted against them, naming the row.
    """

    activity = forms.ChoiceField(label="Activity")
    letter = forms.ChoiceField(label="Letter", choices=RACI_LETTER_CHOICES)
    party = forms.ChoiceField(label="Person or group")

    def __init__(self, *args: Any, activity_choices=(), party_choices=(), deciding_party_choices=None,
                 locked=frozenset(), inactive=frozenset(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        activity = self.data.get(self.add_prefix("activity")) if self.is_bound else self.initial.get("activity")
        self.locked = bool(activity) and activity in locked
        parties = (deciding_party_choices or {}).get(activity, party_choices)
        self.fields["party"].choices = [("", "Choose a person or group"), *parties]
        if self.locked:
            self.fields["activity"].choices = [c for c in activity_choices if c[0] == activity]
            for name in ("activity", "letter", "party"):
                self.fields[name].widget = forms.HiddenInput()
        else:
            self.fields["activity"].choices = [("", "Choose an activity"),
                                               *(c for c in activity_choices if c[0] not in locked)]
        self.inactive = inactive

    def shown(self) -> dict[str, str]:
        """A locked row's activity, letter and party in words."""
        words = {}
        for name in ("activity", "letter", "party"):
            value = str(self[name].value() or "")
            words[name] = next((str(text) for key, text in _flat(self.fields[name].choices) if str(key) == value),
                               value)
        return words

    def clean_party(self) -> str:
        party = self.cleaned_data["party"]
        if party in self.inactive:
            raise forms.ValidationError("This person is no longer active: pick someone else or remove the row.")
        return party

    def row(self) -> dict[str, Any]:
        """The row as ``services.raci_set`` takes it."""
        kind, _, pk = self.cleaned_data["party"].partition(":")
        return {"activity": self.cleaned_data["activity"], "letter": self.cleaned_data["letter"], f"{kind}_id": int(pk)}


def _flat(choices):
    for key, value in choices:
        if isinstance(value, list | tuple):
            yield from value
        else:
            yield key, value


class BaseRaciFormSet(forms.BaseFormSet):
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = "Remove"

    def kept_forms(self) -> list[RaciRowForm]:
        """The forms of the kept, non-empty rows, in the order of ``rows()`` (call once the formset is valid)."""
        return [form for form in self.forms
                if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")]

    def rows(self) -> list[dict[str, Any]]:
        """Kept, non-empty rows (call once the formset is valid)."""
        return [form.row() for form in self.kept_forms()]


RaciFormSet = forms.formset_factory(
    RaciRowForm,
    formset=BaseRaciFormSet,
    extra=3,
    can_delete=True,
    max_num=MAX_RACI_ROWS,
    absolute_max=MAX_RACI_ROWS,
    validate_max=True,
)


def _party_choices(people, groups) -> list:
    return [("People", [(f"user:{u.pk}", user_choice_label(u)) for u in people]),
            ("Groups", [(f"group:{g.pk}", f"{g.name} (group)") for g in groups])]


def raci_formset(data=None, *, assignments: list[RaciAssignment], choices: selectors.RaciChoices) -> BaseRaciFormSet:
    """The RACI editor: one row per current assignment plus three blank ones.

    Choices come from ``selectors.raci_choices`` (fetched once, shared by every row). A row of a deciding
    activity offers first who may decide it (R or A on a review: its group, and for governance admins its
    members; A on go / no-go: members of executive_sponsors; never the use case's own people), then
    everyone else for the other letters. People on the RACI who have since been deactivated stay
    selectable so their rows show as they are; saving them is refused.
    """
    inactive = {party_value(a): a.user for a in assignments if a.user_id and not a.user.is_active}
    gone = [(value, f"{user_choice_label(u)}, inactive") for value, u in inactive.items()]
    everyone = _party_choices(choices.people, choices.groups)
    everyone[0][1].extend(gone)
    deciding_party_choices = {}
    for key, (users, groups) in choices.deciders.items():
        letters = "R or A" if choices.deciding[key] else "A"
        others = "C or I" if choices.deciding[key] else "R, C or I"
        ids = {u.pk for u in users}, {g.pk for g in groups}
        deciders = [*((f"user:{u.pk}", user_choice_label(u)) for u in users),
                    *((f"group:{g.pk}", f"{g.name} (group)") for g in groups)]
        rest = _party_choices([p for p in choices.people if p.pk not in ids[0]],
                              [g for g in choices.groups if g.pk not in ids[1]])
        deciding_party_choices[key] = [(f"May decide ({letters})", deciders),
                                       *((f"{label} ({others} only)", items) for label, items in rest)]
        deciding_party_choices[key][1][1].extend(gone)
    form_kwargs = {
        "activity_choices": choices.activities,
        "party_choices": everyone,
        "deciding_party_choices": deciding_party_choices,
        "locked": choices.locked,
        "inactive": frozenset(inactive),
    }
    if data is not None:
        # Bound: the rows are what was posted; initial would skew the blank rows' "changed" check.
        return RaciFormSet(data, prefix=RACI_PREFIX, form_kwargs=form_kwargs)
    initial = [{"activity": a.activity.key, "letter": a.letter, "party": party_value(a)} for a in assignments]
    return RaciFormSet(initial=initial, prefix=RACI_PREFIX, form_kwargs=form_kwargs)
