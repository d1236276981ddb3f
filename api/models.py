"""What the API keeps of its own: tombstones for delta sync, idempotency keys,
and webhook subscriptions with a log of every delivery attempt."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class Tombstone(models.Model):
    """A record a sync client holds that was deleted, or archived (withdrawn, offboarded)."""

    class Reason(models.TextChoices):
        DELETED = "deleted", "Deleted"
        ARCHIVED = "archived", "Archived"

    resource = models.CharField(max_length=40, help_text="The API resource, e.g. use-cases, risks.")
    object_id = models.CharField(max_length=40, help_text="The id the API uses for it (a reference for use cases).")
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.DELETED)
    # The use case it belonged to (no foreign key: the use case may be gone too). Null for reference data.
    use_case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    deleted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deleted_at", "id"]
        indexes = [models.Index(fields=["deleted_at", "id"], name="tombstone_sync_idx")]

    def __str__(self) -> str:
        return f"{self.resource}/{self.object_id} {self.reason}"


class DeletedUseCaseViewer(models.Model):
    """Who could see a use case when it was deleted: its tombstones stay visible to them only."""

    use_case_id = models.BigIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["use_case_id", "user"], name="uniq_deleted_use_case_viewer")]


class IdempotencyKey(models.Model):
    """The first response to a POST carrying an Idempotency-Key, replayed for any repeat."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty while the first request runs.")
    # JSON text, not a JSON column: PostgreSQL's jsonb refuses \u0000, which an error message may quote.
    body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="uniq_idempotency_key_per_user")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"


class WebhookEvent(models.TextChoices):
    USE_CASE_SUBMITTED = "use_case.submitted", "Use case submitted (or resubmitted)"
    USE_CASE_STAGE_CHANGED = "use_case.stage_changed", "Use case stage changed"
    REVIEW_DECIDED = "review.decided", "Review decided"
    GATE_DECIDED = "gate.decided", "Stage gate decided"
    BOARD_PACK_READY = "board_pack.ready", "Board pack ready"
    VENDOR_STATUS_CHANGED = "vendor.status_changed", "Vendor status changed"


class WebhookSubscription(models.Model):
    name = models.CharField(max_length=120)
    url = models.URLField(max_length=500, help_text="Receives a POST of JSON for each event.")
    secret = models.CharField(
        max_length=200, help_text="Shared secret: each body is signed with HMAC-SHA256 in X-Stagegate-Signature."
    )
    events = models.JSONField(default=list, help_text="Event names this subscription receives.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return self.active and event in (self.events or [])


class DeliveryOutcome(models.TextChoices):
    DELIVERED = "delivered", "Delivered"
    REFUSED = "refused", "Refused: not sent"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one subscription.

    What is kept is coarse on purpose: the outcome, the receiver's HTTP status if it answered, and
    for a refusal our own reason. Never the receiver's or the network's error text, which would turn
    the log into a way to probe what answers where.
    """

    Outcome = DeliveryOutcome

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.UUIDField(help_text="Stays the same across the retries of one event.")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    attempt = models.PositiveSmallIntegerField()
    outcome = models.CharField(
        max_length=10, choices=DeliveryOutcome.choices, default=DeliveryOutcome.FAILED,
        help_text="Delivered (a 2xx answer); refused (nothing sent: the address is not allowed, or the URL is "
                  "not http(s)); failed (no answer, or any other status: retried).")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True,
                                                   help_text="The receiver's HTTP status, if it answered.")
    reason = models.CharField(max_length=200, blank=True,
                              help_text="Why it was refused, e.g. 'address 127.0.0.1 is loopback'.")
    duration_ms = models.PositiveIntegerField(default=0)
    retry_in = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds until the next attempt, if any.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} to {self.subscription_id}, attempt {self.attempt}"

    @property
    def succeeded(self) -> bool:
        return self.outcome == DeliveryOutcome.DELIVERED


class WebhookOutbox(models.Model):
    """An event still to be delivered to one subscription, written in the transaction of the change
    that caused it.

    The row is the delivery's state: a Celery message only says "try it now". It is deleted once
    the event is delivered, refused, or out of attempts; every attempt is in WebhookDelivery.
    """

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="outbox")
    delivery_id = models.UUIDField(help_text="The event's id, sent as X-Stagegate-Delivery with every attempt.")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    attempt = models.PositiveSmallIntegerField(default=1, help_text="The number of the next attempt.")
    due_at = models.DateTimeField(db_index=True, help_text="When the next attempt is due.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = "pending webhook delivery"
        verbose_name_plural = "pending webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["subscription", "delivery_id"],
                                               name="uniq_webhook_outbox_delivery")]

    def __str__(self) -> str:
        return f"{self.event} to {self.subscription_id}, attempt {self.attempt}"
