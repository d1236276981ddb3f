"""What every gate-evidence page shares: fetching a visible use case, refusing
writes with the reason, and putting a service's errors next to the fields."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from intake import permissions
from intake.models import UseCase
from intake.permissions import Action, Facts

EVIDENCE_WHO = ("Gate evidence of {ref} is recorded by the people responsible or accountable for its outcome, "
                "delivery, monitoring or incident response, and by governance admins.")


def fetch(request: HttpRequest, reference: str, queryset: QuerySet[UseCase] | None = None) -> tuple[UseCase, Facts]:
    """The use case (404 unless visible) and what this user may do on it, fetched once."""
    queryset = UseCase.objects.select_related("business_unit") if queryset is None else queryset
    use_case = permissions.use_case_for(request.user, reference, queryset)
    return use_case, permissions.permission_facts(request.user, [use_case])[use_case.id]


def can(request: HttpRequest, action: Action, use_case: UseCase, facts: Facts) -> bool:
    return permissions.can(request.user, action, use_case, facts=facts)


def detail_url(use_case: UseCase, anchor: str = "") -> str:
    url = reverse("intake:detail", args=[use_case.reference])
    return f"{url}#{anchor}" if anchor else url


def page_url(name: str, use_case: UseCase, *args) -> str:
    return reverse(f"reviews:{name}", args=[use_case.reference, *args])


def refusal_text(action: Action, use_case: UseCase, reason: str) -> str:
    if action == Action.MANAGE_EVIDENCE:
        return f"{reason} {EVIDENCE_WHO.format(ref=use_case.reference)}"
    return reason


def refuse(request: HttpRequest, action: Action, use_case: UseCase, facts: Facts, to: str) -> HttpResponse | None:
    """None when the user may take ``action``; otherwise say why and go back, changing nothing."""
    decision = permissions.decide(request.user, action, use_case, facts=facts)
    if decision:
        return None
    messages.error(request, refusal_text(action, use_case, decision.reason))
    return redirect(to)


def denied(request: HttpRequest, exc: Exception, action: Action, use_case: UseCase, to: str) -> HttpResponse:
    """A PermissionDenied raised inside a service: show its message, change nothing."""
    reason = str(exc) or "You do not have permission to do that."
    messages.error(request, refusal_text(action, use_case, reason))
    return redirect(to)


def attach_errors(form: forms.Form, exc: ValidationError, field_for: Callable[[str], str] | None = None) -> None:
    """Put a service's ValidationError next to the fields it names (else at the top of the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, msgs in exc.message_dict.items():
        name = field_for(key) if field_for and key != NON_FIELD_ERRORS else key
        if name in form.fields:
            form.add_error(name, msgs)
        elif key == NON_FIELD_ERRORS:
            form.add_error(None, msgs)
        else:
            label = key.replace("_", " ").capitalize()
            form.add_error(None, [f"{label}: {m}" for m in msgs])


def first_errors(form: forms.Form) -> str:
    """Every error of a form as one sentence, for a message."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields and form.fields[name].label else ""
        for error in errors:
            parts.append(f"{label}: {error}" if label and name != NON_FIELD_ERRORS else str(error))
    return " ".join(parts)
