"""Comments and evidence files, posted from the Discussion panel of the use-case page.

The services decide who may post; every problem, refusals included, is a message at the top of the
use-case page, with nothing changed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from core import edges
from reviews import services
from reviews.forms import CommentForm

from .artefacts import artefacts_page, upload_form
from .common import detail_url, fetch, first_errors


def file_size_words(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{-(-size // 1024)} KB"


@require_POST
def comment(request: HttpRequest, reference: str) -> HttpResponse:
    use_case, _facts = fetch(request, reference)
    # Problems go to the top of the page, where the message shows; a new comment is scrolled to.
    back = detail_url(use_case)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"The comment was not added. {first_errors(form)}")
        return redirect(back)
    try:
        added = services.comment_add(use_case=use_case, actor=request.user, body=form.cleaned_data["body"])
    except ValidationError as exc:
        messages.error(request, f"The comment was not added. {edges.message_for(exc)}")
        return redirect(back)
    except edges.REFUSALS as exc:
        edges.report(request, exc)
        return redirect(back)
    messages.success(request, "Comment added.")
    return redirect(detail_url(use_case, f"comment-{added.pk}"))


class UploadSizeLimit(FileUploadHandler):
    """Stops reading a file at the evidence limit (nothing past it is written to disk)."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_large = ""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.too_large = self.file_name or "The file"
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def upload_limit() -> int:
    return getattr(settings, "EVIDENCE_MAX_BYTES", services.EVIDENCE_MAX_BYTES)


@csrf_exempt  # the CSRF check runs in _upload, after the size limit is in place
@require_http_methods(["GET", "POST"])
def evidence_upload(request: HttpRequest, reference: str) -> HttpResponse:
    if request.method == "GET":  # the artefacts page, with its upload form
        use_case, facts = fetch(request, reference)
        return artefacts_page(request, use_case, facts)
    # Upload handlers can be changed only before the body is read (Django docs, "Modifying upload
    # handlers on the fly"); the CSRF check reads it, so it runs in the inner view.
    limiter = UploadSizeLimit(request, upload_limit())
    request.upload_handlers.insert(0, limiter)
    try:
        return _upload(request, reference, limiter)
    except (RequestDataTooBig, TooManyFieldsSent):
        use_case, _facts = fetch(request, reference)
        messages.error(request, "The upload was too large to read; nothing was uploaded.")
        return redirect(detail_url(use_case))


@csrf_protect
def _upload(request: HttpRequest, reference: str, limiter: UploadSizeLimit) -> HttpResponse:
    use_case, facts = fetch(request, reference)
    back = detail_url(use_case)
    upload = request.FILES.get("file")  # reads the body (if the CSRF check has not), through the limit
    if limiter.too_large:
        messages.error(request, f"{limiter.too_large} is larger than the {file_size_words(upload_limit())} limit; "
                                "nothing was uploaded.")
        return redirect(back)
    # Bad input comes back on the artefacts page with everything typed (the file must be chosen again).
    form = upload_form(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was uploaded. Correct the highlighted fields.")
        return artefacts_page(request, use_case, facts, form=form)
    try:
        evidence = services.evidence_add(use_case=use_case, actor=request.user, upload=upload,
                                         artefact_type=form.cleaned_data["artefact_type"] or None,
                                         metrics=form.cleaned_data["metrics"])
    except ValidationError as exc:
        messages.error(request, f"Nothing was uploaded. {edges.message_for(exc)}")
        edges.attach(form, exc)
        return artefacts_page(request, use_case, facts, form=form)
    except edges.REFUSALS as exc:
        edges.report(request, exc)
        return redirect(back)
    kind = f" as the {evidence.artefact_type.name.lower()}" if evidence.artefact_type else ""
    messages.success(request, f"{evidence.original_name} uploaded{kind}.")
    return redirect(detail_url(use_case, "files"))
