"""Drill 4: Redis stopped for 30 s while use cases are submitted and reviews decided."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from drills.journeys import Answers, Client, api_token
from drills.reminders import make_reminders_due
from drills.results import Result, wait_for
from drills.stack import Stack

OUTAGE_SECONDS = 30
EVENTS = ["use_case.submitted", "review.decided"]
KPI_FIELDS = ("name", "category", "unit", "baseline", "target", "direction")


class Receiver:
    """A webhook receiver on loopback: answers 200 and remembers every POST."""

    def __init__(self) -> None:
        received: list[dict] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append({"delivery": self.headers.get("X-Stagegate-Delivery"),
                                 "event": self.headers.get("X-Stagegate-Event"), "payload": json.loads(body or b"{}")})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _subject(delivery: dict) -> str:
    data = delivery["payload"].get("data") or {}
    key = data.get("review") or data.get("review_id") or data.get("reference") or data.get("use_case")
    return f"{delivery['event']}:{json.dumps(key, sort_keys=True)}"


def _draft_payload(client: Client, base: str) -> dict | None:
    """The answers of one of Ava's use cases in review: enough to submit a copy."""
    listing = client.get(f"{base}/api/v1/use-cases/?status=in_review")
    rows = listing.json().get("results", []) if listing is not None and listing.status_code == 200 else []
    from api.serializers.usecases import ANSWERS

    for row in rows:
        detail = client.get(f"{base}/api/v1/use-cases/{row['reference']}/")
        if detail is None or detail.status_code != 200:
            continue
        data = detail.json()
        payload = {name: data[name] for name in ANSWERS if name in data}
        payload["kpis"] = [{name: kpi[name] for name in KPI_FIELDS if name in kpi} for kpi in data.get("kpis", [])]
        payload["business_unit"] = data.get("business_unit")
        return payload
    return None


def _decidable_reviews(limit: int) -> list[tuple[int, str]]:
    """(review id, the demo reviewer of its function) of undecided reviews of use cases in review."""
    from demo.people import REVIEWERS
    from reviews.choices import UNDECIDED_STATUSES
    from reviews.models import Review
    from reviews.services.workflow import REVIEWABLE_STATUSES

    reviews = (Review.objects.filter(status__in=UNDECIDED_STATUSES, use_case__status__in=REVIEWABLE_STATUSES,
                                     function__in=REVIEWERS).order_by("id").values_list("id", "function"))
    return [(pk, REVIEWERS[function]) for pk, function in reviews[:limit]]


