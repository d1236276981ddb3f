"""The changes made on a register: each is one service call, which checks its own permission. A refused change
comes back on the page it was made from, at the field, with what was typed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from config.downloads import attachment
from core import edges
from reviews.views.common import fetch
from reviews.views.discussion import UploadSizeLimit, file_size_words, upload_limit  # one size limit

from .. import permissions, services
from ..forms import (
    STATUS_FIELD_FOR,
    ObligationLinkForm,
    ObligationOwnerForm,
    ObligationStatusForm,
    ObligationUploadForm,
    person_name,
)
from ..models import Obligation, ObligationEvidence
from .presenting import Bound, back_url, obligation_name, obligation_tag
from .registers import organisation_page, use_case_page

# ---------------------------------------------------------------- writes


def _obligation_for(request: HttpRequest, pk: int) -> Obligation:
    """The obligation, 404 unless its register is visible to the user."""
    queryset = Obligation.objects.select_related("requirement__framework", "use_case")
    return get_object_or_404(permissions.visible_obligations(request.user, queryset), pk=pk)


def _show_again(request: HttpRequest, obligation: Obligation, bound: Bound) -> HttpResponse:
    """The page the form was posted from, with the refused form in place and nothing typed lost."""
    if obligation.use_case_id is None:
        return organisation_page(request, bound=bound)
    use_case, _facts = fetch(request, obligation.use_case.reference)
    return use_case_page(request, use_case, bound=bound)


def _done(request: HttpRequest, obligation: Obligation, text: str) -> HttpResponse:
    """The change was made: say so inside the obligation, where the page opens."""
    messages.success(request, text, extra_tags=obligation_tag(obligation))
    return redirect(back_url(obligation))


def _report(request: HttpRequest, obligation: Obligation, exc: Exception) -> HttpResponse:
    """A refusal as a message inside the obligation (forms closed: the user may not work it)."""
    messages.error(request, edges.message_for(exc), extra_tags=obligation_tag(obligation))
    return redirect(back_url(obligation, work=permissions.can_work(request.user, obligation)))


def _refused(request: HttpRequest, obligation: Obligation, form: forms.Form, field: str | None,
             exc: Exception) -> HttpResponse | None:
    """A PermissionDenied at ``field`` when the user works this register (they may not take this step, as an
    accepted risk needs the gate's A); otherwise a message and back to the page (None: show the form again)."""
    if isinstance(exc, PermissionDenied) and permissions.can_work(request.user, obligation):
        form.add_error(field, edges.message_for(exc))
        return None
    return _report(request, obligation, exc)


@require_POST
def obligation_status(request: HttpRequest, pk: int) -> HttpResponse:
    obligation = _obligation_for(request, pk)
    form = ObligationStatusForm(request.POST, obligation=obligation)
    if form.is_valid():
        try:
            changed = services.obligation_set_status(obligation=obligation, actor=request.user,
                                                     **form.service_input())
        except ValidationError as exc:
            edges.attach(form, exc, field_for=lambda key: STATUS_FIELD_FOR.get(key, key))
        except (PermissionDenied, Http404) as exc:
            if (outcome := _refused(request, obligation, form, "status", exc)) is not None:
                return outcome
        else:
            return _done(request, changed, f"{obligation_name(changed)} is now {changed.get_status_display().lower()}.")
    return _show_again(request, obligation, Bound(obligation.pk, "status", form))


@require_POST
def obligation_owner(request: HttpRequest, pk: int) -> HttpResponse:
    obligation = _obligation_for(request, pk)
    form = ObligationOwnerForm(request.POST, obligation=obligation)
    if form.is_valid():
        owner = form.cleaned_data["owner"]
        try:
            changed = services.obligation_assign(obligation=obligation, actor=request.user, owner=owner)
        except ValidationError as exc:
            edges.attach(form, exc)
        except (PermissionDenied, Http404) as exc:
            return _report(request, obligation, exc)
        else:
            text = (f"{person_name(owner)} now owns {obligation_name(changed)}." if owner is not None
                    else f"{obligation_name(changed)} has no owner now.")
            return _done(request, changed, text)
    return _show_again(request, obligation, Bound(obligation.pk, "owner", form))


@require_POST
def obligation_link(request: HttpRequest, pk: int) -> HttpResponse:
    obligation = _obligation_for(request, pk)
    form = ObligationLinkForm(request.POST, obligation=obligation)
    if form.is_valid():
        try:
            evidence = services.obligation_link(obligation=obligation, actor=request.user,
                                                record_type=form.cleaned_data["record_type"],
                                                record_id=form.cleaned_data["record_id"],
                                                note=form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)  # shown under the suggestions: there is no field
        except (PermissionDenied, Http404) as exc:
            return _report(request, obligation, exc)
        else:
            return _done(request, obligation, f"{evidence.label} linked as evidence of {obligation_name(obligation)}.")
    else:
        form.errors.clear()
        form.add_error(None, "Link one of the records suggested for this requirement.")
    return _show_again(request, obligation, Bound(obligation.pk, "link", form))


@csrf_exempt  # the CSRF check runs in _upload, once the size limit is in place
@require_POST
def obligation_upload(request: HttpRequest, pk: int) -> HttpResponse:
    # Upload handlers can be changed only before the body is read, and the CSRF check reads it.
    limiter = UploadSizeLimit(request, upload_limit())
    request.upload_handlers.insert(0, limiter)
    try:
        return _upload(request, pk, limiter)
    except (RequestDataTooBig, TooManyFieldsSent):
        obligation = _obligation_for(request, pk)
        messages.error(request, "The upload was too large to read; nothing was uploaded.",
                       extra_tags=obligation_tag(obligation))
        return redirect(back_url(obligation))


@csrf_protect
def _upload(request: HttpRequest, pk: int, limiter: UploadSizeLimit) -> HttpResponse:
    obligation = _obligation_for(request, pk)
    upload = request.FILES.get("file")  # reads the body (if the CSRF check has not), through the limit
    form = ObligationUploadForm(request.POST, obligation=obligation)
    valid = form.is_valid()
    if valid and limiter.too_large:
        form.add_error("file", f"{limiter.too_large} is larger than the {file_size_words(upload_limit())} limit.")
    elif valid:
        try:
            evidence = services.obligation_upload(obligation=obligation, actor=request.user, upload=upload,
                                                  note=form.cleaned_data["note"])
        except ValidationError as exc:
            edges.attach(form, exc)
        except (PermissionDenied, Http404) as exc:
            return _report(request, obligation, exc)
        else:
            text = f"{evidence.label} uploaded as evidence of {obligation_name(obligation)}."
            return _done(request, obligation, text)
    return _show_again(request, obligation, Bound(obligation.pk, "upload", form))


@require_POST
def evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    visible = permissions.visible_obligations(request.user)
    evidence = get_object_or_404(ObligationEvidence.objects.select_related(
        "obligation__requirement__framework", "obligation__use_case").filter(obligation__in=visible), pk=pk)
    obligation = evidence.obligation
    try:
        services.obligation_unlink(evidence=evidence, actor=request.user)
    except edges.REFUSALS as exc:
        return _report(request, obligation, exc)
    return _done(request, obligation, f"{evidence.label} is no longer evidence of {obligation_name(obligation)}.")


@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """A file kept with an obligation (the organisation's register); 404 unless its register is visible."""
    visible = permissions.visible_obligations(request.user)
    evidence = ObligationEvidence.objects.filter(pk=pk, obligation__in=visible).exclude(file="").first()
    if evidence is None:
        raise Http404("No such evidence.")
    return attachment(evidence.file, filename=evidence.label)
