"""Webhook delivery: one signed POST per attempt, each attempt logged, retried with exponential backoff."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.parse
import urllib.request

from celery import shared_task
from django.conf import settings

from api.models import WebhookDelivery, WebhookSubscription
from api.webhooks import SIGNATURE_HEADER, body_of, signature

MAX_ERROR = 2000


def backoff_seconds(attempt: int) -> int:
    """Seconds to wait after failed ``attempt`` (1-based): base, 2 x base, 4 x base, ..."""
    return settings.WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt - 1)


WEBHOOK_SCHEMES = ("http", "https")


def _post(subscription: WebhookSubscription, payload: dict, attempt: int) -> tuple[int | None, str]:
    # URLField also accepts ftp(s); urllib would open file: too. Only http(s) is ever sent.
    if urllib.parse.urlsplit(subscription.url).scheme.lower() not in WEBHOOK_SCHEMES:
        return None, "Webhook URLs must be http:// or https://; nothing was sent."
    body = body_of(payload)
    request = urllib.request.Request(  # noqa: S310 -- admins set the URL (http or https)
        subscription.url, data=body, method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "Stagegate-Webhooks/1",
                 SIGNATURE_HEADER: signature(subscription.secret, body), "X-Stagegate-Event": payload["event"],
                 "X-Stagegate-Delivery": payload["id"], "X-Stagegate-Attempt": str(attempt)},
    )
    try:
        # Reviewed (bandit B310): the scheme is checked above (http or https only); a governance admin sets it.
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310 # nosec B310
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))[:MAX_ERROR]
    except http.client.HTTPException as exc:  # a malformed reply: BadStatusLine, IncompleteRead, LineTooLong...
        return None, f"Malformed HTTP response ({type(exc).__name__}): {exc}"[:MAX_ERROR]


@shared_task(name="api.tasks.deliver_webhook", ignore_result=True)
def deliver_webhook(subscription_id: int, payload: dict, attempt: int = 1) -> int | None:
    """POST ``payload`` to the subscription; on failure, log it and schedule the next attempt."""
    subscription = WebhookSubscription.objects.filter(pk=subscription_id, active=True).first()
    if subscription is None:
        return None
    started = time.monotonic()
    status_code, error = _post(subscription, payload, attempt)
    ok = status_code is not None and 200 <= status_code < 300
    retry_in = None if ok or attempt >= settings.WEBHOOK_MAX_ATTEMPTS else backoff_seconds(attempt)
    WebhookDelivery.objects.create(
        subscription=subscription, delivery_id=payload["id"], event=payload["event"], payload=payload,
        attempt=attempt, status_code=status_code, error=error, retry_in=retry_in,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    if retry_in is not None:
        deliver_webhook.apply_async((subscription_id, payload, attempt + 1), countdown=retry_in)
    return status_code
