"""Webhooks: domain facts the services already record, sent to subscribers.

The apps never import this one. Receivers in ``api.signals`` turn rows the
services write (timeline events, decision log entries, gate decisions,
vendor status changes, ready board packs) into events; each subscription
that wants one gets a Celery delivery once the transaction commits.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from functools import partial

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from api.models import WebhookSubscription

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
    """Queue ``event`` for every active subscription that wants it, after the current transaction commits."""
    wanted = [s.pk for s in WebhookSubscription.objects.filter(active=True).only("id", "events", "active")
              if s.wants(event)]
    if not wanted:
        return
    from api.tasks import deliver_webhook

    payload = {"id": str(uuid.uuid4()), "event": event, "occurred_at": timezone.now(), "data": data}
    payload = json.loads(body_of(payload))  # plain JSON types: what the task receives is what is signed
    for subscription_id in wanted:
        transaction.on_commit(partial(deliver_webhook.delay, subscription_id, payload), robust=True)
