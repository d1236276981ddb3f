"""The reviewer's queue in admin, ``/admin/reviews/review/``, at 15,000 and 60,000 reviews.

A security reviewer (staff, in the ``security`` group, like the demo's
sec.reviewer) opens the first page through Django's test Client with
force_login: middleware, session, the admin's permission checks, the queue's
permission filter, pagination with its counts, the list columns (the model
flag reads the prefetched models) and template rendering. The floor is the
same page's rows read with ``.values()`` from ``reviews.selectors.review_queue_for``
on the same ordering. Queries are counted with CaptureQueriesContext.

Target: the page's query count constant from 15,000 to 60,000 reviews.

The reviews (bench/reviewdata.py) get a database of their own, seeded and
measured by one subprocess.
"""

from __future__ import annotations

from bench.common import RUNS, WARM_UP, child_main, median_seconds, own_database, run_child
from bench.reviewdata import ABOUT

VOLUMES = (15_000, 60_000)
URL = "/admin/reviews/review/"
COLUMNS = ("id", "use_case__reference", "use_case__title", "use_case__risk_tier", "stage", "function", "due_date",
           "assignee__username", "status")


# ---------------------------------------------------------------- in the subprocess


def _measures():
    from django.contrib.auth.models import User
    from django.test import Client

    from bench.reviewdata import REVIEWER
    from reviews.admin import ReviewAdmin
    from reviews.selectors import review_queue_for

    client = Client()
    client.force_login(User.objects.get(username=REVIEWER))
    per_page = ReviewAdmin.list_per_page

    def page() -> int:
        response = client.get(URL)
        assert response.status_code == 200, response.status_code
        return response.content.count(b'name="_selected_action"')

    def floor() -> int:
        reviewer = User.objects.get(username=REVIEWER)  # the admin loads the user afresh per request too
        return len(list(review_queue_for(reviewer).values(*COLUMNS)[:per_page]))

    return page, floor


def _measure_volume() -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page, floor = _measures()
    page()  # warm: process-wide caches (content types, templates) are filled once, not per volume
    with CaptureQueriesContext(connection) as captured:
        rows = page()
    floor_rows = floor()
    assert rows == floor_rows, (rows, floor_rows)
    return {"rows": rows, "queries": len(captured.captured_queries), "page_s": median_seconds(page),
            "floor_s": median_seconds(floor)}


def _measure() -> dict:
    from django.core.management import call_command

    from bench.reviewdata import REVIEWER, grow_reviews
    from reviews.models import Review

    call_command("migrate", verbosity=0)
    results = []
    for volume in VOLUMES:
        total = grow_reviews(volume)
        in_queue = Review.objects.filter(function="security").count()
        results.append({"reviews": total, "in_queue": in_queue, **_measure_volume()})
    return {"reviewer": REVIEWER, "results": results}


# ---------------------------------------------------------------- the harness entry point


def run() -> dict:
    figures = run_child("bench.bench_review_queue", "measure", own_database("review_queue"))
    results = figures["results"]
    constant = len({r["queries"] for r in results}) == 1
    lines = [
        "| reviews | in the reviewer's queue | rows on the page | queries | first page (ms) "
        "| floor: the rows with .values() (ms) | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *(f"| {r['reviews']:,} | {r['in_queue']:,} | {r['rows']} | {r['queries']} | {r['page_s'] * 1000:.1f} "
          f"| {r['floor_s'] * 1000:.2f} | {r['page_s'] / r['floor_s']:.1f}x |" for r in results),
        "",
        f"As `{figures['reviewer']}` (staff, security group) through the test Client; milliseconds are the median "
        f"of {RUNS} requests after {WARM_UP} warm-up requests. Target: the query count constant with the number "
        f"of reviews "
        f"({' -> '.join(str(r['queries']) for r in results)}). {'Met.' if constant else 'NOT met.'} {ABOUT}",
    ]
    return {"title": "Admin review queue", "body": "\n".join(lines), "ok": constant}


if __name__ == "__main__":
    child_main({"measure": _measure})
