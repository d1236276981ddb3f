"""Webhook delivery: one signed POST per attempt, each attempt logged, retried with exponential backoff.

Every attempt resolves the receiver's host name afresh and sends only to public addresses: a
loopback, link-local (169.254.169.254, the cloud metadata service), private, multicast, reserved
or IPv4-mapped address is refused and nothing is sent, unless it is in WEBHOOK_ALLOWED_HOSTS (IP
addresses or networks). The connection goes to the address that was checked, never to a second
lookup of the name, so a name that changes its answer between the check and the send (DNS
rebinding) gains nothing; the Host header and the TLS server name (SNI, certificate check) stay
the URL's. A redirect is an answer (not 2xx: failed, retried), never followed. The log keeps
a coarse outcome and, for a refusal, our own reason: never the receiver's or the network's text.

What is still to be sent is a ``WebhookOutbox`` row, written with the change that caused the event.
A Celery message names the row and the attempt it is for; the attempt is made with the row locked,
and recorded (logged, and the row deleted or moved to the next attempt) in the same transaction, so
a second message for that attempt finds the row gone or further on and sends nothing. A lost message
(the broker down) leaves its row overdue, and ``outbox_requeue``, run by beat every minute, queues
it again. Delivery is at least once: a worker that dies after the receiver answered but before the
commit leaves the attempt to be made again, with the same X-Stagegate-Delivery id.
"""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import logging
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from api.models import DeliveryOutcome, WebhookDelivery, WebhookOutbox, WebhookSubscription
from api.webhooks import SIGNATURE_HEADER, body_of, signature

logger = logging.getLogger(__name__)

# A delivery due this long without being done has lost its message: a queued one is picked up well
# within it, and a second message would only find the attempt made.
REQUEUE_AFTER = datetime.timedelta(seconds=60)
# Queued again per sweep, oldest first: the rest wait a minute, the broker is not flooded at once.
REQUEUE_BATCH = 500


def backoff_seconds(attempt: int) -> int:
    """Seconds to wait after failed ``attempt`` (1-based): base, 2 x base, 4 x base, ..."""
    return settings.WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt - 1)


WEBHOOK_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class Result:
    outcome: str
    status_code: int | None = None
    reason: str = ""


class Refused(Exception):
    """Nothing may be sent; the message is our own reason, shown to admins."""


def refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``address`` is not a public one we may send to (None: it is)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return "IPv4-mapped"
        if address.sixtofour is not None or address.teredo is not None or address in NAT64:
            return "an IPv6 wrapping of an IPv4 address"
    for kind in ("loopback", "unspecified", "link_local", "multicast", "private", "reserved"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    if not address.is_global:
        return "not a public address"
    return None


def _allowed(address) -> bool:
    return any(address in ipaddress.ip_network(entry, strict=False) for entry in settings.WEBHOOK_ALLOWED_HOSTS)


def checked_addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to now, each one checked; Refused if any is not allowed.

    All must pass: a name with one public and one internal address is refused, not sent to either.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError:
        raise Refused("the host name is not valid") from None
    addresses = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        why = None if _allowed(address) else refusal(address)
        if why is not None:
            shown = f"::ffff:{address.ipv4_mapped}" if getattr(address, "ipv4_mapped", None) else str(address)
            raise Refused(f"address {shown} is {why}")
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    return addresses


class PinnedConnection(http.client.HTTPConnection):
    """HTTP(S) to ``host`` over a socket to one of ``addresses``, which were checked for it.

    http.client builds the Host header from ``host``; with ``tls`` the server name sent (SNI) and
    checked against the certificate is ``host`` too.
    """

    def __init__(self, host: str, port: int, *, addresses: list[str], timeout: float,
                 tls: ssl.SSLContext | None = None):
        super().__init__(host, port, timeout=timeout)
        self.addresses, self.tls = addresses, tls
        self.default_port = DEFAULT_PORTS["https" if tls else "http"]  # "Host: name" without ":443"

    def connect(self) -> None:
        error: OSError | None = None
        for address in self.addresses:
            try:
                sock = socket.create_connection((address, self.port), self.timeout)
                break
            except OSError as exc:
                error = exc
        else:
            raise error or OSError("no address to connect to")
        if self.tls is not None:
            try:
                sock = self.tls.wrap_socket(sock, server_hostname=self.host)
            except BaseException:
                sock.close()
                raise
        self.sock = sock


def _target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path and query) of a URL we may send to; Refused otherwise."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    # URLField also accepts ftp(s); only http(s) is ever sent.
    if scheme not in WEBHOOK_SCHEMES:
        raise Refused("the URL is not http:// or https://")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise Refused("the URL's port is not valid") from None
    host = parts.hostname or ""
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise Refused("the host name is not valid") from None
    if not host:
        raise Refused("the URL names no host")
    return scheme, host, port, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _post(subscription: WebhookSubscription, payload: dict, attempt: int) -> Result:
    try:
        scheme, host, port, target = _target(subscription.url)
        addresses = checked_addresses(host, port)
    except Refused as exc:
        return Result(DeliveryOutcome.REFUSED, reason=str(exc))
    except OSError:  # the name does not resolve (now): perhaps later
        return Result(DeliveryOutcome.FAILED)
    body = body_of(payload)
    headers = {"Content-Type": "application/json", "User-Agent": "Stagegate-Webhooks/1",
               SIGNATURE_HEADER: signature(subscription.secret, body), "X-Stagegate-Event": payload["event"],
               "X-Stagegate-Delivery": payload["id"], "X-Stagegate-Attempt": str(attempt)}
    tls = ssl.create_default_context() if scheme == "https" else None
    connection = PinnedConnection(host, port, addresses=addresses, timeout=settings.WEBHOOK_TIMEOUT_SECONDS, tls=tls)
    try:
        connection.request("POST", target, body=body, headers=headers)
        status = connection.getresponse().status
    # No answer, a TLS failure, a malformed reply (BadStatusLine, LineTooLong...): failed, and what
    # the network or the receiver said is not kept.
    except (OSError, ValueError, http.client.HTTPException):
        return Result(DeliveryOutcome.FAILED)
    finally:
        connection.close()
    if 200 <= status < 300:
        return Result(DeliveryOutcome.DELIVERED, status)
    return Result(DeliveryOutcome.FAILED, status)  # 3xx included: a redirect is never followed


def _attempt(subscription: WebhookSubscription, payload: dict, attempt: int) -> WebhookDelivery:
    """Send one attempt and log it; the log says whether (and when) to try again. A refused attempt
    is not retried: the address will not become allowed by waiting."""
    started = time.monotonic()
    result = _post(subscription, payload, attempt)
    retry = result.outcome == DeliveryOutcome.FAILED and attempt < settings.WEBHOOK_MAX_ATTEMPTS
    return WebhookDelivery.objects.create(
        subscription=subscription, delivery_id=payload["id"], event=payload["event"], payload=payload,
        attempt=attempt, outcome=result.outcome, status_code=result.status_code, reason=result.reason,
        retry_in=backoff_seconds(attempt) if retry else None, duration_ms=int((time.monotonic() - started) * 1000),
    )


def _queue(outbox_id: int, attempt: int, countdown: int | None = None) -> bool:
    """Send the message for ``attempt`` of ``outbox_id``; False (logged) when the broker is down."""
    from api.tasks import deliver_webhook

    try:
        # ignore_result: nobody waits for it, and with Redis down the result backend would raise.
        deliver_webhook.apply_async((outbox_id,), {"attempt": attempt}, countdown=countdown, ignore_result=True)
    except (OperationalError, ConnectionError) as exc:
        logger.warning("Broker unavailable; webhook delivery %d attempt %d not queued (the sweep queues it "
                       "again): %s", outbox_id, attempt, exc)
        return False
    return True


