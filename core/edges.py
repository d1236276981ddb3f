"""One adapter from a service's refusal to what a page or the admin shows.

Services check permissions and rules themselves and raise ``ValidationError`` (by field),
``PermissionDenied`` (the reason), ``InvalidTransition`` (the lifecycle's reason) or ``Http404``.
Pages and admin actions call the service and hand whatever it raised to ``message_for`` (one
sentence for a message) or ``attach`` (errors next to the form's fields); they never re-check or
re-word a refusal. The API's counterpart is ``api.exceptions``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from core.errors import InvalidTransition

# What a service may raise that an edge shows instead of failing.
REFUSALS = (ValidationError, PermissionDenied, InvalidTransition, Http404)
NOT_ALLOWED = "You do not have permission to do that."


def message_for(exc: Exception) -> str:
    """A refusal as one sentence."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, InvalidTransition):
        return exc.detail
    if isinstance(exc, Http404):
        return "Not found, or not visible to you."
    return str(exc) or NOT_ALLOWED


def report(request: HttpRequest, exc: Exception, *, prefix: str = "") -> None:
    """Show a refusal as an error message (pages and admin actions)."""
    text = message_for(exc)
    messages.error(request, f"{prefix}: {text}" if prefix else text)


def attach(form: forms.BaseForm, exc: Exception, *, labels: Mapping[str, str] | None = None,
           field_for: Callable[[str], str] | None = None) -> None:
    """Put a refusal next to the fields it names, else at the top of ``form``.

    ``field_for`` maps a service's key to a form field; a key no field shows is prefixed with its
    label (``labels``, else the key in words).
    """
    if not isinstance(exc, ValidationError) or not hasattr(exc, "error_dict"):
        _add(form, None, exc.messages if isinstance(exc, ValidationError) else [message_for(exc)])
        return
    for key, msgs in exc.message_dict.items():
        name = field_for(key) if field_for and key != NON_FIELD_ERRORS else key
        if name in form.fields:
            _add(form, name, msgs)
        elif key == NON_FIELD_ERRORS:
            _add(form, None, msgs)
        else:
            label = (labels or {}).get(key) or key.replace("_", " ").capitalize()
            _add(form, None, [f"{label}: {m}" for m in msgs])


@dataclass(frozen=True)
class Done:
    """The service wrote; ``value`` is what it returned."""

    value: Any


def perform(request: HttpRequest, form: forms.BaseForm, run: Callable[[], Any], *, back: str,
            field_for: Callable[[str], str] | None = None) -> Done | HttpResponse | None:
    """Run one service call of a form page: ``Done`` when it wrote; None when its ValidationError is now on
    ``form`` (show the page again); otherwise its refusal as a message and a redirect to ``back``."""
    try:
        return Done(run())
    except ValidationError as exc:
        attach(form, exc, field_for=field_for)
        return None
    except REFUSALS as exc:
        report(request, exc)
        return redirect(back)


def _add(form: forms.BaseForm, field: str | None, msgs: list[str]) -> None:
    if form.is_bound:
        form.add_error(field, msgs)
        return
    # An unbound form (a page asked to show why an earlier action failed): add_error needs
    # cleaned_data, so the errors are set directly.
    key = field or NON_FIELD_ERRORS
    errors = form.errors.setdefault(
        key, form.error_class(error_class="nonfield" if field is None else None, renderer=form.renderer))
    errors.extend(msgs)
