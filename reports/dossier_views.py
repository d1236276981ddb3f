"""The audit dossier's pages: /intake/<reference>/dossier/ (build it, follow it, download it) and
/intake/<reference>/dossier.pdf (the latest ready dossier). Mounted by config.urls ahead of intake's.

Whoever may see the use case may build and read its dossier; anyone else gets a 404 on both, so neither
the use case nor its dossiers leak (``intake.permissions.use_case_for``).

Building one redirects to the page with ``?dossier=<id>``; the page then says where that dossier stands as
it reads it, not as it stood when the request was made: with an eager task (development) it is already
ready or failed; with a worker it goes from queued to running to ready as the page reloads itself.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from config.downloads import attachment
from core.edges import REFUSALS, report
from intake import permissions as intake_permissions

from . import dossiers
from .models import Dossier, PackStatus

RECENT = 10  # the dossiers the page lists, latest first


def _page_url(reference: str) -> str:
    return reverse("use_case_dossier", args=[reference])


@require_http_methods(["GET", "POST"])
def dossier_page(request: HttpRequest, reference: str) -> HttpResponse:
    use_case = intake_permissions.use_case_for(request.user, reference)
    if request.method == "POST":
        try:
            dossier = dossiers.dossier_request(use_case=use_case, actor=request.user)
        except REFUSALS as exc:
            report(request, exc)
        else:
            return redirect(f"{_page_url(use_case.reference)}?dossier={dossier.pk}")
        return redirect(_page_url(use_case.reference))
    recent = list(Dossier.objects.filter(use_case=use_case).select_related("requested_by")
                  .order_by("-requested_at", "-id")[:RECENT])
    latest_ready = next((d for d in recent if d.status == PackStatus.READY), None)
    return render(request, "reports/dossier.html", {
        "use_case": use_case,
        "dossiers": recent,
        "latest_ready": latest_ready,
        "pending": any(d.is_pending for d in recent),
        "requested": _requested(request, use_case, recent),
    })


def _requested(request: HttpRequest, use_case, recent: list[Dossier]) -> Dossier | None:
    """The dossier just asked for (``?dossier=``), read now: the page's banner says where it stands. None when
    the parameter names no dossier of this use case."""
    wanted = request.GET.get("dossier", "")
    if not (wanted.isascii() and wanted.isdigit() and len(wanted) < 19):
        return None
    return next((d for d in recent if d.pk == int(wanted)), None) or \
        Dossier.objects.filter(use_case=use_case, pk=int(wanted)).first()


@require_GET
def dossier_pdf(request: HttpRequest, reference: str) -> HttpResponse | FileResponse:
    """The latest ready dossier (or the one ``?id=`` names); the dossier page while none is ready yet."""
    use_case = intake_permissions.use_case_for(request.user, reference)
    ready = Dossier.objects.filter(use_case=use_case, status=PackStatus.READY).exclude(file="")
    wanted = request.GET.get("id")
    if wanted is not None:
        if not (wanted.isascii() and wanted.isdigit() and len(wanted) < 19):
            raise Http404("No such dossier.")
        dossier = ready.filter(pk=int(wanted)).first()
        if dossier is None:
            raise Http404("No such dossier.")
    else:
        dossier = ready.order_by("-generated_at", "-id").first()
        if dossier is None:
            return redirect(_page_url(use_case.reference))
    dossier.use_case = use_case  # its download name reads the reference
    return attachment(dossier.file, filename=dossier.download_name, content_type="application/pdf",
                      missing="The dossier's file is missing from storage.")
