"""The PMO's pages: board packs (list, request, progress, retry, download) and the
portfolio dashboard with its CSV export.

Who may do what is ``reports.permissions``' call: whoever may not see packs
(the PMO, executive sponsors and governance admins may) gets a 404 on every page
here, so the pages' existence does not leak. Requesting and retrying are the
services' to refuse; a refusal is shown as its reason (core.edges), answered 403.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.downloads import attachment
from core.edges import REFUSALS, attach, report
from reviews.selectors import triage

from . import charts, permissions, selectors, services
from .forms import BoardPackRequestForm
from .models import PENDING_STATUSES, BoardPack, PackStatus
from .permissions import Action

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def require_viewer(request: HttpRequest) -> None:
    permissions.require(request.user, Action.VIEW)


# The pack just requested, shown once on the next list page with the state it is in by then.
REQUESTED_KEY = "reports_requested_pack"


def requested_note(pack: BoardPack | None) -> dict | None:
    """What to say about a pack just requested, from its real state: ready, failed or still being built."""
    if pack is None:
        return None
    if pack.status == PackStatus.READY:
        return {"level": "success", "text": f"{pack} is ready to download."}
    if pack.status == PackStatus.FAILED:
        return {"level": "error", "text": f"{pack} could not be built. Retry it below."}
    return {"level": "info", "text": f"{pack} requested. This page shows its progress until it is ready."}


def _list_context(request: HttpRequest, form: BoardPackRequestForm | None) -> dict:
    packs = list(selectors.pack_list())
    now = timezone.now()
    requested = request.session.pop(REQUESTED_KEY, None) if request.method == "GET" else None
    return {
        "requested": requested_note(next((pack for pack in packs if pack.pk == requested), None)),
        "packs": packs,
        "form": form,
        # What the page offers; the services decide what is done.
        "can_request": permissions.can(request.user, Action.REQUEST),
        "pending": any(pack.is_pending for pack in packs),
        "retryable": {pack.pk for pack in packs if services.can_retry(pack, now)},
    }


def _refused(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A refusal that no field explains: the list with the service's reason, answered 403."""
    report(request, exc)
    return render(request, "reports/list.html", _list_context(request, None), status=403)


@require_http_methods(["GET", "POST"])
def pack_list(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    if request.method != "POST":
        form = BoardPackRequestForm() if permissions.can(request.user, Action.REQUEST) else None
        return render(request, "reports/list.html", _list_context(request, form))
    form = BoardPackRequestForm(request.POST)
    if form.is_valid():
        try:
            pack = services.board_pack_request(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach(form, exc)
        except REFUSALS as exc:
            return _refused(request, exc)
        else:
            # Said on the list, which reads the pack's state when it is shown (it may be ready by then).
            request.session[REQUESTED_KEY] = pack.pk
            return redirect("reports:list")
    return render(request, "reports/list.html", _list_context(request, form))


@require_GET
def pack_status(request: HttpRequest) -> JsonResponse:
    """What the list page polls: each listed pack's status, and where to download it once ready."""
    require_viewer(request)
    packs = [
        {"id": pack.pk, "status": pack.status, "label": pack.get_status_display(), "error": pack.error,
         "download_url": reverse("reports:download", args=[pack.pk]) if pack.status == PackStatus.READY else ""}
        for pack in selectors.pack_list()
    ]
    response = JsonResponse({"packs": packs, "pending": any(p["status"] in PENDING_STATUSES for p in packs)})
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def pack_download(request: HttpRequest, pk: int) -> FileResponse:
    require_viewer(request)
    pack = get_object_or_404(BoardPack, pk=pk, status=PackStatus.READY)
    if not pack.file:
        raise Http404("The pack has no file.")
    return attachment(pack.file, filename=pack.download_name, content_type="application/pdf")


@require_POST
def pack_retry(request: HttpRequest, pk: int) -> HttpResponse:
    require_viewer(request)
    pack = get_object_or_404(BoardPack, pk=pk)
    try:
        pack = services.board_pack_retry(actor=request.user, pack=pack)
    except ValidationError as exc:
        report(request, exc)
    except REFUSALS as exc:
        return _refused(request, exc)
    else:
        messages.success(request, f"{pack} queued again.")
    return redirect("reports:list")


@require_GET
def portfolio(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    data = selectors.portfolio_overview()
    drawn = charts.all_charts(portfolio=data["portfolio"], risks=data["risks"], resourcing=data["resourcing"])
    return render(request, "reports/portfolio.html", {**data, "charts": drawn,
                                                      "may_triage": triage.may_triage(request.user)})


def csv_cell(value: object) -> object:
    """A cell as written: text that a spreadsheet would run as a formula is quoted; dates in ISO 8601."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[tuple]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # the BOM makes Excel read UTF-8
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


@require_GET
def portfolio_csv(request: HttpRequest) -> StreamingHttpResponse:
    require_viewer(request)
    response = StreamingHttpResponse(csv_lines(selectors.CSV_COLUMNS, selectors.portfolio_csv_rows()),
                                     content_type="text/csv; charset=utf-8")
    name = f"stagegate-portfolio-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
