"""The framework pages: the frameworks loaded, one framework's requirement tree, a requirement with the use
cases it applies to; and the coverage panel of the use-case page (``intake.views.usecases.PANELS``)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from intake import choices as intake_choices
from intake import permissions as intake_permissions
from intake.models import UseCase
from intake.permissions import Action, Facts

from .. import permissions, selectors
from ..applicability import BOOLEAN, FACT_VALUES
from ..choices import ControlKind, Scope
from ..models import Framework, Obligation, Requirement
from ..portfolio import INACTIVE_STAGES, INACTIVE_STATUSES
from .presenting import GATE_LABELS, STATUS_BADGES

REQUIREMENT_PAGE_SIZE = 50
# A requirement page lists the use cases it applies to that are still going: a draft's register is listed (it is
# being written), one withdrawn, rejected, stopped or retired is over.
OVER_STATUSES = tuple(status for status in INACTIVE_STATUSES if status != intake_choices.Status.DRAFT)

# ``applies_when`` in words: each fact's name, and its values' (from the intake choices, short).
FACT_ORDER = {fact: index for index, fact in enumerate(FACT_VALUES)}
FACT_WORDS = {"eu_category": "EU category", "role": "role", "tier": "risk tier", "ai_pattern": "AI pattern",
              "personal_data": "personal data", "exposure": "exposure", "regulated_area": "regulated area"}
# Values named by their choice's label (the words before any bracket); the others by their key in words, as
# their labels hold commas ("Migration, asylum and border control").
VALUE_WORDS = {"eu_category": intake_choices.EUAIActCategory, "tier": intake_choices.RiskTier,
               "ai_pattern": intake_choices.AIPattern}
# A yes-or-no fact: what it says when true, and when false.
BOOLEAN_WORDS = {
    "generates_content": ("generates content", "generates no content"),
    "interacts_with_people": ("interacts with people", "does not interact with people"),
    "emotion_or_biometric": ("recognises emotions or uses biometrics",
                             "neither recognises emotions nor uses biometrics"),
    "deep_fake": ("makes deep fakes", "makes no deep fakes"),
    "public_service": ("public service", "not a public service"),
}


def _words(items: list[str], last: str) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def _value_words(fact: str, value: Any) -> str:
    choices = VALUE_WORDS.get(fact)
    if choices is None:
        return str(value).replace("_", " ")
    label = str(dict(choices.choices).get(value, value)).split(" (")[0]  # "High-risk (Annex III)": "High-risk"
    return label[:1].lower() + label[1:]


def _condition_words(condition: dict[str, list]) -> str:
    parts = []
    # In the facts' own order: PostgreSQL's jsonb keeps no key order, and the words must not depend on it.
    for fact, values in sorted(condition.items(), key=lambda item: FACT_ORDER.get(item[0], len(FACT_ORDER))):
        if fact in BOOLEAN_WORDS:
            if set(values) != set(BOOLEAN):  # both values: the fact does not narrow it
                parts.append(BOOLEAN_WORDS[fact][0] if values[0] else BOOLEAN_WORDS[fact][1])
        else:
            parts.append(f"{FACT_WORDS.get(fact, fact)} {_words([_value_words(fact, v) for v in values], 'or')}")
    return _words(parts, "and") if parts else "every use case"


def applies_to(requirement: Requirement) -> str:
    """Who a requirement applies to, in words: "Organisation", "Every use case", or the use cases its rule
    selects, e.g. "EU category high-risk and role provider" (conditions joined by "; or")."""
    if requirement.scope == Scope.ORGANISATION:
        return "Organisation"
    if not requirement.assessable:
        return "Each of its parts by its own rule"
    if not requirement.applies_when:
        return "Every use case"
    return "; or ".join(_condition_words(c) for c in requirement.applies_when)


# ---------------------------------------------------------------- reference pages


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    live = Q(requirements__deprecated=False)
    frameworks = Framework.objects.annotate(
        requirement_count=Count("requirements", filter=live, distinct=True),
        assessable_count=Count("requirements", filter=live & Q(requirements__assessable=True), distinct=True),
        system_count=Count("requirements", filter=live & Q(requirements__assessable=True,
                                                            requirements__scope="system"), distinct=True),
        organisation_count=Count("requirements", filter=live & Q(requirements__assessable=True,
                                                                  requirements__scope="organisation"), distinct=True),
        crosswalk_count=Count("requirements__crosswalk", distinct=True),
    ).order_by("name")
    return render(request, "compliance/index.html", {"frameworks": list(frameworks)})


def _tree(requirements: list[Requirement]) -> list[Requirement]:
    """Requirements parent first, each followed by its children in order, with ``depth`` set."""
    children: dict[int | None, list[Requirement]] = defaultdict(list)
    known = {r.pk for r in requirements}
    for requirement in requirements:
        children[requirement.parent_id if requirement.parent_id in known else None].append(requirement)
    ordered: list[Requirement] = []

    def walk(parent: int | None, depth: int) -> None:
        for requirement in children.get(parent, []):
            requirement.depth = depth
            requirement.indent = 1.5 * depth
            ordered.append(requirement)
            walk(requirement.pk, depth + 1)

    walk(None, 0)
    return ordered


@require_GET
def framework(request: HttpRequest, key: str) -> HttpResponse:
    framework = get_object_or_404(Framework, key=key)
    requirements = list(framework.requirements.annotate(crosswalk_count=Count("crosswalk"))
                        .order_by("order", "id"))
    for item in requirements:
        item.gate_label = GATE_LABELS.get(item.required_before, "")
        item.applies_to = applies_to(item)
    return render(request, "compliance/framework.html", {"framework": framework, "requirements": _tree(requirements)})


@require_GET
def requirement(request: HttpRequest, pk: int) -> HttpResponse:
    requirement = get_object_or_404(
        Requirement.objects.select_related("framework", "parent").prefetch_related(
            "crosswalk", Prefetch("children", Requirement.objects.order_by("order", "id"))), pk=pk)
    applying = permissions.visible_obligations(request.user, Obligation.objects.filter(
        requirement=requirement, use_case__isnull=False, applicable=True).exclude(
        use_case__status__in=OVER_STATUSES).exclude(use_case__stage__in=INACTIVE_STAGES)).select_related(
        "use_case", "owner").order_by("use_case__reference", "id")
    page = Paginator(applying, REQUIREMENT_PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for obligation in page.object_list:
        obligation.badge = STATUS_BADGES.get(obligation.status, "badge-neutral")
        obligation.satisfied = selectors.is_satisfied(obligation, today)
    organisation = Obligation.objects.filter(requirement=requirement, use_case__isnull=True).first()
    if organisation is not None:
        organisation.badge = STATUS_BADGES.get(organisation.status, "badge-neutral")
    return render(request, "compliance/requirement.html", {
        "requirement": requirement,
        "gate_label": GATE_LABELS.get(requirement.required_before, ""),
        "applies_to": applies_to(requirement),
        "future": bool(requirement.applies_from and requirement.applies_from > today),
        "crosswalk": [{"entry": e, "control": ControlKind(e.control).label if e.control in ControlKind.values
                       else e.control} for e in requirement.crosswalk.all()],
        "page": page,
        "obligations": page.object_list,
        "organisation": organisation,
    })


# ---------------------------------------------------------------- the use-case page's panel


def coverage_panel(*, request: HttpRequest, use_case: UseCase, facts: Facts) -> dict[str, Any] | None:
    """Coverage by framework on the use-case page, linking to the register; nothing before it opens."""
    if not intake_permissions.can(request.user, Action.VIEW, use_case, facts=facts):
        return None
    coverage = selectors.framework_totals(Obligation.objects.filter(use_case=use_case))
    if not coverage:
        return None
    return {"template": "compliance/_coverage_panel.html",
            "context": {"use_case": use_case, "coverage": coverage}}
