"""Writes of the api app: service accounts (the API's non-human identities) and their tokens.

The admin and the ``service_account`` command call these. Each asks ``api.permissions.require``
first, and records what it did, whichever door it came through: on the account's admin history
(as the admin records its own changes) and on the ``stagegate.audit`` logger, as every token
event is (never a token's key).
"""

from __future__ import annotations

import logging

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from api.permissions import Action, require
from intake.models import ServiceAccount

logger = logging.getLogger("stagegate.audit")


def service_account_problems(*, username: str, description: str = "") -> dict[str, list[str]]:
    """What ``service_account_create`` would refuse about these answers, by field (the admin form
    shows it at the field)."""
    user_model = get_user_model()
    user = user_model(username=username)
    user.set_unusable_password()
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"])  # the username's shape and length, normalised first
    except ValidationError as exc:
        errors.update({field: msgs for field, msgs in exc.message_dict.items() if field == "username"})
    # Usernames differing only in case are one name to a person reading the audit trail.
    if "username" not in errors and user_model._default_manager.filter(username__iexact=user.username).exists():
        errors["username"] = ["A user with that username already exists."]
    try:
        ServiceAccount(description=description).full_clean(exclude=["user"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    return errors


@transaction.atomic
def service_account_create(
    *, actor: AbstractBaseUser, username: str, description: str = "", read_only: bool = True
) -> tuple[ServiceAccount, str]:
    """A service account with its user and first API token; returns the account and the token's key,
    for the caller to show once.

    The user never gets a usable password: it authenticates only with the token (intake.auth).
    """
    require(actor, Action.SERVICE_ACCOUNT_CREATE)
    description = (description or "").strip()
    errors = service_account_problems(username=username, description=description)
    if errors:
        raise ValidationError(errors)
    user = get_user_model()(username=username, is_active=True)
    user.clean()  # normalises the username as the check above did
    user.set_unusable_password()
    user.save()
    account = ServiceAccount.objects.create(user=user, read_only=read_only, description=description)
    key = Token.objects.create(user=user).key
    access = "read-only" if read_only else "read-write"
    _audit(actor, account, ADDITION, f"Created the {access} service account and issued its API token.")
    logger.info("service account %s (%s) created by %s", user.get_username(), access, actor.get_username())
    return account, key


@transaction.atomic
def service_account_token_rotate(*, actor: AbstractBaseUser, service_account: ServiceAccount) -> str:
    """Replace the account's API token; the old one stops working at once. Returns the new key,
    for the caller to show once."""
    require(actor, Action.SERVICE_ACCOUNT_ROTATE, service_account)
    # Under a row lock, so two rotations queue and the account ends with exactly one token.
    account = ServiceAccount.objects.select_for_update().select_related("user").get(pk=service_account.pk)
    Token.objects.filter(user=account.user).delete()
    key = Token.objects.create(user=account.user).key
    _audit(actor, account, CHANGE, "Rotated the API token; the old one no longer works.")
    logger.info("API token of %s rotated by %s", account.user.get_username(), actor.get_username())
    return key


def _audit(actor: AbstractBaseUser, account: ServiceAccount, flag: int, message: str) -> None:
    """An entry in the account's admin history, as the admin writes for its own changes."""
    LogEntry.objects.log_actions(user_id=actor.pk, queryset=[account], action_flag=flag, change_message=message,
                                 single_object=True)
