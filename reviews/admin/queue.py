"""The queue side of the review admin: saved views, column sets, and the next review of a view.

A saved view is the ``view`` query parameter, kept like any filter (links, search,
``_changelist_filters``). A bare queue URL opens the default view; every other URL says
its view or none (all reviews), so preserved filters and bookmarks mean what they say.
"""

from __future__ import annotations

import copy
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.http import HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from intake import permissions
from intake import selectors as intake_selectors
from reviews.choices import UNDECIDED_STATUSES
from reviews.models import Review
from reviews.selectors import queue, reviewer_functions

VIEW_VAR = "view"
COLS_VAR = "cols"
MORE_COLUMNS = "more"
# The queue's own parameters: the ChangeList must not read them as field lookups.
QUEUE_PARAMS = (VIEW_VAR, COLS_VAR)
FILTERS_VAR = "_changelist_filters"
DEFAULT_COLUMNS = ("reference", "use_case_title", "tier", "stage", "due", "status", "assignee")
MORE = ("function", "model_names")


def _is_overdue(review: Review) -> bool:
    return review.status in UNDECIDED_STATUSES and review.due_date < timezone.localdate()


def default_view(user) -> str:
    # A governance admin outside the review groups works the whole queue, not an empty "mine".
    if permissions.is_governance_admin(user) and not reviewer_functions(user):
        return queue.ALL
    return queue.DEFAULT_VIEW


class QueueChangeList(ChangeList):
    """A ChangeList that narrows to the saved view in ``?view=`` after the list filters."""

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        for name in QUEUE_PARAMS:
            lookup_params.pop(name, None)
        return lookup_params

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        return queue.in_view(queryset, request.user, self.params.get(VIEW_VAR, queue.ALL))


class QueueMixin:
    """Saved views with counts, the columns, and "open next" for ReviewAdmin."""

    @admin.display(description="reference", ordering="use_case__reference")
    def reference(self, obj: Review) -> str:
        return obj.use_case.reference

    @admin.display(description="use case", ordering="use_case__title")
    def use_case_title(self, obj: Review):
        # Truncated by the queue's stylesheet; the full title shows on hover. A model flag stays in view.
        title = format_html('<span class="queue-title" title="{}">{}</span>', obj.use_case.title, obj.use_case.title)
        return format_html("{}{}", self.model_flag(obj), title)

    @admin.display(description="tier", ordering="use_case__risk_tier")
    def tier(self, obj: Review) -> str:
        return obj.use_case.get_risk_tier_display() or "-"

    @admin.display(description="due", ordering="due_date")
    def due(self, obj: Review):
        when = date_format(obj.due_date, "j M Y").replace(" ", "\N{NO-BREAK SPACE}")  # "(overdue)" may wrap
        if _is_overdue(obj):
            return format_html('<strong class="queue-overdue" style="color:#ba2121">{} (overdue)</strong>', when)
        return when

    @admin.display(description="models")
    def model_flag(self, obj: Review):
        problems = intake_selectors.model_flags(obj.use_case)
        if not problems:
            return ""
        return format_html('<strong class="queue-flag" style="color:#ba2121" title="{}">flagged</strong> ',
                           " ".join(problems))

    @admin.display(description="models")
    def model_names(self, obj: Review):
        names = ", ".join(str(model) for model in obj.use_case.ai_models.all()) or "-"
        return format_html("{}{}", self.model_flag(obj), names)

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def get_list_display(self, request):
        if request.GET.get(COLS_VAR) == MORE_COLUMNS:
            return (*DEFAULT_COLUMNS, *MORE)
        return DEFAULT_COLUMNS

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET" and not request.GET:
            request.GET = QueryDict(urlencode({VIEW_VAR: default_view(request.user)}))
        return super().changelist_view(request, extra_context={**(extra_context or {}),
                                                               **self._queue_context(request)})

    def _queue_context(self, request) -> dict:
        counts = queue.view_counts(request.user)
        current = request.GET.get(VIEW_VAR, queue.ALL)
        base = reverse("admin:reviews_review_changelist")
        views = [{"key": view.key, "label": view.label, "count": counts[view.key], "current": view.key == current,
                  "url": f"{base}?{urlencode({VIEW_VAR: view.key})}"} for view in queue.SAVED_VIEWS]
        views.append({"key": queue.ALL, "label": "All reviews", "count": None, "current": current == queue.ALL,
                      "url": f"{base}?{urlencode({VIEW_VAR: queue.ALL})}"})
        params = request.GET.copy()
        more = params.get(COLS_VAR) == MORE_COLUMNS
        if more:
            params.pop(COLS_VAR)
        else:
            params[COLS_VAR] = MORE_COLUMNS
        return {"saved_views": views, "more_columns": more, "columns_url": f"{base}?{params.urlencode()}"}

    # -- the next review of a view ---------------------------------------------

    def view_ids(self, request, filters: str) -> list[int]:
        """The reviews of the queue view ``filters`` (a changelist query string), in its order."""
        view_request = copy.copy(request)
        view_request.GET = QueryDict(filters or urlencode({VIEW_VAR: default_view(request.user)}))
        view_request.method = "GET"
        try:
            changelist = self.get_changelist_instance(view_request)
        except IncorrectLookupParameters:
            return []
        return list(changelist.queryset.values_list("pk", flat=True))

    def queue_url(self, filters: str) -> str:
        url = reverse("admin:reviews_review_changelist")
        return f"{url}?{filters}" if filters else url

    def review_url(self, pk: int, filters: str) -> str:
        url = reverse("admin:reviews_review_change", args=[pk])
        return f"{url}?{urlencode({FILTERS_VAR: filters})}" if filters else url

    def open_next(self, request, *, before: list[int], current: int, filters: str) -> HttpResponseRedirect:
        """After deciding ``current``: the next review of the view that is still in it, else the queue."""
        remaining = set(self.view_ids(request, filters)) - {current}
        after = before[before.index(current) + 1:] if current in before else before
        following = next((pk for pk in after if pk in remaining), None)
        if following is None:
            messages.info(request, "That was the last review in this view.")
            return HttpResponseRedirect(self.queue_url(filters))
        return HttpResponseRedirect(self.review_url(following, filters))
