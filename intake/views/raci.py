"""The RACI page: the grid for everyone who may see the use case, an editor for those who may manage it.

Whoever may view a use case sees its RACI. Its outcome's Accountable and
governance admins (``Action.MANAGE_RACI``) may also replace it; the rules
(one A per activity, parties that exist, who may hold a deciding role, who
may change the rows of reviews and go / no-go once submitted) are
``services.raci_set``'s, and so is who may save. The editor offers what
``selectors.raci_choices`` says may be chosen; a refused save changes nothing
and its reasons are shown at the rows they concern, or, when the person may
not change the RACI at all, as a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core import edges
from intake import permissions, selectors, services
from intake.choices import RaciLetter
from intake.forms import raci_formset
from intake.models import RaciAssignment, UseCase
from intake.permissions import Action

LETTER_NAMES = dict(RaciLetter.choices)


def raci_grid_context(use_case: UseCase) -> dict[str, Any]:
    """``selectors.raci_grid`` (one query) with each cell's letters named, for the templates."""
    grid = selectors.raci_grid(use_case)
    return {
        "parties": grid["parties"],
        "rows": [
            {"activity": activity, "cells": [[(letter, LETTER_NAMES.get(letter, letter)) for letter in cell]
                                             for cell in cells]}
            for activity, cells in grid["rows"]
        ],
    }


def _raci_url(use_case: UseCase) -> str:
    return reverse("intake:raci", args=[use_case.reference])


def _errors(formset, refused: list[str]) -> list[str]:
    """Everything that stopped a save, for the box at the top of the form."""
    errors = [*formset.non_form_errors(), *refused]
    if any(formset.errors):
        errors.append("Correct the highlighted rows below.")
    return errors


def _editor_data(use_case: UseCase, user) -> tuple[list[RaciAssignment], selectors.RaciChoices]:
    assignments = list(selectors.raci_for(use_case))
    return assignments, selectors.raci_choices(use_case, actor=user, assignments=assignments)


@require_http_methods(["GET", "POST"])
def use_case_raci(request: HttpRequest, reference: str) -> HttpResponse:
    user = request.user
    use_case = permissions.use_case_for(user, reference)
    facts = permissions.permission_facts(user, [use_case])[use_case.id]
    # Whether to offer the editor; whether a save may happen is raci_set's to decide.
    can_manage = permissions.can(user, Action.MANAGE_RACI, use_case, facts=facts)
    formset = None
    errors: list[str] = []
    if request.method == "POST":
        assignments, choices = _editor_data(use_case, user)
        formset = raci_formset(request.POST, assignments=assignments, choices=choices)
        refused: list[str] = []
        if formset.is_valid():
            try:
                services.raci_set(use_case=use_case, actor=user, rows=formset.rows())
            except services.RaciRefused as exc:
                # Each reason at the row it concerns, the rest at the top.
                kept = formset.kept_forms()
                for index, reasons in exc.row_errors.items():
                    kept[index].add_error("party", reasons)
                refused = exc.general
            except ValidationError as exc:
                refused = exc.messages
            except edges.REFUSALS as exc:
                # Not a problem with the rows (may not change this RACI at all): say why, change nothing.
                edges.report(request, exc)
                return redirect(_raci_url(use_case))
            else:
                return _saved(request, use_case)
        errors = _errors(formset, refused)
        if not formset.management_form.is_valid():
            # Tampered or missing management data: show the current rows again, keep the error.
            formset = raci_formset(assignments=assignments, choices=choices)
    elif can_manage:
        assignments, choices = _editor_data(use_case, user)
        formset = raci_formset(assignments=assignments, choices=choices)

    context = {
        "use_case": use_case,
        "raci": raci_grid_context(use_case),
        "can_manage_raci": can_manage,
        "formset": formset,
        "errors": errors,
    }
    return render(request, "intake/raci.html", context)


def _saved(request: HttpRequest, use_case: UseCase) -> HttpResponse:
    if not permissions.visible_use_cases(request.user).filter(pk=use_case.pk).exists():
        # The editor took themselves off the RACI: the page would now be a 404.
        messages.success(request, f"RACI updated. You are no longer on it, so {use_case.reference} is not "
                                  "visible to you any more.")
        return redirect("intake:list")
    messages.success(request, "RACI updated")
    return redirect(_raci_url(use_case))
