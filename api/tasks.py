"""Celery tasks of the API app: webhook delivery (the rules are in ``api.delivery``)."""

from __future__ import annotations

from celery import shared_task

from api.delivery import outbox_adopt, outbox_deliver, outbox_requeue


@shared_task(name="api.tasks.deliver_webhook", ignore_result=True)
def deliver_webhook(outbox_id: int, payload: dict | None = None, attempt: int = 1) -> int | None:
    """Make ``attempt`` of pending delivery ``outbox_id``; a failure schedules the next one after the backoff.

    With ``payload`` the message is one queued as (subscription id, payload, attempt), before
    deliveries had a row: it is recorded first, so a message waiting in the broker across an
    upgrade is still delivered. Returns the receiver's HTTP status, if it answered.
    """
    if payload is not None:
        adopted = outbox_adopt(subscription_id=outbox_id, payload=payload, attempt=attempt)
        if adopted is None:
            return None
        outbox_id = adopted
    delivery = outbox_deliver(outbox_id=outbox_id, attempt=attempt)
    return delivery.status_code if delivery else None


@shared_task(name="api.tasks.requeue_webhooks")
def requeue_webhooks() -> int:
    """Run by beat every minute: queue again the deliveries whose message was lost."""
    return outbox_requeue()
