"""What every gate-evidence page shares: fetching a visible use case and the URLs back to it.

Writes are checked and refused by the services; pages hand a refusal to ``core.edges``.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from intake import permissions
from intake.models import UseCase
from intake.permissions import Action, Facts


def fetch(request: HttpRequest, reference: str, queryset: QuerySet[UseCase] | None = None) -> tuple[UseCase, Facts]:
    """The use case (404 unless visible) and what this user may do on it, fetched once."""
    queryset = UseCase.objects.select_related("business_unit") if queryset is None else queryset
    use_case = permissions.use_case_for(request.user, reference, queryset)
    return use_case, permissions.permission_facts(request.user, [use_case])[use_case.id]


def can(request: HttpRequest, action: Action, use_case: UseCase, facts: Facts) -> bool:
    """Whether to offer ``action`` on the page; the service decides when it is taken."""
    return permissions.can(request.user, action, use_case, facts=facts)


def detail_url(use_case: UseCase, anchor: str = "") -> str:
    url = reverse("intake:detail", args=[use_case.reference])
    return f"{url}#{anchor}" if anchor else url


def page_url(name: str, use_case: UseCase, *args) -> str:
    return reverse(f"reviews:{name}", args=[use_case.reference, *args])


def first_errors(form: forms.Form) -> str:
    """Every error of a form as one sentence, for a message."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields and form.fields[name].label else ""
        for error in errors:
            parts.append(f"{label}: {error}" if label and name != NON_FIELD_ERRORS else str(error))
    return " ".join(parts)