def outbox_deliver(*, outbox_id: int, attempt: int = 1) -> WebhookDelivery | None:
    """Make ``attempt`` of the pending delivery ``outbox_id``, once however many messages ask for it.

    System: run by the worker. None when there is nothing to do: the row is gone (delivered, refused
    or out of attempts), is at another attempt (this message is a duplicate), or its subscription is
    no longer active (the row is dropped, nothing sent or logged).

    The attempt is claimed in a short transaction before anything is sent (``_claim``), so no
    transaction is open while the receiver answers, a second message for it finds nothing to do, and
    a worker that dies after the POST has still used the attempt up.
    """
    pending = _claim(outbox_id, attempt)
    if pending is None:
        return None
    delivery = _attempt(pending.subscription, pending.payload, attempt)
    if delivery.retry_in is None:  # delivered, refused, or the last attempt
        WebhookOutbox.objects.filter(pk=outbox_id, attempt=attempt + 1).delete()
    else:
        transaction.on_commit(lambda: _queue(outbox_id, attempt + 1, countdown=delivery.retry_in))
    return delivery


def _claim(outbox_id: int, attempt: int) -> WebhookOutbox | None:
    """Move the row from ``attempt`` to the next one, due after this attempt's backoff (when the sweep
    sends it again if this worker never does); None when the row is not at ``attempt`` or is done."""
    with transaction.atomic():
        pending = (WebhookOutbox.objects.select_related("subscription").select_for_update(of=("self",))
                   .filter(pk=outbox_id, attempt=attempt).first())
        if pending is None:
            return None
        if not pending.subscription.active or attempt > settings.WEBHOOK_MAX_ATTEMPTS:
            pending.delete()
            return None
        pending.attempt = attempt + 1
        pending.due_at = timezone.now() + datetime.timedelta(seconds=backoff_seconds(attempt))
        pending.save(update_fields=["attempt", "due_at"])
        return pending


def outbox_adopt(*, subscription_id: int, payload: dict, attempt: int) -> int | None:
    """The pending delivery for a message queued as (subscription id, payload, attempt), recorded
    if need be; None when there is nothing to do: the subscription is gone, or the log has this
    attempt (or a later one) of the event already.

    System: such messages were queued before deliveries had a row; one still in the broker after an
    upgrade is delivered, and de-duplicated, like any other.
    """
    if not WebhookSubscription.objects.filter(pk=subscription_id).exists():
        return None
    if WebhookDelivery.objects.filter(subscription_id=subscription_id, delivery_id=payload["id"],
                                      attempt__gte=attempt).exists():
        return None
    pending, _ = WebhookOutbox.objects.get_or_create(
        subscription_id=subscription_id, delivery_id=payload["id"],
        defaults={"event": payload["event"], "payload": payload, "attempt": attempt, "due_at": timezone.now()})
    return pending.pk


def outbox_requeue(*, now: datetime.datetime | None = None) -> int:
    """Queue again the oldest deliveries overdue by ``REQUEUE_AFTER`` (their message was lost); how many.

    System: run by beat every minute. A delivery that was only slow to be picked up gets a second
    message for the same attempt, which ``outbox_deliver`` makes a no-op; running this twice sends
    nothing twice. With the broker still down it stops at the first failure: the next run retries.
    """
    now = now or timezone.now()
    overdue = list(WebhookOutbox.objects.filter(due_at__lt=now - REQUEUE_AFTER).order_by("due_at", "id")
                   .values_list("id", "attempt")[:REQUEUE_BATCH])
    queued = 0
    for outbox_id, attempt in overdue:
        if not _queue(outbox_id, attempt):
            break
        queued += 1
    if overdue:
        logger.info("Queued %d of %d overdue webhook deliveries again", queued, len(overdue))
    return queued
