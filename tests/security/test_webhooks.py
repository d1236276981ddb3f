"""Webhooks reach only public addresses: checked when each attempt is sent, never redirected inside.

Only http(s) is ever sent (bandit B310), whatever reaches the database. The receiver's host is
resolved at send time and a loopback, link-local (the cloud metadata service), private, multicast
or IPv4-mapped address is refused, nothing sent, unless it is on WEBHOOK_ALLOWED_HOSTS. The log
keeps a coarse outcome and our own reason, never what the network or the receiver said.
"""

import os
import socket
import subprocess
import sys

import pytest

from api.admin import WebhookSubscriptionForm
from api.models import WebhookDelivery, WebhookSubscription
from api.tasks import deliver_webhook
from tests.api.test_webhooks import Receiver

PAYLOAD = {"id": "6b0c2f4e-9f0e-4c38-9a5e-0d5f1e0b7a11", "event": "gate.decided", "occurred_at": "", "data": {}}


@pytest.fixture
def nothing_connects(monkeypatch):
    """Records every connection a delivery opens, and opens none."""
    opened = []

    def create_connection(address, *args, **kwargs):
        opened.append(address)
        raise ConnectionRefusedError("not in a test")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return opened


def _subscribe(url):
    return WebhookSubscription.objects.create(name="x", url=url, secret="s" * 20, events=["gate.decided"])


@pytest.mark.parametrize("url", ["ftp://files.example.com/hook", "file:///etc/passwd"])
def test_the_admin_form_refuses_other_schemes(db, url):
    form = WebhookSubscriptionForm({"name": "GRC", "url": url, "secret": "s" * 20, "events": ["gate.decided"],
                                    "active": True})
    assert not form.is_valid()
    assert "url" in form.errors


def test_a_stored_non_http_url_is_never_opened(db, nothing_connects, settings):
    subscription = _subscribe("file:///etc/passwd")
    assert deliver_webhook(subscription.pk, PAYLOAD, attempt=settings.WEBHOOK_MAX_ATTEMPTS) is None
    assert nothing_connects == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.outcome, delivery.reason) == ("refused", "the URL is not http:// or https://")


@pytest.mark.parametrize(("url", "reason"), [
    ("http://169.254.169.254/latest/meta-data/", "address 169.254.169.254 is link-local"),
    ("http://127.0.0.1:8000/hooks", "address 127.0.0.1 is loopback"),
    ("http://2130706433/hooks", "address 127.0.0.1 is loopback"),  # 127.0.0.1 written as a number
    ("http://[::1]/hooks", "address ::1 is loopback"),
    ("http://10.1.2.3/hooks", "address 10.1.2.3 is private"),
    ("https://192.168.0.10/hooks", "address 192.168.0.10 is private"),
    ("http://[fd00::1]/hooks", "address fd00::1 is private"),
    ("http://224.0.0.251/hooks", "address 224.0.0.251 is multicast"),
    ("http://[::ffff:169.254.169.254]/hooks", "address ::ffff:169.254.169.254 is IPv4-mapped"),
    ("http://0.0.0.0/hooks", "address 0.0.0.0 is unspecified"),
])
def test_internal_addresses_are_refused_at_send_time_and_nothing_is_sent(db, settings, nothing_connects, url,
                                                                         reason):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    deliver_webhook(_subscribe(url).pk, PAYLOAD)
    assert nothing_connects == []
    delivery = WebhookDelivery.objects.get()  # one attempt: a refusal is not retried
    assert (delivery.outcome, delivery.status_code, delivery.reason, delivery.retry_in) == \
        ("refused", None, reason, None)


def test_a_name_resolving_to_an_internal_address_is_refused(db, settings, nothing_connects, monkeypatch):
    """The name looked harmless when the subscription was saved; what it resolves to when sent decides."""
    settings.WEBHOOK_ALLOWED_HOSTS = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port)),
    ] if host == "hooks.grc.test" else [])
    deliver_webhook(_subscribe("https://hooks.grc.test/hooks").pk, PAYLOAD)
    assert nothing_connects == []  # one internal answer among public ones: refused, sent to neither
    assert WebhookDelivery.objects.get().reason == "address 169.254.169.254 is link-local"


def test_a_local_receiver_gets_nothing_unless_its_address_is_allowed(db, settings):
    server = Receiver()
    try:
        settings.WEBHOOK_ALLOWED_HOSTS = []
        deliver_webhook(_subscribe(server.url).pk, PAYLOAD)
        assert server.requests == []
        settings.WEBHOOK_ALLOWED_HOSTS = ["10.0.0.0/8", "127.0.0.0/8"]  # networks as well as addresses
        deliver_webhook(_subscribe(server.url).pk, PAYLOAD)
        assert len(server.requests) == 1
    finally:
        server.close()
    assert list(WebhookDelivery.objects.order_by("id").values_list("outcome", flat=True)) == ["refused", "delivered"]


def test_an_allowed_address_does_not_allow_its_ipv4_mapped_form(db, settings, nothing_connects):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    deliver_webhook(_subscribe("http://[::ffff:127.0.0.1]:8000/hooks").pk, PAYLOAD)
    assert nothing_connects == []
    assert WebhookDelivery.objects.get().outcome == "refused"


def test_a_redirect_to_the_metadata_service_is_not_followed(db, settings):
    """The receiver is allowed; where it redirects is never requested, and the 302 is a failure."""
    settings.WEBHOOK_ALLOWED_HOSTS, settings.WEBHOOK_MAX_ATTEMPTS = ["127.0.0.1"], 1
    server = Receiver(statuses=[302], location="http://169.254.169.254/latest/meta-data/iam/")
    try:
        deliver_webhook(_subscribe(server.url).pk, PAYLOAD)
    finally:
        server.close()
    assert len(server.requests) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.outcome, delivery.status_code, delivery.reason) == ("failed", 302, "")


def test_no_remote_error_text_is_kept(db, settings):
    """A port that refuses and one that answers garbage look the same in the log: failed, no text."""
    settings.WEBHOOK_ALLOWED_HOSTS, settings.WEBHOOK_MAX_ATTEMPTS = ["127.0.0.1"], 1
    closed = Receiver()
    closed.close()
    garbage = Receiver(reply=b"SSH-2.0-OpenSSH_9.6\r\n")
    try:
        for url in (closed.url, garbage.url):
            deliver_webhook(_subscribe(url).pk, PAYLOAD)
    finally:
        garbage.close()
    assert list(WebhookDelivery.objects.values_list("outcome", "status_code", "reason")) == [("failed", None, "")] * 2


def test_the_allow_list_holds_addresses_not_names():
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings.base"], capture_output=True, text=True, timeout=120,
        check=False, env={**os.environ, "WEBHOOK_ALLOWED_HOSTS": "hooks.internal.example"},
    )
    assert result.returncode != 0 and "WEBHOOK_ALLOWED_HOSTS" in result.stderr
