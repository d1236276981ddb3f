"""Writes of the audit dossier: requesting one for a use case, rendering it, and queuing lost ones again.

A dossier goes as a board pack does (``reports.services``): requested (queued, the task enqueued once the
request commits), claimed under a row lock (running, committed at once so the page shows it), rendered
and stored (ready), or failed with a readable error. Whoever may see the use case may ask for its dossier
and read it; anyone else is told it does not exist (``intake.permissions``). Rendering and the requeue
sweep are the scheduler's: they act for nobody and check nobody.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from config.tasks import enqueue_on_commit
from intake import permissions as intake_permissions
from intake.models import UseCase
from intake.permissions import Action

from . import pdf
from .models import Dossier, PackStatus
from .selectors.dossier import dossier_data

logger = logging.getLogger(__name__)

TEMPLATE = "reports/pdf/dossier.html"
# A dossier running this long was lost with its worker (the task's hard time limit is minutes): a
# redelivered task or the requeue sweep may claim it again.
STUCK_AFTER = datetime.timedelta(minutes=30)
# A dossier still queued this long most likely never reached the broker: the sweep queues it again.
REQUEUE_AFTER = datetime.timedelta(minutes=10)
MAX_ERROR = 2000


def _enqueue(dossier_id: int) -> None:
    # After commit: a worker must find the row, and a rolled-back request renders nothing. With the
    # broker down the request still succeeds; ``dossiers_requeue`` queues it again later.
    from .tasks import generate_dossier

    enqueue_on_commit(generate_dossier, dossier_id)


# ---------------------------------------------------------------- reads with a permission


def dossier_for(user: AbstractBaseUser, pk: int) -> Dossier:
    """The dossier, or 404 whether it is missing or its use case is not visible to ``user``."""
    dossier = Dossier.objects.select_related("use_case", "requested_by").filter(pk=pk).first()
    if dossier is None:
        raise Http404("No such dossier.")
    visible = intake_permissions.visible_use_cases_page(user).filter(pk=dossier.use_case_id).exists()
    if not visible:
        raise Http404("No such dossier.")
    return dossier


# ---------------------------------------------------------------- request


@transaction.atomic
def dossier_request(*, use_case: UseCase, actor: AbstractBaseUser) -> Dossier:
    """Queue the dossier of ``use_case``; it is rendered once this transaction commits.

    A dossier of the use case still queued is returned instead of a second one: it has not read the
    records yet, so it will show them as they are when it renders.
    """
    intake_permissions.require(actor, Action.VIEW, use_case)  # Http404 for whoever may not see it
    waiting = (Dossier.objects.filter(use_case=use_case, status=PackStatus.QUEUED)
               .order_by("-requested_at", "-id").first())
    if waiting is not None:
        _enqueue(waiting.pk)  # a second message is harmless: the claim lets one render it
        return waiting
    dossier = Dossier(use_case=use_case, requested_by=actor)
    dossier._history_user = actor
    dossier.save()
    _enqueue(dossier.pk)
    return dossier


# ---------------------------------------------------------------- generate


def _claimable(now: datetime.datetime) -> Q:
    """Queued, or running so long its worker must have been lost."""
    return Q(status=PackStatus.QUEUED) | Q(status=PackStatus.RUNNING, updated_at__lt=now - STUCK_AFTER)


def _claim(dossier_id: int) -> Dossier | None:
    """Mark the dossier running, in its own committed transaction so the page shows it at once."""
    with transaction.atomic():
        dossier = (Dossier.objects.select_for_update(of=("self",)).filter(_claimable(timezone.now()), pk=dossier_id)
                   .select_related("use_case").first())
        if dossier is None:
            return None  # deleted, ready, failed, or being rendered by another delivery of the task
        dossier.status, dossier.error = PackStatus.RUNNING, ""
        dossier.save(update_fields=["status", "error", "updated_at"])
        return dossier


def render(html: str) -> tuple[bytes, int]:
    """The PDF of ``html`` and its number of pages, with the packs' stylesheets and their fetcher,
    which opens no connection and reads nothing outside the static files (``reports.pdf``)."""
    document = HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=pdf.StaticOnlyFetcher()).render()
    return document.write_pdf(), len(document.pages)


def _readable(exc: Exception) -> str:
    detail = str(exc).strip() or type(exc).__name__
    return (f"The dossier could not be rendered ({type(exc).__name__}: {detail}). "
            "Build it again; if it fails again, an administrator can find the details in the logs.")[:MAX_ERROR]


def _store(dossier: Dossier, content: bytes, pages: int, generated_at: datetime.datetime) -> None:
    """Write the PDF and mark the dossier ready; a file whose row did not commit is removed again.
    ``generated_at`` is the moment the PDF's cover and footers name."""
    old_name, old_generated = dossier.file.name, dossier.generated_at
    dossier.generated_at = generated_at  # the file is named after the day it was made
    dossier.file.save(dossier.download_name, ContentFile(content), save=False)
    storage, new = dossier.file.storage, dossier.file.name
    try:
        with transaction.atomic():
            dossier.status, dossier.error, dossier.pages = PackStatus.READY, "", pages
            dossier.save()
            if old_name and old_name != new:  # a re-render replaces the earlier file
                transaction.on_commit(partial(storage.delete, old_name))
    except Exception:
        storage.delete(new)
        dossier.file.name, dossier.generated_at = old_name, old_generated
        raise


def _fail(dossier: Dossier, exc: Exception) -> None:
    with transaction.atomic():
        dossier.status, dossier.error = PackStatus.FAILED, _readable(exc)
        dossier.save(update_fields=["status", "error", "updated_at"])


def dossier_generate(*, dossier_id: int) -> Dossier | None:
    """Render the dossier: running, then ready with its PDF and page count, or failed with a readable error.
    None when there was nothing to do (already rendered, failed, being rendered, or gone), so a task
    delivered twice renders once.

    System: run by the scheduler, no user (the request that queued it was checked).

    Not one atomic block on purpose: "running" must be visible while the PDF renders, and a failure
    must be recorded even though the render raised.
    """
    dossier = _claim(dossier_id)
    if dossier is None:
        return None
    try:
        generated_at = timezone.now()  # printed on the cover and in every footer, and kept on the row
        content, pages = render(render_to_string(TEMPLATE, dossier_data(dossier, generated_at=generated_at)))
        _store(dossier, content, pages, generated_at)
    except Exception as exc:  # any failure must end in "failed", never leave the dossier running
        logger.exception("Dossier %s failed to render", dossier_id)
        _fail(dossier, exc)
    dossier.refresh_from_db()
    return dossier


# ---------------------------------------------------------------- the requeue sweep


def dossiers_requeue(*, now: datetime.datetime | None = None) -> list[int]:
    """Queue again every dossier still queued ``REQUEUE_AFTER`` after its last change, or running for longer
    than ``STUCK_AFTER``; returns their ids.

    System: run by the scheduler, no user. The claim makes a second message for a dossier that was only
    slow to be picked up a no-op.
    """
    now = now or timezone.now()
    waiting = list(Dossier.objects.filter(
        Q(status=PackStatus.QUEUED, updated_at__lt=now - REQUEUE_AFTER)
        | Q(status=PackStatus.RUNNING, updated_at__lt=now - STUCK_AFTER)).order_by("id").values_list("id", flat=True))
    for dossier_id in waiting:
        _enqueue(dossier_id)
    if waiting:
        logger.info("Queued %d dossier(s) again: %s", len(waiting), waiting)
    return waiting
