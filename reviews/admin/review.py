"""The reviewer's queue and review page. Every write goes through reviews.services.

Reviewers act on one or many reviews through admin actions; each decision
goes through an intermediate page asking for the rationale (and conditions),
then ``review_decide`` runs per review and each outcome is reported. A
refusal (separation of duties, already decided, bad input) is an error
message, never an error page.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from core import edges
from intake import permissions
from intake.admin import HistoryOnlyIfVisibleMixin
from intake.permissions import Action
from reviews import selectors, services
from reviews.choices import DECISION_STATUS, UNDECIDED_STATUSES, Decision, ReviewStatus
from reviews.forms import CommentForm, ConditionFormSet, DecisionForm, EvidenceForm, ReviewAdminForm
from reviews.models import Review, ReviewCondition
from vendors.models import AIModel

from .artefacts import ArtefactReviewMixin
from .queue import FILTERS_VAR, QueueMixin

DECIDE_TEMPLATE = "admin/reviews/review/decide.html"
# The review's own fields are shown read-only; only the assignee is edited here.
REVIEW_FIELDS = ("use_case_link", "function", "stage", "cycle", "status", "due_date", "assignee",
                 "decision", "rationale", "decided_by", "decided_at", "model_names")


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", "Overdue"), ("no", "On time or decided"))

    def queryset(self, request, queryset):
        overdue = Q(status__in=UNDECIDED_STATUSES, due_date__lt=timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


class TierFilter(admin.ChoicesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "tier"


@admin.register(Review)
class ReviewAdmin(QueueMixin, ArtefactReviewMixin, HistoryOnlyIfVisibleMixin, SimpleHistoryAdmin):
    form = ReviewAdminForm
    # The default columns and the wider set are QueueMixin's (get_list_display).
    list_display_links = ("reference", "use_case_title")
    list_filter = ("function", "status", ("use_case__risk_tier", TierFilter), OverdueFilter)
    list_select_related = ("use_case", "use_case__business_unit", "assignee")
    search_fields = ("use_case__reference", "use_case__title")
    fieldsets = ((None, {"fields": REVIEW_FIELDS}),)
    actions = ("assign_to_me", "approve", "approve_with_conditions", "request_changes", "escalate", "stop")

    # -- the queue ---------------------------------------------------------

    def get_queryset(self, request):
        # The models each use case names, in one query for the page: the flag column needs them.
        models = Prefetch("use_case__ai_models", queryset=AIModel.objects.select_related("provider"))
        return selectors.review_queue_for(request.user).prefetch_related(models)

    def get_ordering(self, request):
        return ["queue_rank", "due_date", "id"]

    @admin.display(description="use case")
    def use_case_link(self, obj: Review):
        url = reverse("admin:intake_usecase_change", args=[obj.use_case_id])
        return format_html('<a href="{}">{} {}</a>', url, obj.use_case.reference, obj.use_case.title)

    # -- permissions: the queryset is filtered; these decide what shows ----

    def _facts(self, request, review: Review) -> permissions.Facts:
        cache = request.__dict__.setdefault("_review_facts", {})
        if review.use_case_id not in cache:
            cache[review.use_case_id] = permissions.permission_facts(request.user, [review.use_case])[
                review.use_case_id]
        return cache[review.use_case_id]

    def _in_queue(self, request, review: Review) -> bool:
        user = request.user
        mine = (permissions.is_governance_admin(user) or review.assignee_id == user.pk
                or review.function in selectors.reviewer_functions(user))
        return mine and "view_usecase" in self._facts(request, review).perms

    def has_module_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if permissions.is_governance_admin(user) or selectors.reviewer_functions(user):
            return True
        return selectors.review_queue_for(user).exists()

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return self.has_module_permission(request) and self._in_queue(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return self.has_view_permission(request, obj) and permissions.can(
            request.user, Action.DECIDE_REVIEW, obj.use_case, function=obj.function, facts=self._facts(request, obj)
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_history_permission(self, request, obj=None):
        return False  # no reverting a decision from history

    # -- history: a review you may not see is a 404, exactly as one that does not exist ------

    def _404_unless_visible(self, request, object_id) -> None:
        """simple-history answers 403 for a review outside your queue and 404 for a missing one, which
        tells a guessed id exists: both are 404 here, as every other history page answers."""
        try:
            review = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        except (ValidationError, ValueError):
            review = None
        if review is not None and self.has_view_permission(request, review):
            return
        # Governance admins see every review, so they keep simple-history's view of deleted ones.
        if review is None and permissions.is_governance_admin(request.user):
            try:
                exists = Review.objects.filter(pk=unquote(object_id)).exists()
            except (ValidationError, ValueError):
                exists = True
            if not exists:
                return
        raise Http404("No such review.")

    # -- the change form: read-only but for the assignee ---------------------

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.awaits_decision:
            return REVIEW_FIELDS
        return tuple(name for name in REVIEW_FIELDS if name != "assignee")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "assignee" in form.base_fields:
            # Offer the function's reviewers; the service has the final word.
            form.base_fields["assignee"].queryset = (
                get_user_model().objects.filter(Q(groups__name=obj.function, is_active=True) | Q(pk=obj.assignee_id))
                .distinct().order_by("username")
            )
        return form

    def save_model(self, request, obj, form, change):
        if "assignee" in form.changed_data:
            services.review_assign(review=obj, actor=request.user, assignee=form.cleaned_data["assignee"])

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._page_context(request, obj))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def _page_context(self, request, obj: Review) -> dict:
        can_decide = obj.awaits_decision and self.has_change_permission(request, obj)
        can_comment = permissions.can(request.user, Action.COMMENT, obj.use_case, facts=self._facts(request, obj))
        page = selectors.review_page(obj)
        filters = request.GET.get(FILTERS_VAR, "")
        kept = f"?{urlencode({FILTERS_VAR: filters})}" if filters else ""
        return {
            "page": page,
            # Unmet conditions this user may confirm: a reviewer of the condition's function.
            "markable_conditions": {
                c.pk for c in page["conditions"] if not c.met and permissions.can(
                    request.user, Action.DECIDE_REVIEW, obj.use_case, function=c.review.function,
                    facts=self._facts(request, obj))
            },
            # An escalated review gets its final decision here, never a second escalation.
            "decision_actions": [(d.value, d.label) for d in Decision if can_decide and not (
                obj.status == ReviewStatus.ESCALATED and d == Decision.ESCALATE)],
            "can_assign_to_me": can_decide and obj.assignee_id != request.user.pk,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "changelist_url": reverse("admin:reviews_review_changelist"),
            # The queue view the reviewer came from: kept through a decision and back.
            "changelist_filters": filters,
            "queue_url": self.queue_url(filters),
            "decide_form": DecisionForm(),
            "decide_formset": ConditionFormSet(prefix="conditions"),
            "can_comment": can_comment,
            "comment_form": CommentForm(),
            "evidence_form": EvidenceForm(),
            "comment_url": reverse("admin:reviews_review_comment", args=[obj.pk]) + kept,
            "evidence_url": reverse("admin:reviews_review_evidence", args=[obj.pk]) + kept,
            **self.artefact_context(request, obj),
        }

    # -- comments and evidence from the review page ---------------------------

    def get_urls(self):
        custom = [
            path("<path:object_id>/comment/", self.admin_site.admin_view(self.comment_view),
                 name="reviews_review_comment"),
            path("<path:object_id>/evidence/", self.admin_site.admin_view(self.evidence_view),
                 name="reviews_review_evidence"),
            path("<path:object_id>/conditions/<int:condition_id>/met/",
                 self.admin_site.admin_view(self.condition_met_view), name="reviews_review_condition_met"),
        ]
        return custom + self.artefact_urls() + super().get_urls()

    def _posted_review(self, request, object_id) -> Review:
        review = self.get_object(request, unquote(object_id))
        if review is None or not self.has_view_permission(request, review):
            raise Http404("No such review.")
        return review

    def comment_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        review = self._posted_review(request, object_id)
        form = CommentForm(request.POST)
        if form.is_valid():
            self._report(request, review, "comment added", lambda: services.comment_add(
                use_case=review.use_case, actor=request.user, body=form.cleaned_data["body"], review=review))
        else:
            self.message_user(request, "Write a comment of up to 5000 characters.", messages.ERROR)
        return HttpResponseRedirect(self.review_url(review.pk, request.GET.get(FILTERS_VAR, "")))

    def evidence_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        review = self._posted_review(request, object_id)
        form = EvidenceForm(request.POST, request.FILES)
        if form.is_valid():
            self._report(request, review, "evidence attached", lambda: services.evidence_add(
                use_case=review.use_case, actor=request.user, upload=form.cleaned_data["file"], review=review))
        else:
            self.message_user(request, "Choose a file to upload.", messages.ERROR)
        return HttpResponseRedirect(self.review_url(review.pk, request.GET.get(FILTERS_VAR, "")))

    def condition_met_view(self, request, object_id, condition_id):
        """A reviewer of the condition's function confirms it is met (the service checks who may)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        review = self._posted_review(request, object_id)
        condition = ReviewCondition.objects.select_related("review__use_case").filter(
            pk=condition_id, review__use_case=review.use_case).first()
        if condition is None:
            raise Http404("No such condition.")
        self._report(request, condition.review, "condition met", lambda: services.condition_mark_met(
            condition=condition, actor=request.user))
        return HttpResponseRedirect(reverse("admin:reviews_review_change", args=[review.pk]) + "#conditions")

    # -- actions --------------------------------------------------------------

    def _report(self, request, review: Review, done: str, run: Callable[[], object]) -> bool:
        """Run one service call (it checks who may) and say what came of it, for this review."""
        label = f"{review.use_case.reference} {review.get_function_display()} review"
        try:
            run()
        except edges.REFUSALS as exc:
            edges.report(request, exc, prefix=label)
            return False
        self.message_user(request, f"{label}: {done}.", messages.SUCCESS)
        return True

    @admin.action(description="Assign to me")
    def assign_to_me(self, request, queryset):
        reviews = list(queryset)
        for review in reviews:
            self._report(request, review, "assigned to you", lambda r=review: services.review_assign(
                review=r, actor=request.user, assignee=request.user))
        if "_from_review" in request.POST and len(reviews) == 1:
            return HttpResponseRedirect(self.review_url(reviews[0].pk, request.POST.get(FILTERS_VAR, "")))
        return None

    @admin.action(description="Approve")
    def approve(self, request, queryset):
        return self._decide(request, queryset, Decision.APPROVE)

    @admin.action(description="Approve with conditions")
    def approve_with_conditions(self, request, queryset):
        return self._decide(request, queryset, Decision.APPROVE_WITH_CONDITIONS)

    @admin.action(description="Request changes")
    def request_changes(self, request, queryset):
        return self._decide(request, queryset, Decision.REQUEST_CHANGES)

    @admin.action(description="Escalate")
    def escalate(self, request, queryset):
        return self._decide(request, queryset, Decision.ESCALATE)

    @admin.action(description="Stop")
    def stop(self, request, queryset):
        return self._decide(request, queryset, Decision.STOP)

    def _decide(self, request, queryset, decision: Decision):
        """First call: the intermediate page. Confirmed: decide each review and report.

        From the review page (``_from_review``) the reviewer stays in their queue view: a refusal shows the
        decision page again with everything typed, and "open next" goes on to the view's next review.
        """
        reviews = list(queryset)
        if not reviews:
            self.message_user(request, "None of the selected reviews is in your queue.", messages.WARNING)
            return None
        conditional = decision == Decision.APPROVE_WITH_CONDITIONS
        confirmed = "confirm" in request.POST
        form = DecisionForm(request.POST if confirmed else None)
        formset = ConditionFormSet(request.POST if confirmed else None, prefix="conditions") if conditional else None
        if confirmed and form.is_valid() and (formset is None or formset.is_valid()):
            return self._decide_confirmed(request, reviews, decision, form, formset)
        return self._decide_page(request, reviews, decision, form, formset)

    def _decide_confirmed(self, request, reviews, decision, form, formset):
        conditions = formset.conditions() if formset is not None else ()
        outcome = DECISION_STATUS[decision].label.lower()
        from_page = "_from_review" in request.POST
        filters = request.POST.get(FILTERS_VAR, "")
        before = self.view_ids(request, filters) if "_next" in request.POST else None
        decided = [self._report(request, review, outcome, lambda r=review: services.review_decide(
            review=r, actor=request.user, decision=decision, rationale=form.cleaned_data["rationale"],
            conditions=conditions)) for review in reviews]
        if not from_page:
            return None
        if len(reviews) == 1 and not decided[0]:
            return self._decide_page(request, reviews, decision, form, formset)
        if before is not None and len(reviews) == 1:
            return self.open_next(request, before=before, current=reviews[0].pk, filters=filters)
        return HttpResponseRedirect(self.queue_url(filters))

    def _decide_page(self, request, reviews, decision, form, formset):
        filters = request.POST.get(FILTERS_VAR, "")
        from_review = "_from_review" in request.POST and len(reviews) == 1
        return TemplateResponse(request, DECIDE_TEMPLATE, {
            **self.admin_site.each_context(request),
            "title": f"{decision.label}: {len(reviews)} review{'s' if len(reviews) != 1 else ''}",
            "opts": self.model._meta,
            "reviews": reviews,
            "decision": decision,
            "form": form,
            "formset": formset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "changelist_url": reverse("admin:reviews_review_changelist"),
            # A bulk action posts back to the queue URL it came from, filters and all.
            "form_action": request.get_full_path(),
            "from_review": from_review,
            "changelist_filters": filters,
            "cancel_url": self.review_url(reviews[0].pk, filters) if from_review else request.get_full_path(),
            "queue_url": self.queue_url(filters) if from_review else request.get_full_path(),
            "media": self.media + form.media,
        })
