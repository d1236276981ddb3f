"""Webhooks: domain facts the services already record, sent to subscribers.

The apps never import this one. Receivers in ``api.signals`` turn rows the
services write (timeline events, decision log entries, gate decisions,
vendor status changes, ready board packs) into events. Each subscription
that wants one gets a pending delivery (``WebhookOutbox``) written in the
same transaction, and a Celery message once it commits: work rolled back
sends nothing, and an event whose message is lost (the broker down) is still
recorded and sent by the sweep in ``api.delivery``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from api.models import WebhookOutbox, WebhookSubscription
from config.tasks import enqueue_on_commit

SIGNATURE_HEADER = "X-Stagegate-Signature"


def body_of(payload: dict) -> bytes:
    """The exact bytes sent, and signed."""
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the raw body with the subscription's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (shown in the README): compare in constant time."""
    return hmac.compare_digest(signature(secret, body), header or "")


def publish(event: str, data: dict) -> None:
    """Record ``event`` for every active subscription that wants it, in the current transaction, and
    queue its delivery for after the commit."""
    wanted = [s.pk for s in WebhookSubscription.objects.filter(active=True).only("id", "events", "active")
              if s.wants(event)]
    if not wanted:
        return
    from api.tasks import deliver_webhook

    now = timezone.now()
    payload = {"id": str(uuid.uuid4()), "event": event, "occurred_at": now, "data": data}
    payload = json.loads(body_of(payload))  # plain JSON types: what is stored is what is signed
    pending = WebhookOutbox.objects.bulk_create([
        WebhookOutbox(subscription_id=subscription_id, delivery_id=payload["id"], event=event, payload=payload,
                      due_at=now)
        for subscription_id in wanted
    ])
    for row in pending:
        # With the broker down the write still succeeds: the failed enqueue is logged, and the row
        # waits for the sweep.
        enqueue_on_commit(deliver_webhook, row.pk)
