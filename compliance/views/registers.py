"""The obligation registers: a use case's and the organisation's.

Reads go through ``compliance.permissions`` (the unseen 404s). Each page runs a constant number of queries,
whatever the number of obligations or pieces of evidence. A register lists every obligation read-only (with
the one-button Link and Remove); the forms of one obligation (upload, status, owner) open only when it is
worked (``?work=<pk>``), so a high-risk case's page stays light. A message about an obligation is shown inside
it: the page opens there, at ``#obligation-<pk>``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from intake.models import UseCase, UseCaseEvent
from reviews.selectors import NEXT_STAGE
from reviews.views.common import fetch

from .. import selectors, services
from ..models import Obligation
from .presenting import (
    GATE_LABELS,
    STATUS_BADGES,
    Bound,
    Rights,
    asked_of,
    decorate_register,
    filtered_register,
    framework_groups,
    page_messages,
    refused_on_page,
)

# ---------------------------------------------------------------- the use case's register


def use_case_page(request: HttpRequest, use_case: UseCase, *, bound: Bound | None = None) -> HttpResponse:
    page_url = reverse("compliance:use_case", args=[use_case.reference])
    register = selectors.use_case_register(use_case)
    coverage = selectors.coverage(use_case, register)
    suggestions = selectors.register_suggestions(use_case, register)
    for obligation in register:
        obligation.use_case = use_case  # the page's, not one fetched per obligation
    next_stage = NEXT_STAGE.get(use_case.stage)
    asked, filters, shown = filtered_register(register, asked_of(request, bound), page_url, next_stage)
    rights = Rights(request.user)
    decorate_register(shown, rights=rights, asked=asked, page_url=page_url, bound=bound, suggestions=suggestions)
    organisation = selectors.organisation_register()
    for obligation in organisation:
        obligation.badge = STATUS_BADGES.get(obligation.status, "badge-neutral")
    changed = (UseCaseEvent.objects.filter(use_case=use_case, kind=services.CHANGED_EVENT)
               .order_by("-created_at", "-id").first())
    needed = [o for o in register if next_stage in GATE_LABELS
              and selectors.required_by(o.requirement.required_before, next_stage)]
    refused = refused_on_page(request, shown, bound)
    context = {
        "use_case": use_case,
        "current": "compliance",
        "can_manage": rights.may(Obligation(use_case=use_case)),
        "coverage": coverage,
        "filters": filters if register else [],
        "show": asked.show,
        "next_gate": GATE_LABELS.get(next_stage, ""),
        "next_gate_missing": sum(1 for o in needed if not o.satisfied),
        "frameworks": framework_groups(shown, coverage),
        "organisation": framework_groups(organisation),
        "changed": changed,
        "refused": refused,
        "messages": page_messages(request, shown),
    }
    return render(request, "compliance/use_case.html", context)


@require_GET
def use_case(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, _facts = fetch(request, reference)
    return use_case_page(request, use_case)


# ---------------------------------------------------------------- the organisation's register


def organisation_page(request: HttpRequest, *, bound: Bound | None = None) -> HttpResponse:
    page_url = reverse("compliance:organisation")
    register = selectors.organisation_register()
    asked, filters, shown = filtered_register(register, asked_of(request, bound), page_url)
    rights = Rights(request.user)
    decorate_register(shown, rights=rights, asked=asked, page_url=page_url, bound=bound)
    coverage = selectors.framework_totals(Obligation.objects.filter(use_case__isnull=True))
    rows = {row.framework.pk: row for row in coverage}
    for obligation in register:
        if not obligation.satisfied and obligation.requirement.framework_id in rows:
            rows[obligation.requirement.framework_id].missing.append(obligation)
    refused = refused_on_page(request, shown, bound)
    context = {
        "may_work": rights.may(Obligation()),
        "coverage": coverage,
        "filters": filters if register else [],
        "show": asked.show,
        "frameworks": framework_groups(shown, coverage),
        "refused": refused,
        "messages": page_messages(request, shown),
    }
    return render(request, "compliance/organisation.html", context)


@require_GET
def organisation(request: HttpRequest) -> HttpResponse:
    return organisation_page(request)


