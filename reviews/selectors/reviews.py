"""Reads for the review workflow: querysets with what their pages need."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Case, IntegerField, Max, Q, QuerySet, When

from intake import permissions
from intake.choices import ReviewFunction
from intake.forms import LABELS, SECTIONS
from intake.models import UseCase
from intake.selectors import use_case_detail
from reviews.choices import APPROVED_STATUSES, AWAITING_DECISION, UNDECIDED_STATUSES
from reviews.models import Comment, Evidence, Review, ReviewCondition
from reviews.snapshots import display_value, field_label, snapshot_diff

from .evidence import risks_for


def reviewer_functions(user) -> frozenset[str]:
    """Review functions whose org group ``user`` belongs to (cached on the user)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if not hasattr(user, "_review_functions"):
        names = user.groups.filter(name__in=ReviewFunction.values).values_list("name", flat=True)
        user._review_functions = frozenset(names)
    return user._review_functions


def current_cycle(use_case: UseCase) -> int:
    return Review.objects.filter(use_case=use_case).aggregate(cycle=Max("cycle"))["cycle"] or 1


def reviews_in_cycle(use_case: UseCase, cycle: int | None = None) -> QuerySet[Review]:
    cycle = current_cycle(use_case) if cycle is None else cycle
    return Review.objects.filter(use_case=use_case, cycle=cycle)


def review_queue_for(user) -> QuerySet[Review]:
    """The reviews ``user`` works: their functions' (all for governance admins), on use cases they may see.

    Undecided first, then the oldest due date first.
    """
    reviews = Review.objects.select_related("use_case", "use_case__business_unit", "assignee")
    if not user.is_authenticated or not user.is_active:
        return reviews.none()
    if not permissions.is_governance_admin(user):
        # An assignee may decide (review_assign checks), so they see it too.
        reviews = reviews.filter(Q(function__in=reviewer_functions(user)) | Q(assignee=user))
    return (
        permissions.restrict(reviews, user, field="use_case_id")
        .annotate(queue_rank=Case(When(status__in=AWAITING_DECISION, then=0), default=1,
                                  output_field=IntegerField()))
        .order_by("queue_rank", "due_date", "id")
    )


def unmet_conditions(use_case: UseCase) -> QuerySet[ReviewCondition]:
    """Conditions of approvals on ``use_case`` not yet met: each blocks the next gate."""
    return (
        ReviewCondition.objects.filter(review__use_case=use_case, met=False)
        .select_related("review", "owner")
        .order_by("due_date", "id")
    )


def all_approved(use_case: UseCase) -> bool:
    """Whether the current cycle has reviews and every one of them is approved."""
    statuses = set(reviews_in_cycle(use_case).values_list("status", flat=True))
    return bool(statuses) and statuses <= set(APPROVED_STATUSES)


def has_undecided(use_case: UseCase) -> bool:
    return reviews_in_cycle(use_case).filter(status__in=UNDECIDED_STATUSES).exists()


def review_page(review: Review) -> dict[str, Any]:
    """Everything the review page shows, in a constant number of queries."""
    use_case = use_case_detail(queryset=UseCase.objects.filter(pk=review.use_case_id)).get()
    on_use_case = {"review__use_case": use_case}
    return {
        "review": review,
        "use_case": use_case,
        "sections": intake_sections(use_case),
        "tier": tier_reasons(use_case),
        "kpis": list(use_case.kpis.all()),
        # The same register (and order) as the risk page, so reviewers judge what owners maintain.
        "risks": list(risks_for(use_case)),
        "reviews": list(
            Review.objects.filter(use_case=use_case, cycle=review.cycle)
            .select_related("assignee", "decided_by").order_by("function")
        ),
        "decisions": list(review.decisions.select_related("decided_by")),
        "conditions": list(ReviewCondition.objects.filter(**on_use_case).select_related("review", "owner", "met_by")),
        "comments": list(Comment.objects.filter(use_case=use_case).select_related("author", "review")),
        "evidence": list(Evidence.objects.filter(use_case=use_case).select_related("uploaded_by", "review")),
        "changes": _changes_since_approval(review, use_case),
    }


def _changes_since_approval(review: Review, use_case: UseCase) -> list[dict[str, str]]:
    # Only a reopened review has both a snapshot and no current decision.
    if review.is_decided or not review.approved_snapshot:
        return []
    return snapshot_diff(review.approved_snapshot, use_case)


def _user_label(user) -> str:
    return user.get_full_name() or user.get_username()


def _answer(use_case: UseCase, name: str) -> dict[str, str]:
    field = UseCase._meta.get_field(name)
    value = getattr(use_case, name)
    if field.many_to_many:  # vendors and models (prefetched): a manager's str() would say "vendors.Vendor.None"
        shown = ", ".join(str(item) for item in value.all()) or "None named"
    elif field.is_relation:
        shown = "Not answered" if value is None else (
            _user_label(value) if isinstance(value, get_user_model()) else str(value))
    else:
        shown = display_value(name, value)
    return {"name": name, "label": LABELS.get(name, field_label(name)), "value": shown}


def intake_sections(use_case: UseCase) -> list[dict[str, Any]]:
    return [
        {"anchor": anchor, "title": title, "answers": [_answer(use_case, name) for name in names]}
        for anchor, title, _intro, names in SECTIONS
    ]


_MATCH = re.compile(r"^(?P<field>\w+)=(?P<value>.*) \((?P<points>\d+)\)$")


def _pretty_match(text: str) -> str:
    """'data_classification=internal (1)' -> 'Data classification: Internal (1 points)'."""
    match = _MATCH.match(text)
    if not match:
        return text
    try:
        label = field_label(match["field"])
    except FieldDoesNotExist:  # an answer field since removed from the model
        return text
    value = "" if match["value"] == "none" and match["field"] in ("regulated_area", "prohibited_practice") \
        else match["value"]
    return f"{label}: {display_value(match['field'], value)} ({match['points']})"


def tier_reasons(use_case: UseCase) -> dict[str, Any] | None:
    explanation = use_case.tier_explanation or {}
    if not use_case.risk_tier:
        return None
    return {
        "tier": use_case.get_risk_tier_display(),
        "tier_value": use_case.risk_tier,
        "computed": display_value("computed_tier", use_case.computed_tier),
        "override": display_value("tier_override", use_case.tier_override) if use_case.tier_override else "",
        "override_justification": use_case.tier_override_justification,
        "score": explanation.get("score", use_case.risk_score),
        "score_tier": display_value("risk_tier", explanation.get("score_tier")),
        "matrix_version": explanation.get("matrix_version"),
        "dimensions": [
            {"name": d.get("name", d.get("key", "")), "points": d.get("points", 0),
             "matched": [_pretty_match(m) for m in d.get("matched", [])]}
            for d in explanation.get("dimensions", [])
        ],
        "floors": [
            {"name": f.get("name", ""), "minimum_tier": display_value("risk_tier", f.get("minimum_tier"))}
            for f in explanation.get("floors_applied", [])
        ],
        "eu_ai_act": use_case.get_eu_ai_act_category_display() if use_case.eu_ai_act_category else "",
    }
