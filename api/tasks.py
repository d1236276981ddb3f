"""Celery tasks of the API app: webhook delivery (the rules are in ``api.delivery``)."""

from __future__ import annotations

from celery import shared_task

from api.delivery import webhook_attempt


@shared_task(name="api.tasks.deliver_webhook", ignore_result=True)
def deliver_webhook(subscription_id: int, payload: dict, attempt: int = 1) -> int | None:
    """POST ``payload`` to the subscription; on failure the next attempt is scheduled after the backoff."""
    delivery = webhook_attempt(subscription_id=subscription_id, payload=payload, attempt=attempt)
    if delivery is None:
        return None
    if delivery.retry_in is not None:
        deliver_webhook.apply_async((subscription_id, payload, attempt + 1), countdown=delivery.retry_in)
    return delivery.status_code
