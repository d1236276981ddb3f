"""Evidence downloads: the only way an uploaded file leaves the server."""

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from config.downloads import attachment
from intake import permissions
from reviews.models import Evidence


@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """404 unless the user may see the use case; always a download, never rendered inline."""
    evidence = (
        permissions.restrict_page(Evidence.objects.filter(pk=pk), request.user, field="use_case_id")
        .first()
    )
    if evidence is None:
        raise Http404("No such evidence.")
    return attachment(evidence.file, filename=evidence.original_name)
