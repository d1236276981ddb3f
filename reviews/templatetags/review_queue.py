"""The reviewer's own counts on the admin dashboard: open, due this week, overdue."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from intake import permissions
from reviews.selectors import queue, reviewer_functions

register = template.Library()


@register.inclusion_tag("admin/reviews/review/_my_counts.html", takes_context=True)
def my_review_counts(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not (reviewer_functions(user) or permissions.is_governance_admin(user)):
        return {"counts": None}
    counts = queue.view_counts(user)
    url = reverse("admin:reviews_review_changelist")
    labels = {queue.MINE: "Open", queue.DUE_THIS_WEEK: "Due this week", queue.OVERDUE: "Overdue"}
    return {"counts": [(label, counts[key], f"{url}?{urlencode({'view': key})}") for key, label in labels.items()]}
