"""Webhook URLs (bandit B310): only http(s) is ever opened, whatever reaches the database."""

import pytest

from api.admin import WebhookSubscriptionForm
from api.models import WebhookDelivery, WebhookSubscription
from api.tasks import deliver_webhook


@pytest.mark.parametrize("url", ["ftp://files.example.com/hook", "file:///etc/passwd"])
def test_the_admin_form_refuses_other_schemes(db, url):
    form = WebhookSubscriptionForm({"name": "GRC", "url": url, "secret": "s" * 20, "events": ["gate.decided"],
                                    "active": True})
    assert not form.is_valid()
    assert "url" in form.errors


def test_a_stored_non_http_url_is_never_opened(db, monkeypatch):
    opened = []
    monkeypatch.setattr("urllib.request.urlopen", lambda *a, **k: opened.append(a))
    subscription = WebhookSubscription.objects.create(name="x", url="file:///etc/passwd", secret="s" * 20,
                                                      events=["gate.decided"])
    payload = {"id": "6b0c2f4e-9f0e-4c38-9a5e-0d5f1e0b7a11", "event": "gate.decided", "occurred_at": "", "data": {}}
    assert deliver_webhook(subscription.pk, payload, attempt=99) is None
    assert opened == []
    assert "http:// or https://" in WebhookDelivery.objects.get().error
