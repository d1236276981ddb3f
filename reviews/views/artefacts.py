"""The artefacts page: what each upcoming gate still needs, the typed files with their metrics and state, the
upload form (posted to ``discussion.evidence_upload``) and a reviewer's rejection. The services decide who may."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core import edges
from intake import permissions
from intake.models import UseCase
from intake.permissions import Action, Facts
from reviews import selectors, services
from reviews.forms import ArtefactEvidenceForm, RejectArtefactForm
from reviews.models import ArtefactType, Evidence

from .common import can, fetch, page_url


def upload_form(data=None, *, initial=None) -> ArtefactEvidenceForm:
    return ArtefactEvidenceForm(data, initial=initial, types=list(ArtefactType.objects.all()))


def artefacts_page(request: HttpRequest, use_case: UseCase, facts: Facts, *,
                   form: ArtefactEvidenceForm | None = None, rejecting: tuple[int, RejectArtefactForm] | None = None,
                   status: int = 200) -> HttpResponse:
    can_upload = can(request, Action.COMMENT, use_case, facts)
    if form is None and can_upload:
        form = upload_form(initial={"artefact_type": request.GET.get("artefact_type", "")})
    artefacts = selectors.typed_evidence(use_case)
    for item in artefacts:
        bound = rejecting and rejecting[0] == item.pk
        item.reject_form = rejecting[1] if bound else RejectArtefactForm(auto_id=f"id_reject_{item.pk}_%s")
    context = {
        "use_case": use_case,
        "current": "artefacts",
        "gates": selectors.upcoming_artefacts(use_case),
        "artefacts": artefacts,
        "can_reject": permissions.can_reject_artefacts(request.user, use_case),
        "form": form if can_upload else None,
    }
    return render(request, "reviews/artefacts.html", context, status=status)


@require_POST
def evidence_reject(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    use_case, facts = fetch(request, reference)
    evidence = get_object_or_404(Evidence, pk=pk, use_case=use_case)
    here = page_url("evidence_upload", use_case)
    form = RejectArtefactForm(request.POST, auto_id=f"id_reject_{pk}_%s")
    form.is_valid()  # a free text: the service judges it
    outcome = edges.perform(request, form, lambda: services.evidence_reject(
        evidence=evidence, actor=request.user, reason=form.cleaned_data.get("reason", "")), back=here)
    if isinstance(outcome, edges.Done):
        messages.success(request, f"{evidence.original_name} rejected: the team is asked to upload it again.")
        return redirect(f"{here}#artefact-{pk}")
    return outcome or artefacts_page(request, use_case, facts, rejecting=(pk, form))
