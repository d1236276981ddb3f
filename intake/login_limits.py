"""Limits on guessing from one address, beside django-axes' per-username lockout.

- **Logins**: ``LoginLimitHandler`` (settings.AXES_HANDLER) is axes' database handler with one
  more rule: after ``AXES_IP_FAILURE_LIMIT`` failed logins from one address, whatever usernames
  they named, that address is refused every login (page, admin, API token endpoint) until
  ``AXES_COOLOFF_MINUTES`` pass without another failure. Password spraying, one guess at each of
  many usernames, never trips the per-username lockout; this catches it. The count is axes' own
  failure records (``AccessAttempt``), so it is shared by every process and cleared the same way.
- **Password-reset emails**: ``RateLimitedPasswordResetForm`` sends at most
  ``PASSWORD_RESET_LIMIT_PER_ADDRESS`` emails an hour to one address and handles at most
  ``PASSWORD_RESET_LIMIT_PER_IP`` requests an hour from one client address. Beyond either, the
  page answers exactly as it always does (it never says whether an address has an account) but
  sends nothing. The counters live in the cache.
"""

from __future__ import annotations

import hashlib
import logging

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.db.models import Sum

from intake.auth import client_ip

logger = logging.getLogger("stagegate.audit")

RESET_WINDOW_SECONDS = 60 * 60


def failures_from(ip_address: str | None, since=None) -> int:
    """Failed logins from ``ip_address`` (every username) still inside the cool-off."""
    if not ip_address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=ip_address)
    if since is not None:
        attempts = attempts.filter(attempt_time__gte=since)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def failures_of(username: str | None, ip_address: str | None) -> int:
    """Failed logins for ``username`` from ``ip_address``: what the per-username lockout counts."""
    if not username:
        return 0
    attempts = AccessAttempt.objects.filter(username=username, ip_address=ip_address)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LoginLimitHandler(AxesDatabaseHandler):
    """axes' database handler, plus a limit per client address across usernames."""

    def _address_locked(self, request) -> bool:
        ip_address = getattr(request, "axes_ip_address", None)
        return failures_from(ip_address, get_cool_off_threshold(request)) >= settings.AXES_IP_FAILURE_LIMIT

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self._address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        already_locked = getattr(request, "axes_locked_out", False)
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or already_locked or request.axes_locked_out or not self._address_locked(request):
            return
        # This failure reached the address's limit: it gets the lockout answer at once, as the
        # username's own limit would give it.
        logger.warning("Login attempts from %s locked out after %s failures across usernames.",
                       request.axes_ip_address, settings.AXES_IP_FAILURE_LIMIT)
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send("axes", request=request, username=None, ip_address=request.axes_ip_address)


# -- password-reset emails ---------------------------------------------------------------------


def _count(key: str) -> int:
    """Add one to an hourly counter in the cache; the count including this one."""
    cache.add(key, 0, timeout=RESET_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # it expired between add and incr
        cache.set(key, 1, timeout=RESET_WINDOW_SECONDS)
        return 1


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def reset_email_allowed(email: str, ip_address: str | None) -> bool:
    """Count one password-reset request; False once the address or the client is over its hourly limit."""
    per_address = _count(f"password-reset:address:{_digest(email.strip().lower())}")
    per_ip = _count(f"password-reset:ip:{_digest(ip_address or '-')}")
    return (per_address <= settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
            and per_ip <= settings.PASSWORD_RESET_LIMIT_PER_IP)


class RateLimitedPasswordResetForm(PasswordResetForm):
    """Django's reset form; over the limits it sends nothing, and the page says the same as ever."""

    def save(self, *args, request=None, **kwargs):
        email = self.cleaned_data["email"]
        ip_address = client_ip(request) if request is not None else None
        if not reset_email_allowed(email, ip_address):
            logger.warning("Password-reset email not sent: over the hourly limit (client %s).", ip_address)
            return None
        return super().save(*args, request=request, **kwargs)
