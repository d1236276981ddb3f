"""Webhooks: signed with HMAC-SHA256, retried with exponential backoff, every attempt logged.

A real HTTP server on 127.0.0.1 (a free port, in a thread) is the receiver; 127.0.0.1 is on
WEBHOOK_ALLOWED_HOSTS here (tests/security/test_webhooks.py clears it to see it refused).
"""

import hashlib
import hmac
import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from api import tasks
from api.models import WebhookDelivery, WebhookOutbox, WebhookSubscription
from reports.models import BoardPack, PackStatus
from reviews import services
from tests.factories import KPIFactory, UseCaseFactory, UserFactory
from tests.reviews.gate_world import pilot_ready
from vendors import services as vendor_services
from vendors.models import Vendor

from .conftest import client_for

SECRET = "a-long-shared-secret-for-tests"


class Receiver:
    """Answers with the queued statuses (then 200), or always the raw bytes ``reply``, and keeps every request.

    ``location`` goes out as the Location header of every answer (a redirect, with a 3xx status);
    ``delay`` seconds pass between reading a request and answering it (a slow receiver).
    """

    def __init__(self, statuses=(), reply: bytes | None = None, location: str | None = None, delay: float = 0):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                time.sleep(delay)
                if reply is not None:  # e.g. not a valid HTTP response at all
                    self.wfile.write(reply)
                    self.close_connection = True
                    return
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                if location:
                    self.send_header("Location", location)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        # A short poll, so shutdown() at the end of each test waits 50 ms rather than half a second.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def events(self) -> list[str]:
        return [json.loads(r["body"])["event"] for r in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _local_receivers_allowed(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def subscribe(url, events=("use_case.submitted",), **kwargs):
    return WebhookSubscription.objects.create(name="GRC", url=url, secret=SECRET, events=list(events), **kwargs)


def _submit(ava, custops, owner):
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, business_owner=owner)
    KPIFactory(use_case=use_case)
    response = client_for(ava).post(f"/api/v1/use-cases/{use_case.reference}/submit/", format="json")
    assert response.status_code == 200
    return use_case


def test_a_delivery_is_signed_over_its_body(receiver, ava, custops, owner, django_capture_on_commit_callbacks):
    subscription = subscribe(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        use_case = _submit(ava, custops, owner)
    [request] = receiver.requests
    body, headers = request["body"], request["headers"]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Stagegate-Signature"], expected)
    assert headers["X-Stagegate-Event"] == "use_case.submitted"
    payload = json.loads(body)
    assert payload["data"]["reference"] == use_case.reference and payload["data"]["risk_tier"] == "low"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.subscription, delivery.attempt, delivery.outcome, delivery.status_code, delivery.retry_in) == \
        (subscription, 1, "delivered", 200, None)
    assert str(delivery.delivery_id) == payload["id"] == headers["X-Stagegate-Delivery"]
    assert not WebhookOutbox.objects.exists()  # nothing left pending


def test_a_failing_receiver_is_retried_with_backoff_and_each_attempt_logged(
        settings, monkeypatch, ava, custops, owner, django_capture_on_commit_callbacks):
    settings.WEBHOOK_BACKOFF_SECONDS, settings.WEBHOOK_MAX_ATTEMPTS = 30, 5
    server = Receiver(statuses=[500, 503])
    countdowns = []
    original = tasks.deliver_webhook.apply_async

    def recording(args=None, kwargs=None, countdown=None, **options):
        if countdown is not None:  # a retry (the first delivery is .delay())
            countdowns.append(countdown)
        return original(args, kwargs, countdown=countdown, **options)

    monkeypatch.setattr(tasks.deliver_webhook, "apply_async", recording)
    try:
        subscribe(server.url)
        with django_capture_on_commit_callbacks(execute=True):
            _submit(ava, custops, owner)
    finally:
        server.close()
    assert countdowns == [30, 60]  # doubling
    attempts = list(WebhookDelivery.objects.order_by("attempt").values_list("attempt", "status_code", "retry_in"))
    assert attempts == [(1, 500, 30), (2, 503, 60), (3, 200, None)]
    assert list(WebhookDelivery.objects.order_by("attempt").values_list("outcome", flat=True)) == \
        ["failed", "failed", "delivered"]
    assert len({r["body"] for r in server.requests}) == 1  # the same signed body each time
    assert [r["headers"]["X-Stagegate-Attempt"] for r in server.requests] == ["1", "2", "3"]
    assert not WebhookOutbox.objects.exists()


def test_retries_stop_after_the_last_attempt(settings, ava, custops, owner, django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    server = Receiver(statuses=[500] * 10)
    try:
        subscribe(server.url)
        with django_capture_on_commit_callbacks(execute=True):
            _submit(ava, custops, owner)
    finally:
        server.close()
    assert list(WebhookDelivery.objects.order_by("attempt").values_list("attempt", "retry_in")) == \
        [(1, settings.WEBHOOK_BACKOFF_SECONDS), (2, 2 * settings.WEBHOOK_BACKOFF_SECONDS), (3, None)]


def test_an_unreachable_receiver_is_logged_as_an_error(settings, ava, custops, owner,
                                                       django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    server = Receiver()
    url = server.url
    server.close()  # nothing listens there any more
    subscribe(url)
    with django_capture_on_commit_callbacks(execute=True):
        _submit(ava, custops, owner)
    delivery = WebhookDelivery.objects.get()
    # Failed, with nothing of what the network said (connection refused, timed out...) kept.
    assert (delivery.outcome, delivery.status_code, delivery.reason) == ("failed", None, "")


@pytest.mark.parametrize(("reply", "kind"), [
    (b"NOT HTTP AT ALL\r\n\r\n", "BadStatusLine"),
    (b"HTTP/1.1 2xx OK\r\n\r\n", "BadStatusLine"),
    (b"HTTP/1.1 200 OK\r\nX-Junk: " + b"x" * 70_000 + b"\r\n\r\n", "LineTooLong"),
])
def test_a_malformed_reply_is_logged_and_retried(settings, ava, custops, owner, django_capture_on_commit_callbacks,
                                                 reply, kind):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    server = Receiver(reply=reply)
    try:
        subscribe(server.url)
        with django_capture_on_commit_callbacks(execute=True):
            _submit(ava, custops, owner)  # the submission itself is never failed by a receiver
    finally:
        server.close()
    assert len(server.requests) == 2
    attempts = list(WebhookDelivery.objects.order_by("attempt").values_list("attempt", "outcome", "status_code",
                                                                           "reason", "retry_in"))
    # A malformed reply (BadStatusLine, LineTooLong: ``kind``) is a failure; none of its bytes are kept.
    assert attempts == [(1, "failed", None, "", settings.WEBHOOK_BACKOFF_SECONDS), (2, "failed", None, "", None)], kind


def test_only_wanted_events_of_active_subscriptions_are_sent(receiver, ava, custops, owner,
                                                            django_capture_on_commit_callbacks):
    subscribe(receiver.url, events=["gate.decided"])
    subscribe(receiver.url, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        _submit(ava, custops, owner)
    assert receiver.requests == []


def test_rolled_back_work_sends_nothing(receiver, ava, custops, owner, django_capture_on_commit_callbacks):
    subscribe(receiver.url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _submit(ava, custops, owner)
    assert len(callbacks) == 1  # queued for after the commit, never sent before it
    assert receiver.requests == []
    assert WebhookOutbox.objects.get().attempt == 1  # recorded with the change, waiting for it to commit


def test_every_event_kind(receiver, ava, custops, gov, django_capture_on_commit_callbacks):
    subscribe(receiver.url, events=["use_case.submitted", "use_case.stage_changed", "review.decided",
                                    "gate.decided", "board_pack.ready", "vendor.status_changed"])
    with django_capture_on_commit_callbacks(execute=True):
        use_case, _owner, sponsor = pilot_ready(ava, custops)
    events = receiver.events()
    assert events[0] == "use_case.submitted"
    assert "review.decided" in events
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.gate_decide(use_case=use_case, actor=sponsor, outcome="pause", rationale="Waiting for budget.")
    assert receiver.events() == ["gate.decided", "use_case.stage_changed"]
    receiver.requests.clear()
    vendor = Vendor.objects.create(name="Acme AI")
    with django_capture_on_commit_callbacks(execute=True):
        vendor_services.vendor_offboard(vendor=vendor, actor=gov, reason="Contract ended.")
        pack = BoardPack.objects.create(audience="executive_monthly", period_start="2026-01-01",
                                        period_end="2026-01-31")
        pack.status = PackStatus.READY
        pack.save()
        pack.save()  # saving a ready pack again is not a second event
    assert receiver.events() == ["vendor.status_changed", "board_pack.ready"]
    data = json.loads(receiver.requests[0]["body"])["data"]
    assert (data["from_status"], data["status"]) == ("prospect", "offboarded")


def test_deliveries_are_visible_in_admin(client, gov, receiver, ava, custops, owner,
                                         django_capture_on_commit_callbacks):
    subscription = subscribe(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        _submit(ava, custops, owner)
    client.force_login(gov)
    assert "use_case.submitted" in client.get("/admin/api/webhookdelivery/").content.decode()
    page = client.get(f"/admin/api/webhooksubscription/{subscription.pk}/change/").content.decode()
    assert "use_case.submitted" in page and SECRET not in page.split("name=\"secret\"")[0][-50:]


def test_a_subscription_is_created_in_admin(client, gov):
    client.force_login(gov)
    response = client.post("/admin/api/webhooksubscription/add/", {
        "name": "GRC", "url": "https://grc.example.test/hooks", "secret": SECRET,
        "events": ["review.decided", "gate.decided"], "active": "on",
        "deliveries-TOTAL_FORMS": "0", "deliveries-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert WebhookSubscription.objects.get().events == ["review.decided", "gate.decided"]


def test_review_decided_payload(receiver, low_case, django_capture_on_commit_callbacks):
    subscribe(receiver.url, events=["review.decided"])
    decider = UserFactory()
    decider.groups.add(Group.objects.get(name="security"))
    with django_capture_on_commit_callbacks(execute=True):
        services.review_decide(review=low_case.reviews.get(), actor=decider, decision="approve",
                               rationale="Reviewed the controls and the design.")
    data = json.loads(receiver.requests[0]["body"])["data"]
    assert (data["use_case"], data["function"], data["decision"]) == (low_case.reference, "security", "approve")


# -- where a delivery goes: the address checked, never a redirect ------------------------------


def _deliver(subscription, event="gate.decided"):
    """The task for one event pending for ``subscription``, as a worker runs it."""
    payload = {"id": "6b0c2f4e-9f0e-4c38-9a5e-0d5f1e0b7a11", "event": event, "occurred_at": "", "data": {}}
    pending = WebhookOutbox.objects.create(subscription=subscription, delivery_id=payload["id"], event=event,
                                           payload=payload, due_at=timezone.now())
    return tasks.deliver_webhook(pending.pk)


def _resolving(monkeypatch, answers: dict[str, list[str]]):
    """getaddrinfo answers ``answers[name]`` (one list per call, the last repeated) and records each lookup."""
    lookups, real = [], socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        calls = answers[host]
        address = calls[min(len([h for h in lookups if h == host]), len(calls)) - 1]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def test_a_redirect_is_logged_as_an_answer_and_never_followed(db, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    target = Receiver()  # where the redirect points: allowed, listening, and never reached
    server = Receiver(statuses=[302], location=target.url)
    try:
        _deliver(subscribe(server.url, events=["gate.decided"]))
    finally:
        server.close()
        target.close()
    assert len(server.requests) == 1 and target.requests == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.outcome, delivery.status_code, delivery.reason) == ("failed", 302, "")


def test_the_connection_goes_to_the_address_checked_with_the_host_header_of_the_url(db, receiver, monkeypatch):
    port = receiver.server.server_address[1]
    # The first lookup says 127.0.0.1 (allowed here); a second would say the metadata service.
    lookups = _resolving(monkeypatch, {"hooks.grc.test": ["127.0.0.1", "169.254.169.254"]})
    _deliver(subscribe(f"http://hooks.grc.test:{port}/hooks?tenant=7", events=["gate.decided"]))
    assert lookups == ["hooks.grc.test"]  # resolved once, and that answer is the one used
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"hooks.grc.test:{port}"
    assert WebhookDelivery.objects.get().outcome == "delivered"


def test_https_sends_the_url_host_as_the_tls_server_name_to_the_address_checked(db, settings, monkeypatch):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    _resolving(monkeypatch, {"hooks.grc.test": ["93.184.216.34"]})
    connected, server_names, peers = [], [], []

    def create_connection(address, timeout=None, *args, **kwargs):
        connected.append(address)
        ours, theirs = socket.socketpair()
        peers.append(theirs)
        return ours

    class Context:
        def wrap_socket(self, sock, server_hostname=None, **kwargs):
            server_names.append(server_hostname)
            sock.close()
            raise ssl.SSLCertVerificationError("certificate verify failed")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(ssl, "create_default_context", Context)
    _deliver(subscribe("https://hooks.grc.test/hooks", events=["gate.decided"]))
    for peer in peers:
        peer.close()
    assert connected == [("93.184.216.34", 443)]
    assert server_names == ["hooks.grc.test"]  # SNI and the certificate check are the name's
    delivery = WebhookDelivery.objects.get()
    assert (delivery.outcome, delivery.reason) == ("failed", "")  # the TLS error text is not kept
