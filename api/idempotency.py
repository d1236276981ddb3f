"""Idempotency-Key: a POST repeated with the same key returns the first response.

The key is claimed before the request runs, by inserting its row: the unique
(user, key) constraint makes the claim race-safe, so of two concurrent
requests with one key exactly one runs; the other gets 409 while it runs and
its response afterwards. A 5xx releases the key so the client may retry.
"""

from __future__ import annotations

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.exceptions import Conflict
from api.models import IdempotencyKey

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255


class Replay(Exception):
    def __init__(self, response: Response):
        self.response = response


def _fingerprint(request) -> str:
    return hashlib.sha256(request._request.body).hexdigest()


def _replay(record: IdempotencyKey, request) -> Response:
    if record.method != request.method or record.path != request.path[:500] or \
            record.fingerprint != _fingerprint(request):
        raise ValidationError({"Idempotency-Key": ["This key was used for a different request; use a new key."]})
    if record.status is None:
        raise Conflict("A request with this Idempotency-Key is still running; retry shortly for its response.")
    response = Response(json.loads(record.body) if record.body else None, status=record.status)
    response["Idempotent-Replayed"] = "true"
    return response


def claim(request) -> IdempotencyKey | None:
    """Claim the request's key (None without one); raise Replay with the first response if already used."""
    key = request.META.get(HEADER)
    if request.method != "POST" or key is None or not request.user.is_authenticated:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError({"Idempotency-Key": [f"Use 1 to {MAX_KEY_LENGTH} printable characters."]})
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=request.user, key=key, method=request.method, path=request.path[:500],
                fingerprint=_fingerprint(request),
            )
    except IntegrityError:
        record = IdempotencyKey.objects.get(user=request.user, key=key)
        raise Replay(_replay(record, request)) from None


def settle(record: IdempotencyKey | None, response: Response) -> None:
    """Keep the first response for replays; forget the key after a server error so it can be retried."""
    if record is None:
        return
    if response.status_code >= status.HTTP_500_INTERNAL_SERVER_ERROR:
        record.delete()
        return
    data = getattr(response, "data", None)
    record.status, record.body = response.status_code, "" if data is None else json.dumps(data, cls=DjangoJSONEncoder)
    record.save(update_fields=["status", "body"])


def release(record: IdempotencyKey | None) -> None:
    if record is not None:
        record.delete()
