"""The daily review-reminder sweep (``reviews.tasks.send_review_reminders``) at 15,000 and
60,000 reviews (bench/reviewdata.py: due dates spread so that many are due soon or overdue).

The sweep is the task itself with the broker hand-off (``enqueue_on_commit``)
replaced by a counter, so the figures are the database reads and the Python
work of finding what is due (a Redis round trip per reminder is not counted).
Per volume: seconds (median), queries (CaptureQueriesContext) and the peak of
memory allocated during the sweep (tracemalloc). Then, at 60,000, every
queued reminder is sent (locmem email, no SMTP), the sweep runs a second time
that day as beat would (eager Celery: anything it queued would be sent at
once), and every first-sweep task is delivered a second time: both must send
nothing.

Target: the sweep at 60,000 reviews under 5 s, with queries and peak memory
not growing with the number of reviews.

The reviews get a database of their own (the shared bench database holds
other benches' use cases), seeded and measured by one subprocess.
"""

from __future__ import annotations

from bench.common import child_main, own_database, run_child
from bench.reviewdata import ABOUT

VOLUMES = (15_000, 60_000)
TARGET_SECONDS = 5.0
RUNS = 3
MAX_GROWTH = 1.5  # 4x the reviews may cost at most 1.5x the memory


# ---------------------------------------------------------------- in the subprocess


def _sweep(record: list | None = None) -> int:
    """The sweep task, its hand-off counted (and recorded into ``record`` when given)."""
    from unittest import mock

    from reviews import tasks

    handed = [0]

    def enqueue(task, *args):
        handed[0] += 1
        if record is not None:
            record.append((task, args))

    with mock.patch.object(tasks, "enqueue_on_commit", enqueue):
        count = tasks.send_review_reminders()
    assert count == handed[0], (count, handed)
    return count


def _measure_sweep() -> dict:
    import gc
    import statistics
    import time
    import tracemalloc

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        due = _sweep()
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
            "peak_kib": peak / 1024}


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

    from bench.reviewdata import grow_reviews

    call_command("migrate", verbosity=0)
    rows = [{"reviews": grow_reviews(volume), **_measure_sweep()} for volume in VOLUMES]
    return {"rows": rows, **_send_and_repeat()}


# ---------------------------------------------------------------- the harness entry point


def _verdict(rows: list[dict], s: dict) -> tuple[bool, str]:
    small, large = rows[0], rows[-1]
    growth = large["peak_kib"] / small["peak_kib"]
    checks = {
        f"sweep at {large['reviews']:,} under {TARGET_SECONDS:.0f} s": large["seconds"] < TARGET_SECONDS,
        "queries constant": large["queries"] == small["queries"],
        f"peak memory constant (growth {growth:.2f}x, at most {MAX_GROWTH}x)": growth <= MAX_GROWTH,
        "second sweep sends nothing": s["again_queued"] == 0 and s["again_mails"] == 0 and s["replayed_sent"] == 0,
    }
    failed = [name for name, passed in checks.items() if not passed]
    text = "Met." if not failed else "NOT met: " + "; ".join(failed) + "."
    return not failed, f"Target: {'; '.join(checks)}. {text}"


def run() -> dict:
    figures = run_child("bench.bench_reminders", "measure", own_database("reminders"), EMAIL_URL="memorymail://")
    rows, s = figures["rows"], figures
    ok, verdict = _verdict(rows, s)
    per_reminder = s["send_s"] / max(s["sent"], 1)
    lines = [
        "| reviews | reminders due | sweep (s) | queries | peak memory of the sweep (KiB) | bytes per reminder due |",
        "|---:|---:|---:|---:|---:|---:|",
        *(f"| {r['reviews']:,} | {r['due']:,} | {r['seconds']:.3f} | {r['queries']} | {r['peak_kib']:,.0f} "
          f"| {r['peak_kib'] * 1024 / max(r['due'], 1):,.0f} |" for r in rows),
        "",
        f"Sending what the sweep at {rows[-1]['reviews']:,} queued: {s['sent']:,} of {s['queued']:,} reminders sent "
        f"({s['mails']:,} emails, locmem) in {s['send_s']:.1f} s, {per_reminder * 1000:.2f} ms and "
        f"{s['send_queries'] / max(s['queued'], 1):.1f} queries per reminder.",
        f"Second sweep the same day: {s['again_queued']} queued, {s['again_mails']} emails "
        f"({s['again_queries']} queries, peak memory {s['again_peak_kib']:,.0f} KiB); the first sweep's "
        f"{s['queued']:,} tasks delivered again: {s['replayed_sent']} sent.",
        "",
        f"Sweep seconds are the median of {RUNS} runs of the task with the broker hand-off counted, not sent; "
        f"peak memory is what tracemalloc saw allocated during one sweep. {ABOUT} {verdict}",
    ]
    return {"title": "Review reminder sweep", "body": "\n".join(lines), "ok": ok}


if __name__ == "__main__":
    child_main({"measure": _measure})
