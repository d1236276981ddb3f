"""The daily reminder sweep (``reviews.tasks.send_review_reminders``) at 15,000 and 60,000 reviews
(bench/reviewdata.py: due dates spread so that many are due soon or overdue) with 2,500 and 10,000 use
cases: those under review, and live ones between their gates (bench/betweendata.py: pilots ending soon
or overrun, KPI measurements overdue, incident actions and post-incident reviews due, monitoring plans
past their review). Every kind of reminder the seeded data calls for must be queued.

The sweep is the task itself with the broker hand-off (``enqueue_on_commit``)
replaced by a counter, so the figures are the database reads and the Python
work of finding what is due (a Redis round trip per reminder is not counted).
Per volume: seconds (median), queries (CaptureQueriesContext) and the peak of
memory allocated during the sweep (tracemalloc). Then, at 60,000, every
queued reminder is sent (locmem email, no SMTP), the sweep runs a second time
that day as beat would (eager Celery: anything it queued would be sent at
once), and every first-sweep task is delivered a second time: both must send
nothing.

Target: the sweep at 60,000 reviews and 10,000 use cases under 5 s, with queries and peak memory
not growing with the volume.

The reviews get a database of their own (the shared bench database holds
other benches' use cases), seeded and measured by one subprocess.
"""

from __future__ import annotations

import os

from bench.betweendata import ABOUT as BETWEEN
from bench.common import child_main, own_database, run_child
from bench.reviewdata import ABOUT

VOLUMES = (15_000, 60_000)
TARGET_SECONDS = 5.0
RUNS = 3
MAX_GROWTH = 1.5  # 4x the reviews may cost at most 1.5x the memory
# What the seeded data calls for, by task and kind (labels from _kind): each must be queued at both volumes.
KINDS = ("review due_soon", "review overdue", "pilot ends_soon", "pilot overrun", "measurement",
         "incident action_due_soon", "incident action_overdue", "incident review_overdue", "monitoring")


# ---------------------------------------------------------------- in the subprocess


def _sweep(record: list | None = None) -> int:
    """The sweep task, its hand-off counted (and recorded into ``record`` when given)."""
    from unittest import mock

    from reviews import dependency_tasks, tasks

    handed = [0]

    def enqueue(task, *args):
        handed[0] += 1
        if record is not None:
            record.append((task, args))

    # Every module the sweep queues from (the monitoring step queues from its own).
    with mock.patch.object(tasks, "enqueue_on_commit", enqueue), \
            mock.patch.object(dependency_tasks, "enqueue_on_commit", enqueue):
        count = tasks.send_review_reminders()
    assert count == handed[0], (count, handed)
    return count


def _kind(task, args: tuple) -> str:
    """What a queued task reminds of: its task's short name, and its kind when it takes one."""
    name = task.name.rsplit(".", 1)[-1].removeprefix("send_").removesuffix("_reminder").removesuffix("_notice")
    kind = next((arg for arg in args[:2] if isinstance(arg, str) and not arg[:1].isdigit()), "")
    return f"{name} {kind}".strip()


def _measure_sweep() -> dict:
    import gc
    import statistics
    import time
    import tracemalloc
    from collections import Counter

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queued: list = []
    with CaptureQueriesContext(connection) as captured:
        due = _sweep(queued)
    kinds = Counter(_kind(task, args) for task, args in queued)
    del queued
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        _sweep()
        samples.append(time.perf_counter() - start)
    gc.collect()
    tracemalloc.start()
    _sweep()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"due": due, "seconds": statistics.median(samples), "queries": len(captured.captured_queries),
            "peak_kib": peak / 1024, "kinds": dict(kinds)}


def _send_and_repeat() -> dict:
    import time

    from django.core import mail
    from django.db import connection


    queued: list = []
    _sweep(queued)
    mail.outbox = []
    queries = [0]

    def count(execute, *args):
        queries[0] += 1
        return execute(*args)

    with connection.execute_wrapper(count):
        start = time.perf_counter()
        sent = sum(bool(task(*args)) for task, args in queued)
        seconds = time.perf_counter() - start
    mails = len(mail.outbox)
    mail.outbox = []
    again = _second_sweep()
    replayed = sum(bool(task(*args)) for task, args in queued)
    return {"queued": len(queued), "sent": sent, "mails": mails, "send_s": seconds, "send_queries": queries[0],
            **again, "again_mails": len(mail.outbox), "replayed_sent": replayed}


