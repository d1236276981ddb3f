"""API tokens' lifetime: when a token expires, and what revokes it.

A person's token (``POST /api/v1/auth/token/``) expires ``API_TOKEN_TTL_HOURS``
after it was issued; asking again then issues a fresh one. It is revoked by
``DELETE /api/v1/auth/token/``, and whenever the person's password changes
(a change, a reset, an admin setting it: any save of a new password hash),
their account is deactivated, or their username is locked out (django-axes).
Service accounts' tokens do not expire (they are rotated in admin or by the service_account command) but are
revoked when the account is deactivated, like anyone's.
"""

from __future__ import annotations

import datetime
import logging

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from rest_framework.authtoken.models import Token

from intake.auth import is_service_account
from intake.login_limits import failures_of

logger = logging.getLogger("stagegate.audit")
User = get_user_model()


def lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def expires_at(token: Token) -> datetime.datetime | None:
    """When ``token`` stops working; None for a service account's (rotated instead, never expired)."""
    if is_service_account(token.user):
        return None
    return token.created + lifetime()


def has_expired(token: Token) -> bool:
    ends = expires_at(token)
    return ends is not None and timezone.now() >= ends


@transaction.atomic
def issue(user) -> Token:
    """The person's token: the current one, or a fresh one when they have none or it has expired."""
    token = Token.objects.select_for_update().select_related("user").filter(user=user).first()
    if token is not None and has_expired(token):
        token.delete()
        token = None
    if token is None:
        token, _ = Token.objects.get_or_create(user=user)
    return token


def revoke(user, why: str) -> int:
    """Delete every token of ``user``; how many there were."""
    count, _ = Token.objects.filter(user=user).delete()
    if count:
        logger.info("API token of %s revoked: %s", user.get_username(), why)
    return count


# -- what revokes a token ----------------------------------------------------------------------

_WATCHED = {"password", "is_active"}


@receiver(pre_save, sender=User, dispatch_uid="api-tokens-remember-password")
def _remember_password(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """Note whether this save changes the stored password hash (one query; none for unrelated saves)."""
    instance._api_password_changed = False
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._api_password_changed = stored is not None and stored != instance.password


@receiver(post_save, sender=User, dispatch_uid="api-tokens-revoke-on-save")
def _revoke_on_save(sender, instance, created=False, raw=False, update_fields=None, **kwargs) -> None:
    if raw or created or (update_fields is not None and not _WATCHED & set(update_fields)):
        return
    if getattr(instance, "_api_password_changed", False):
        revoke(instance, "password changed")
    elif not instance.is_active:
        revoke(instance, "account deactivated")
    instance._api_password_changed = False


@receiver(user_locked_out, dispatch_uid="api-tokens-revoke-on-lockout")
def _revoke_on_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """A username locked out (AXES_FAILURE_LIMIT failures from one address) loses its token.

    A lockout of the address alone (AXES_IP_FAILURE_LIMIT, failures across usernames) revokes
    nothing: it says nothing about any one account.
    """
    if not username or failures_of(username, ip_address) < settings.AXES_FAILURE_LIMIT:
        return
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if user is not None:
        revoke(user, "locked out")
