"""Writes of the reports app: requesting, generating and retrying board packs,
and the monthly executive pack the schedule builds. Pages, admin and tasks call these.

Who may request and retry is ``reports.permissions``' call, asked first by the
services a person calls. Rendering, the requeue sweep and the monthly build are
the scheduler's: they act for nobody and check nobody.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from config.tasks import enqueue_on_commit
from reviews.selectors import policy_in_force

from . import pdf, selectors
from .models import MAX_NARRATIVE, PENDING_STATUSES, Audience, BoardPack, PackStatus
from .permissions import Action, require

logger = logging.getLogger(__name__)

PMO_GROUP = "pmo"
MAX_PERIOD_DAYS = 366
# A pack queued or running this long was lost with its worker: it may be retried.
STUCK_AFTER = datetime.timedelta(minutes=30)
# A pack still queued this long most likely never reached the broker (Redis was down when it was
# requested): the requeue sweep (every 10 minutes, reports/migrations/0004) queues it again. Long
# next to a render (seconds), so a pack merely waiting behind other work is rarely queued twice.
REQUEUE_AFTER = datetime.timedelta(minutes=10)
MAX_ERROR = 2000


def _enqueue(pack_id: int) -> None:
    # After commit: a worker must find the row, and a rolled-back request renders nothing.
    # With the broker down the request has still succeeded: the failure is logged, the pack
    # stays queued, and ``board_packs_requeue`` queues it again once Redis is back.
    from .tasks import generate_board_pack

    enqueue_on_commit(generate_board_pack, pack_id)


# ---------------------------------------------------------------- validation


def _clean_text(value: str | None, name: str, errors: dict[str, str]) -> str:
    text = (value or "").strip()
    if len(text) > MAX_NARRATIVE or "\x00" in text:
        errors[name] = f"Write at most {MAX_NARRATIVE} characters of plain text."
    return text


def _check_priorities(text: str, errors: dict[str, str]) -> None:
    if not text:
        return
    rows = selectors.parse_priorities(text)
    policy = policy_in_force()  # three to five by default (governance model, section 10)
    low, high = policy.priorities_min, policy.priorities_max
    if not low <= len(rows) <= high:
        errors["next_period_priorities"] = f"List {low} to {high} priorities, one per line ({len(rows)} given)."
        return
    for number, row in enumerate(rows, 1):
        try:
            datetime.date.fromisoformat(row["date"])
        except ValueError:
            errors["next_period_priorities"] = (
                f"Line {number}: write 'priority | owner | date', with the date as YYYY-MM-DD.")
            return
        if not row["owner"]:
            errors["next_period_priorities"] = f"Line {number}: name an owner ('priority | owner | date')."
            return


def _check_period(period_start, period_end, errors: dict[str, str]) -> None:
    if not isinstance(period_start, datetime.date) or not isinstance(period_end, datetime.date):
        errors["period_start"] = "Give the first and last day of the period."
        return
    if period_end < period_start:
        errors["period_end"] = "The period ends before it starts."
    elif (period_end - period_start).days >= MAX_PERIOD_DAYS:
        errors["period_end"] = "A pack covers at most a year."
    elif period_start > timezone.localdate():
        errors["period_start"] = "The period has not started yet."


# ---------------------------------------------------------------- request, generate, retry


@transaction.atomic
def board_pack_request(
    *, actor: AbstractBaseUser, audience: str, period_start: datetime.date, period_end: datetime.date,
    decisions_required: str = "", next_period_priorities: str = "", resourcing_notes: str = "",
) -> BoardPack:
    """Queue a pack for the period; it is rendered once this transaction commits."""
    require(actor, Action.REQUEST)
    errors: dict[str, str] = {}
    if audience not in Audience.values:
        errors["audience"] = "Choose the executive (monthly) or board (quarterly) pack."
    _check_period(period_start, period_end, errors)
    texts = {name: _clean_text(value, name, errors) for name, value in (
        ("decisions_required", decisions_required), ("next_period_priorities", next_period_priorities),
        ("resourcing_notes", resourcing_notes))}
    _check_priorities(texts["next_period_priorities"], errors)
    if errors:
        raise ValidationError(errors)
    pack = BoardPack(audience=audience, period_start=period_start, period_end=period_end, requested_by=actor,
                     **texts)
    pack._history_user = actor
    pack.save()
    _enqueue(pack.pk)
    return pack


def _readable(exc: Exception) -> str:
    detail = str(exc).strip() or type(exc).__name__
    return (f"The pack could not be rendered ({type(exc).__name__}: {detail}). "
            "Retry it; if it fails again, an administrator can find the details in the logs.")[:MAX_ERROR]


def _claim(pack_id: int) -> BoardPack | None:
    """Mark the pack running, in its own committed transaction so the list shows it at once."""
    with transaction.atomic():
        pack = BoardPack.objects.select_for_update().filter(pk=pack_id).first()
        if pack is None or pack.status not in PENDING_STATUSES:
            return None  # deleted, or already rendered by another delivery of the task
        pack.status, pack.error = PackStatus.RUNNING, ""
        pack.save(update_fields=["status", "error", "updated_at"])
        return pack


def _store(pack: BoardPack, content: bytes) -> None:
    """Write the PDF and mark the pack ready; a file whose row did not commit is removed again."""
    old = pack.file.name
    pack.file.save(pack.download_name, ContentFile(content), save=False)
    storage, new = pack.file.storage, pack.file.name
    try:
        with transaction.atomic():
            pack.status, pack.generated_at, pack.error = PackStatus.READY, timezone.now(), ""
            pack.save()
            if old and old != new:  # a re-render replaces the earlier file
                transaction.on_commit(partial(storage.delete, old))
            if pack.scheduled:
                _email_pmo(pack)
    except Exception:
        storage.delete(new)
        pack.file.name = old
        raise


def _fail(pack: BoardPack, exc: Exception) -> None:
    with transaction.atomic():
        pack.status, pack.error = PackStatus.FAILED, _readable(exc)
        pack.save(update_fields=["status", "error", "updated_at"])


def board_pack_generate(*, pack_id: int) -> BoardPack | None:
    """Render the pack: running, then ready with its PDF, or failed with a readable error.

    System: run by the scheduler, no user (the request or retry that queued it was checked).

    Not one atomic block on purpose: "running" must be visible while the PDF
    renders, and a failure must be recorded even though the render raised.
    """
    pack = _claim(pack_id)
    if pack is None:
        return None
    try:
        content = pdf.render_board_pack(selectors.board_pack_data(pack))
        _store(pack, content)
    except Exception as exc:  # any failure must end in "failed", never leave the pack running
        logger.exception("Board pack %s failed to render", pack_id)
        _fail(pack, exc)
    pack.refresh_from_db()
    return pack


def can_retry(pack: BoardPack, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    stuck = pack.status in PENDING_STATUSES and pack.updated_at is not None and now - pack.updated_at > STUCK_AFTER
    return pack.status == PackStatus.FAILED or stuck


@transaction.atomic
def board_pack_retry(*, actor: AbstractBaseUser, pack: BoardPack) -> BoardPack:
    """Queue a failed (or lost) pack again; the same narrative, a fresh render."""
    require(actor, Action.RETRY, pack)
    pack = BoardPack.objects.select_for_update().get(pk=pack.pk)
    if not can_retry(pack):
        raise ValidationError(f"Only a failed pack can be retried; this one is {pack.get_status_display().lower()}.")
    pack.status, pack.error = PackStatus.QUEUED, ""
    pack._history_user = actor
    pack.save()
    _enqueue(pack.pk)
    return pack


def board_packs_requeue(*, now: datetime.datetime | None = None) -> list[int]:
    """Queue again every pack still queued ``REQUEUE_AFTER`` after its last change; returns their ids.

    System: run by the scheduler, no user.

    The request committed the pack but its task never reached the broker (or was
    lost with it); the database says which packs are still waiting, so this finds
    them whatever happened to the messages. A pack that was only slow to be picked
    up gets a second message; once the first has rendered it, ``_claim`` makes the
    second a no-op.
    """
    now = now or timezone.now()
    waiting = list(BoardPack.objects.filter(status=PackStatus.QUEUED, updated_at__lt=now - REQUEUE_AFTER)
                   .order_by("id").values_list("id", flat=True))
    for pack_id in waiting:
        _enqueue(pack_id)
    if waiting:
        logger.info("Queued %d board pack(s) again: %s", len(waiting), waiting)
    return waiting


# ---------------------------------------------------------------- the monthly schedule


def first_working_day(year: int, month: int) -> datetime.date:
    """The first Monday-to-Friday of the month (public holidays are not modelled)."""
    day = datetime.date(year, month, 1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def is_first_working_day(day: datetime.date) -> bool:
    return day == first_working_day(day.year, day.month)


def previous_month(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    last = day.replace(day=1) - datetime.timedelta(days=1)
    return last.replace(day=1), last.replace(day=calendar.monthrange(last.year, last.month)[1])


def board_pack_build_monthly(*, today: datetime.date | None = None) -> BoardPack | None:
    """On the first working day of a month, the executive pack for the month just ended (once).

    System: run by the scheduler, no user.

    The beat fires on days 1-3; this decides whether today is the day. The
    partial unique constraint makes a second run (or a second beat) a no-op.
    """
    today = today or timezone.localdate()
    if not is_first_working_day(today):
        return None
    start, end = previous_month(today)
    audience = Audience.EXECUTIVE_MONTHLY
    existing = BoardPack.objects.filter(scheduled=True, audience=audience, period_start=start, period_end=end)
    if existing.exists():
        return None
    try:
        with transaction.atomic():
            pack = BoardPack.objects.create(audience=audience, period_start=start, period_end=end, scheduled=True)
            _enqueue(pack.pk)
    except IntegrityError:  # another run created it between the check and the insert
        return None
    return pack


def _email_pmo(pack: BoardPack) -> None:
    """Tell the PMO the scheduled pack is ready, once the ready state has committed."""
    recipients = sorted(set(
        get_user_model().objects.filter(groups__name=PMO_GROUP, is_active=True).exclude(email="")
        .values_list("email", flat=True)))
    if not recipients:
        return
    url = f"{settings.SITE_URL.rstrip('/')}{reverse('reports:download', args=[pack.pk])}"
    context = {"pack": pack, "url": url, "list_url": f"{settings.SITE_URL.rstrip('/')}{reverse('reports:list')}"}
    subject = f"[Stagegate] {pack.get_audience_display()} pack for {pack.period_start:%B %Y} is ready"
    body = render_to_string("reports/email/pack_ready.txt", context)
    transaction.on_commit(
        partial(send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False), robust=True
    )
