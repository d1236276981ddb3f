"""Webhook delivery: one signed POST per attempt, each attempt logged, retried with exponential backoff.

Every attempt resolves the receiver's host name afresh and sends only to public addresses: a
loopback, link-local (169.254.169.254, the cloud metadata service), private, multicast, reserved
or IPv4-mapped address is refused and nothing is sent, unless it is in WEBHOOK_ALLOWED_HOSTS (IP
addresses or networks). The connection goes to the address that was checked, never to a second
lookup of the name, so a name that changes its answer between the check and the send (DNS
rebinding) gains nothing; the Host header and the TLS server name (SNI, certificate check) stay
the URL's. A redirect is an answer (not 2xx: failed, retried), never followed. The log keeps
a coarse outcome and, for a refusal, our own reason: never the receiver's or the network's text.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass

from django.conf import settings

from api.models import DeliveryOutcome, WebhookDelivery, WebhookSubscription
from api.webhooks import SIGNATURE_HEADER, body_of, signature


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


def webhook_attempt(*, subscription_id: int, payload: dict, attempt: int) -> WebhookDelivery | None:
    """Send one attempt and log it; the log says whether (and when) to try again. None: no active
    subscription any more. A refused attempt is not retried: the address will not become allowed
    by waiting."""
    subscription = WebhookSubscription.objects.filter(pk=subscription_id, active=True).first()
    if subscription is None:
        return None
    started = time.monotonic()
    result = _post(subscription, payload, attempt)
    retry = result.outcome == DeliveryOutcome.FAILED and attempt < settings.WEBHOOK_MAX_ATTEMPTS
    return WebhookDelivery.objects.create(
        subscription=subscription, delivery_id=payload["id"], event=payload["event"], payload=payload,
        attempt=attempt, outcome=result.outcome, status_code=result.status_code, reason=result.reason,
        retry_in=backoff_seconds(attempt) if retry else None, duration_ms=int((time.monotonic() - started) * 1000),
    )