def redis_outage(stack: Stack, shared: dict) -> Result:
    """Redis stopped for 30 s while use cases are submitted and reviews decided: no 500, nothing lost."""
    from django.utils import timezone

    from api.models import WebhookSubscription
    from config.celery import app
    from reviews.models import ReminderLog
    from reviews.tasks import send_review_reminders

    result = Result("4. Redis stopped for 30 s while use cases are submitted and reviews decided")
    receiver = Receiver()
    try:
        secret = "drill-secret"  # noqa: S105 - signs deliveries to the drill's own loopback receiver
        WebhookSubscription.objects.create(name="drill receiver", url=receiver.url, secret=secret, events=EVENTS)
        base = [stack.web(0), stack.web(1)]
        answers = Answers()
        ava = Client(answers, token=api_token(base[0], "ava.submitter"))
        payload = _draft_payload(ava, base[0])
        if not result.expect(payload is not None, "no use case of Ava's to copy answers from"):
            return result
        drafts = []
        for n in range(8):
            created = ava.post_json(f"{base[n % 2]}/api/v1/use-cases/", {**payload, "title": f"Drill use case {n}"})
            if created is not None and created.status_code == 201:
                drafts.append(created.json()["reference"])
            elif n == 0:
                result.expect(False, f"creating a draft failed: {created.status_code if created else 'no answer'} "
                                     f"{created.text[:500] if created is not None else ''}")
                return result
        reviews = _decidable_reviews(8)
        # Reminders due today, on reviews nobody decides here: the sweep run during the outage finds them.
        shared["reminders_made_due"] = make_reminders_due()
        tokens = {username: api_token(base[0], username) for _, username in reviews}
        reviewers = {username: Client(answers, token=token) for username, token in tokens.items()}
        browser = Client(answers)
        result.expect(browser.sign_in(base[0], "ava.submitter"), "Ava could not sign in before the outage")
        result.note(f"before the outage: webhook receiver subscribed to {', '.join(EVENTS)}; {len(drafts)} drafts "
                    f"ready to submit, {len(reviews)} reviews to decide")

        answers_before = sum(answers.codes.values())
        stack.stop_redis()
        stopped = time.monotonic()
        writes = Counter()
        sweep_seconds, swept, swept_sent = None, 0, 0
        step = 0
        while time.monotonic() - stopped < OUTAGE_SECONDS:
            web = base[step % 2]
            if drafts:
                reference = drafts.pop()
                answer = ava.post_json(f"{web}/api/v1/use-cases/{reference}/submit/")
                writes["submitted" if answer is not None and answer.status_code == 200 else "submit refused"] += 1
            if reviews:
                review_id, username = reviews.pop()
                answer = reviewers[username].post_json(f"{web}/api/v1/reviews/{review_id}/decide/", {
                    "decision": "approve", "rationale": "Approved during the Redis fault drill."})
                writes["decided" if answer is not None and answer.status_code == 200 else "decide refused"] += 1
            ava.get(f"{web}/api/v1/use-cases/")
            browser.get(f"{web}/intake/")
            browser.get(f"{web}/intake/new/")  # the intake form
            Client(answers).sign_in(web, "pmo.lead")  # a fresh login: django-axes and the login limits
            anonymous = Client(answers)
            anonymous.post_json(f"{web}/api/v1/auth/token/", {"username": "pmo.lead", "password": "wrong"})
            if sweep_seconds is None:
                # The daily reminder sweep running on a worker the moment Redis went away.
                began = time.monotonic()
                logs_before = ReminderLog.objects.count()
                swept = send_review_reminders()
                sweep_seconds = time.monotonic() - began
                swept_sent = ReminderLog.objects.count() - logs_before
            step += 1
            time.sleep(0.5)
        outage = time.monotonic() - stopped
        stack.start_redis()
        restarted = time.monotonic()
        during = sum(answers.codes.values()) - answers_before
        result.note(f"Redis down {outage:.0f} s: {during} requests on both web processes; "
                    f"{answers.summary()}")
        result.note(f"writes during the outage: {dict(writes)}")
        result.note(f"reminder sweep run during the outage: {swept} reminders due, none queued (each logged), "
                    f"{swept_sent} sent, in {sweep_seconds or 0:.1f} s; the next sweep sends them (drill 3)")
        result.expect(not answers.failures, f"{len(answers.failures)} answers were 5xx or none: "
                                            f"{answers.failures[:5]}")
        result.expect(answers.slowest < 5, f"a request took {answers.slowest:.1f} s")
        result.expect(writes["submitted"] > 0 and writes["decided"] > 0, "no write succeeded during the outage")

        pings = wait_for(lambda: len(app.control.ping(timeout=1) or []) >= 2, 60, 1)
        result.note(f"both workers answering again {time.monotonic() - restarted:.0f} s after Redis returned"
                    if pings else "the workers did not answer a ping within 60 s of Redis returning")
        result.expect(pings, "the workers did not reconnect")
        expected = writes["submitted"] + writes["decided"]
        _after_outage(shared, timezone.now())
        delivered = wait_for(lambda: len({d["delivery"] for d in receiver.received}) >= expected, 150, 1)
        time.sleep(3)  # anything doubled arrives now
        by_delivery = Counter(d["delivery"] for d in receiver.received)
        by_subject = Counter(_subject(d) for d in receiver.received)
        doubled = [key for key, count in by_subject.items() if count > 1]
        result.note(f"webhooks: {expected} events written during the outage, {len(by_delivery)} delivered "
                    f"({len(receiver.received)} POSTs) within {time.monotonic() - restarted:.0f} s of Redis "
                    f"returning; {len(doubled)} events delivered more than once")
        result.expect(delivered, f"only {len(by_delivery)} of {expected} webhook events were delivered")
        result.expect(not doubled, f"events delivered more than once: {doubled[:5]}")
    finally:
        receiver.close()
        if stack.redis is None:
            stack.start_redis()
    return result


def _after_outage(shared: dict, when) -> None:
    shared["redis_outage_ended"] = when
