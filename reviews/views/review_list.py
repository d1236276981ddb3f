"""The reviews of one use case, every cycle, for anyone who may see it
(submitters cannot open the admin review queue)."""

from __future__ import annotations

from itertools import groupby

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reviews.models import Review, ReviewCondition

from .common import fetch


@require_GET
def use_case_reviews(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, _facts = fetch(request, reference)
    today = timezone.localdate()
    reviews = list(
        Review.objects.filter(use_case=use_case)
        .select_related("assignee", "decided_by")
        .prefetch_related(Prefetch("conditions", queryset=ReviewCondition.objects.select_related("owner", "met_by")
                                   .order_by("due_date", "id")))
        .order_by("-cycle", "function")
    )
    for review in reviews:
        review.overdue = not review.is_decided and review.due_date < today
    cycles = [{"cycle": cycle, "reviews": list(rows)} for cycle, rows in groupby(reviews, key=lambda r: r.cycle)]
    unmet = sum(1 for r in reviews for c in r.conditions.all() if not c.met)
    context = {"use_case": use_case, "current": "reviews", "cycles": cycles, "unmet_count": unmet}
    return render(request, "reviews/reviews.html", context)
