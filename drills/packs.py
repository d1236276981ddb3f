"""Drills 1 and 2: a journey across two web processes, and a worker killed while it renders a board pack."""

from __future__ import annotations

import datetime
import os
import signal
import time
from pathlib import Path

from drills.journeys import Client
from drills.results import Result, wait_for
from drills.stack import Stack

PRIORITIES = "\n".join(f"Drill priority {n} | Grace Adeyemi | 2030-0{n}-28" for n in (1, 2, 3))


def _pack_files(stack: Stack) -> list[Path]:
    return sorted(path for path in (stack.media / "board-packs").rglob("*") if path.is_file())


def _renders(pack_id: int) -> int:
    """How many times a worker started rendering the pack: each claim saves it as "running" (history)."""
    from reports.models import BoardPack, PackStatus

    return BoardPack.history.filter(id=pack_id, status=PackStatus.RUNNING).count()


def _request_pack(browser: Client, base: str) -> int | None:
    """Request an executive pack for last month on the reports page; the new pack's id."""
    from django.db.models import Max

    from reports.models import BoardPack

    last = BoardPack.objects.aggregate(last=Max("id"))["last"] or 0
    end = datetime.date.today().replace(day=1) - datetime.timedelta(days=1)
    answer = browser.post_form(f"{base}/reports/", {
        "audience": "executive_monthly", "period_start": end.replace(day=1).isoformat(),
        "period_end": end.isoformat(), "next_period_priorities": PRIORITIES,
        "decisions_required": "None: a fault drill.", "resourcing_notes": ""})
    if answer is None or answer.status_code != 302:
        return None
    new = BoardPack.objects.filter(id__gt=last).order_by("id").first()
    return new.pk if new else None


def _status(pack_id: int) -> str:
    from reports.models import BoardPack

    return BoardPack.objects.filter(pk=pack_id).values_list("status", flat=True).first() or "gone"


def _no_pack_pending() -> bool:
    from reports.models import PENDING_STATUSES, BoardPack

    return not BoardPack.objects.filter(status__in=PENDING_STATUSES).exists()


def two_web_processes(stack: Stack, shared: dict) -> Result:
    """Sign in on one gunicorn, continue on the other, request a board pack there: rendered once."""
    result = Result("1. Two web processes, two workers, beat: one journey, one pack")
    browser = Client()
    signed_in = browser.sign_in(stack.web(0), "pmo.lead")
    result.expect(signed_in, f"pmo.lead could not sign in on {stack.web(0)}")
    page = browser.get(f"{stack.web(1)}/reports/")
    continued = page is not None and page.status_code == 200
    result.note(f"signed in on :{stack.web_ports[0]}, the reports page on :{stack.web_ports[1]} with the same "
                f"cookies answered {page.status_code if page is not None else 'nothing'}")
    result.expect(continued, "the session did not carry over to the second web process")
    # The demo's own packs (queued by seed_demo) render first: their files are not this pack's.
    wait_for(_no_pack_pending, 120, 0.5)
    files_before = _pack_files(stack)
    pack_id = _request_pack(browser, stack.web(1))
    if not result.expect(pack_id is not None, "requesting a board pack on the second web process failed"):
        return result
    shared["browser"] = browser
    started = time.monotonic()
    ready = wait_for(lambda: _status(pack_id) in ("ready", "failed"), 120, 0.5)
    status = _status(pack_id)
    new_files = [path for path in _pack_files(stack) if path not in files_before]
    renders = _renders(pack_id)
    result.note(f"pack {pack_id} requested on :{stack.web_ports[1]}: {status} after "
                f"{time.monotonic() - started:.1f} s; rendered {renders} time(s); {len(new_files)} new file(s) "
                "in the file store")
    result.expect(ready and status == "ready", f"pack {pack_id} ended {status}, not ready")
    result.expect(renders == 1, f"pack {pack_id} was rendered {renders} times, not once")
    result.expect(len(new_files) == 1, f"{len(new_files)} files stored for pack {pack_id}, not one")
    download = browser.get(f"{stack.web(0)}/reports/{pack_id}/pdf/")
    is_pdf = download is not None and download.status_code == 200 and download.content.startswith(b"%PDF")
    result.note(f"downloaded on :{stack.web_ports[0]}: "
                f"{download.status_code if download is not None else 'no answer'}, "
                f"{len(download.content) if download is not None else 0} bytes of PDF")
    result.expect(is_pdf, "the pack's PDF could not be downloaded from the first web process")
    return result


def _rendering_process(pack_id: int, timeout: float) -> tuple[str, int] | None:
    """(worker, pid of the pool process) running generate_board_pack(pack_id), asked of the workers."""
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        active = app.control.inspect(timeout=0.5).active() or {}
        for worker, tasks in active.items():
            for task in tasks:
                if task.get("name") == "reports.tasks.generate_board_pack" and list(task.get("args") or []) == [
                        pack_id]:
                    return worker, task["worker_pid"]
        time.sleep(0.05)
    return None


def kill_rendering_worker(stack: Stack, shared: dict) -> Result:
    """kill -9 the pool process rendering a pack: redelivered, ready once, one file."""
    result = Result("2. kill -9 of the worker process rendering a board pack")
    browser = shared.get("browser")
    if browser is None:
        browser = Client()
        result.expect(browser.sign_in(stack.web(0), "pmo.lead"), "pmo.lead could not sign in")
    for attempt in range(1, 4):
        files_before = _pack_files(stack)
        pack_id = _request_pack(browser, stack.web(0))
        if not result.expect(pack_id is not None, "requesting a board pack failed"):
            return result
        if not wait_for(lambda pack_id=pack_id: _status(pack_id) != "queued", 60, 0.05):
            result.expect(False, f"pack {pack_id} was never picked up")
            return result
        found = _rendering_process(pack_id, 5)
        if found is None or _status(pack_id) != "running":
            result.note(f"attempt {attempt}: pack {pack_id} finished rendering before it could be killed; again")
            wait_for(lambda pack_id=pack_id: _status(pack_id) in ("ready", "failed"), 60, 0.5)
            continue
        worker, pid = found
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        result.note(f"pack {pack_id} running on {worker}: kill -9 of pool process {pid}")
        wait_for(lambda pack_id=pack_id: _status(pack_id) in ("ready", "failed"), 180, 0.5)
        status, renders = _status(pack_id), _renders(pack_id)
        new_files = [path for path in _pack_files(stack) if path not in files_before]
        result.note(f"pack {pack_id} ended {status} {time.monotonic() - killed_at:.1f} s after the kill; "
                    f"rendering started {renders} times (the killed one and the redelivery); {len(new_files)} new "
                    f"file(s) stored")
        result.expect(status == "ready", f"pack {pack_id} ended {status}, not ready")
        result.expect(renders == 2, f"rendering of pack {pack_id} started {renders} times, expected 2")
        result.expect(len(new_files) == 1, f"{len(new_files)} files stored for pack {pack_id}, not one")
        return result
    result.expect(False, "three packs each rendered before the kill could land")
    return result
