"""Typed artefacts in admin: the types and what each tier needs at each gate (reference data, edited by
governance admins through their model permissions, every change in its history), the metrics read-only, and
the artefacts on the reviewer's review page, where a reviewer may reject one (``reviews.services.evidence_reject``
decides who may).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin

from intake import permissions
from reviews import selectors, services
from reviews.forms import RejectArtefactForm
from reviews.models import ArtefactType, EvaluationMetric, Evidence, Review, TierArtefact

from .records import ReadOnlyVisibleAdmin


@admin.register(ArtefactType)
class ArtefactTypeAdmin(SimpleHistoryAdmin):
    list_display = ("name", "key", "has_metrics", "order")
    fields = ("name", "key", "description", "has_metrics", "order")
    search_fields = ("name", "key")


@admin.register(TierArtefact)
class TierArtefactAdmin(SimpleHistoryAdmin):
    list_display = ("tier", "gate_stage", "artefact_type", "only_eu_high_risk")
    list_filter = ("tier", "gate_stage", "only_eu_high_risk")
    list_select_related = ("artefact_type",)


@admin.register(EvaluationMetric)
class EvaluationMetricAdmin(ReadOnlyVisibleAdmin):
    use_case_path = "evidence__use_case_id"
    list_display = ("name", "evidence", "threshold", "result", "higher_is_better", "met")
    list_select_related = ("evidence",)
    search_fields = ("name", "evidence__use_case__reference")

    @admin.display(boolean=True)
    def met(self, obj: EvaluationMetric) -> bool:
        return obj.met


class ArtefactReviewMixin:
    """The review page's artefacts: each typed file of the use case with its metrics and state, and a
    rejection form for whoever the service lets reject (the page offers it to reviewers of the use case)."""

    def artefact_urls(self):
        view = self.admin_site.admin_view(self.reject_artefact_view)
        return [path("<path:object_id>/artefacts/<int:evidence_id>/reject/", view,
                     name="reviews_review_artefact_reject")]

    def artefact_context(self, request, review: Review) -> dict:
        return {
            "artefacts": selectors.typed_evidence(review.use_case),
            "artefact_gates": selectors.upcoming_artefacts(review.use_case),
            "can_reject_artefacts": permissions.can_reject_artefacts(request.user, review.use_case),
            "reject_form": RejectArtefactForm(),
        }

    def reject_artefact_view(self, request, object_id, evidence_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        review = self._posted_review(request, object_id)
        evidence = Evidence.objects.filter(pk=evidence_id, use_case_id=review.use_case_id).first()
        if evidence is None:
            raise Http404("No such artefact.")
        form = RejectArtefactForm(request.POST)
        form.is_valid()  # a free text: the service judges it
        self._report(request, review, f"{evidence.original_name} rejected", lambda: services.evidence_reject(
            evidence=evidence, actor=request.user, reason=form.cleaned_data.get("reason", "")))
        return HttpResponseRedirect(reverse("admin:reviews_review_change", args=[review.pk]) + "#artefacts")
