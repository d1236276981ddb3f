"""Forms of the review admin. They only validate input; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from reviews import services
from reviews.models import Review


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