def _second_sweep() -> dict:
    """The real task (eager Celery sends whatever it queues) once everything due today has been sent."""
    import gc
    import tracemalloc

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews import tasks

    gc.collect()
    tracemalloc.start()
    with CaptureQueriesContext(connection) as captured:
        queued = tasks.send_review_reminders()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"again_queued": queued, "again_queries": len(captured.captured_queries), "again_peak_kib": peak / 1024}


def _measure() -> dict:
    from django.core.management import call_command

    from bench.betweendata import grow_between
    from bench.reviewdata import grow_reviews
    from intake.models import UseCase

    call_command("migrate", verbosity=0)
    rows = [{"reviews": grow_reviews(volume), "live": grow_between(volume), "use_cases": UseCase.objects.count(),
             **_measure_sweep()} for volume in VOLUMES]
    return {"rows": rows, **_send_and_repeat()}


# ---------------------------------------------------------------- the harness entry point


def _verdict(rows: list[dict], s: dict) -> tuple[bool, str]:
    small, large = rows[0], rows[-1]
    growth = large["peak_kib"] / small["peak_kib"]
    missing = sorted({kind for r in rows for kind in KINDS if not r["kinds"].get(kind)})
    checks = {
        f"every kind queued{' (none: ' + ', '.join(missing) + ')' if missing else ''}": not missing,
        f"sweep at {large['reviews']:,} reviews and {large['use_cases']:,} use cases under {TARGET_SECONDS:.0f} s":
            large["seconds"] < TARGET_SECONDS,
        "queries constant": large["queries"] == small["queries"],
        f"peak memory constant (growth {growth:.2f}x, at most {MAX_GROWTH}x)": growth <= MAX_GROWTH,
        "second sweep sends nothing": s["again_queued"] == 0 and s["again_mails"] == 0 and s["replayed_sent"] == 0,
    }
    failed = [name for name, passed in checks.items() if not passed]
    text = "Met." if not failed else "NOT met: " + "; ".join(failed) + "."
    return not failed, f"Target: {'; '.join(checks)}. {text}"


def run() -> dict:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None  # the machine may be shared
    figures = run_child("bench.bench_reminders", "measure", own_database("reminders"), EMAIL_URL="memorymail://")
    rows, s = figures["rows"], figures
    ok, verdict = _verdict(rows, s)
    per_reminder = s["send_s"] / max(s["sent"], 1)
    lines = [
        "| reviews | use cases (live) | reminders due | sweep (s) | queries | peak memory of the sweep (KiB) "
        "| bytes per reminder due |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *(f"| {r['reviews']:,} | {r['use_cases']:,} ({r['live']:,}) | {r['due']:,} | {r['seconds']:.3f} "
          f"| {r['queries']} | {r['peak_kib']:,.0f} | {r['peak_kib'] * 1024 / max(r['due'], 1):,.0f} |" for r in rows),
        "",
        "| reminders due, by kind | " + " | ".join(f"{r['reviews']:,} reviews" for r in rows) + " |",
        "|:---|" + "---:|" * len(rows),
        *(f"| {kind} | " + " | ".join(f"{r['kinds'].get(kind, 0):,}" for r in rows) + " |"
          for kind in sorted({k for r in rows for k in r["kinds"]})),
        "",
        f"Sending what the sweep at {rows[-1]['reviews']:,} queued: {s['sent']:,} of {s['queued']:,} reminders sent "
        f"({s['mails']:,} emails, locmem) in {s['send_s']:.1f} s, {per_reminder * 1000:.2f} ms and "
        f"{s['send_queries'] / max(s['queued'], 1):.1f} queries per reminder.",
        f"Second sweep the same day: {s['again_queued']} queued, {s['again_mails']} emails "
        f"({s['again_queries']} queries, peak memory {s['again_peak_kib']:,.0f} KiB); the first sweep's "
        f"{s['queued']:,} tasks delivered again: {s['replayed_sent']} sent.",
        "",
        "The sweep queues review reminders, pilot reminders (ending soon, overrun), reminders of overdue KPI "
        "measurements, of incident actions due soon or overdue and of overdue post-incident reviews, of overdue "
        "monitoring-plan reviews, and risk-acceptance expiry notices.",
        "",
        f"Sweep seconds are the median of {RUNS} runs of the task with the broker hand-off counted, not sent; "
        f"peak memory is what tracemalloc saw allocated during one sweep"
        f"{f' (load average {load:.2f} at the start of this bench)' if load is not None else ''}. "
        f"{ABOUT} {BETWEEN} {verdict}",
    ]
    return {"title": "Review reminder sweep", "body": "\n".join(lines), "ok": ok}


if __name__ == "__main__":
    child_main({"measure": _measure})
