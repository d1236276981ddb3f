"""SCIM provisioning: the identity provider creating, changing and deactivating people and IdP groups.

Each write is keyword-only, runs in one transaction and checks ``require_provision(actor)`` first;
the SCIM edge (``identity.scim``) only translates requests and refusals. Refusals are Django's:
``PermissionDenied`` (403) and ``ValidationError`` whose ``code`` is the SCIM ``scimType``
(``uniqueness`` is a 409, every other code a 400), so the edge maps them without re-wording.

SCIM manages only people the IdP knows (an ``ExternalIdentity``), never a service account or a
superuser. Membership changes apply the IdP group mapping (``identity.services.idp_groups_apply``)
to every person whose IdP groups changed, as an OIDC sign-in does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from identity.models import ExternalIdentity, IdpGroup, SyncSource
from identity.permissions import PROVISION, require_provision
from identity.services import idp_group_memberships_set, idp_groups_apply
from intake.auth import is_service_account
from intake.models import ServiceAccount

logger = logging.getLogger("stagegate.audit")
User = get_user_model()

USERNAME_MAX = User._meta.get_field("username").max_length
NAME_MAX = User._meta.get_field("first_name").max_length
GROUP_NAME_MAX = IdpGroup._meta.get_field("name").max_length
EXTERNAL_ID_MAX = ExternalIdentity._meta.get_field("scim_external_id").max_length


@dataclass(frozen=True)
class PersonAttributes:
    """What the IdP says about a person: the SCIM User attributes Stagegate keeps."""

    user_name: str
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    active: bool = True
    external_id: str = ""


def _invalid(message: str, code: str = "invalidValue") -> ValidationError:
    return ValidationError(message, code=code)


def _text(value, label: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(f"{label} must be a string.")
    value = value.strip()
    if len(value) > limit:
        raise _invalid(f"{label} is longer than {limit} characters.")
    return value


def _clean_person(attrs: PersonAttributes) -> PersonAttributes:
    user_name = _text(attrs.user_name, "userName", USERNAME_MAX)
    if not user_name:
        raise _invalid("userName is required.")
    try:
        UnicodeUsernameValidator()(user_name)
    except ValidationError:
        raise _invalid("userName may contain only letters, digits and @ . + - _") from None
    email = _text(attrs.email, "The email", User._meta.get_field("email").max_length)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise _invalid(f"{email!r} is not an email address.") from None
    if not isinstance(attrs.active, bool):
        raise _invalid("active must be true or false.")
    return PersonAttributes(
        user_name=user_name, given_name=_text(attrs.given_name, "name.givenName", NAME_MAX),
        family_name=_text(attrs.family_name, "name.familyName", NAME_MAX), email=email, active=attrs.active,
        external_id=_text(attrs.external_id, "externalId", EXTERNAL_ID_MAX))


def _require_manageable(user) -> None:
    # A token that provisions people must never be able to lock out or take over the accounts that govern it.
    if is_service_account(user):
        raise PermissionDenied("SCIM does not manage service accounts.")
    if user.is_superuser:
        raise PermissionDenied("SCIM does not manage superusers; change them in admin.")


def _check_user_name_free(user_name: str, *, other_than=None) -> None:
    """SCIM userNames are case-insensitive (RFC 7643 4.1.1): 'Ava' and 'ava' are one person."""
    clash = User._default_manager.filter(username__iexact=user_name).exclude(pk=getattr(other_than, "pk", None))
    taken = clash.select_related("service_account").first()
    if taken is None:
        return
    _require_manageable(taken)
    if not ExternalIdentity.objects.filter(user=taken).exists():
        # Never adopt an account made here: the IdP could otherwise take over anyone's by naming them.
        raise _invalid(f"userName {user_name!r} belongs to an account made in Stagegate, not by the identity "
                       "provider; a governance admin must rename it or link it first.", code="uniqueness")
    raise _invalid(f"userName {user_name!r} is already taken.", code="uniqueness")


def _set_person(user, attrs: PersonAttributes) -> None:
    user.username = attrs.user_name
    user.first_name = attrs.given_name
    user.last_name = attrs.family_name
    user.email = attrs.email


@transaction.atomic
def scim_user_create(*, actor: AbstractBaseUser, attributes: PersonAttributes) -> AbstractBaseUser:
    """A person the IdP provisions: a user with no usable password (they sign in through the IdP) and
    their SCIM identity. Returns the user."""
    require_provision(actor)
    attrs = _clean_person(attributes)
    _check_user_name_free(attrs.user_name)
    user = User(is_active=attrs.active)
    _set_person(user, attrs)
    user.set_unusable_password()
    user.save()
    ExternalIdentity.objects.create(user=user, scim_external_id=attrs.external_id)
    logger.info("SCIM: %s created %s", actor.get_username(), user.get_username())
    return user


@transaction.atomic
def scim_user_update(*, actor: AbstractBaseUser, user: AbstractBaseUser,
                     attributes: PersonAttributes) -> AbstractBaseUser:
    """Make the person what the IdP now says (a PUT, or a PATCH already applied to their current
    attributes by the caller). A change of ``active`` goes through ``scim_user_set_active``."""
    require_provision(actor)
    user = _locked_person(user)
    attrs = _clean_person(attributes)
    if attrs.user_name != user.username:
        _check_user_name_free(attrs.user_name, other_than=user)
    _set_person(user, attrs)
    user.save(update_fields=["username", "first_name", "last_name", "email"])
    identity = user.external_identity
    if identity.scim_external_id != attrs.external_id:
        identity.scim_external_id = attrs.external_id
        identity.save(update_fields=["scim_external_id"])
    if attrs.active != user.is_active:
        user = scim_user_set_active(actor=actor, user=user, active=attrs.active)
    return user


@transaction.atomic
def scim_user_set_active(*, actor: AbstractBaseUser, user: AbstractBaseUser, active: bool) -> AbstractBaseUser:
    """Let the person in, or shut them out at once: no API token and no session survives a deactivation."""
    require_provision(actor)
    user = _locked_person(user)
    if not isinstance(active, bool):
        raise _invalid("active must be true or false.")
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        tokens, _ = Token.objects.filter(user=user).delete()
        sessions = _end_sessions(user)
        logger.info("SCIM: %s deactivated %s (%d API token(s), %d session(s) ended)",
                    actor.get_username(), user.get_username(), tokens, sessions)
    else:
        logger.info("SCIM: %s reactivated %s", actor.get_username(), user.get_username())
    return user


def _end_sessions(user) -> int:
    """Delete the person's database sessions.

    An inactive person's session already stops working (the auth backend refuses inactive users), but
    it would come back to life on reactivation; deleting it makes a reactivated person sign in again.
    Sessions are not indexed by user, so this decodes every unexpired one: O(live sessions) per
    deactivation, which is rare. Needs the database session engine (the default, used here).
    """
    mine = [session.pk for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
            if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)]
    if mine:
        Session.objects.filter(pk__in=mine).delete()
    return len(mine)


@transaction.atomic
def scim_user_delete(*, actor: AbstractBaseUser, user: AbstractBaseUser) -> None:
    """What a SCIM DELETE does: the person is deactivated and leaves every IdP group (so the mapped
    groups and business units go), and their SCIM identity ends (the resource is then 404).

    The user row, everything they did and all history stay: deleting them would break the audit trail.
    """
    require_provision(actor)
    user = _locked_person(user)
    scim_user_set_active(actor=actor, user=user, active=False)
    idp_group_memberships_set(user=user, groups=[])
    idp_groups_apply(user=user, source=SyncSource.SCIM)
    user.external_identity.delete()  # its history row records the deletion
    logger.info("SCIM: %s deleted %s (deactivated, SCIM identity removed)", actor.get_username(),
                user.get_username())


def _locked_person(user):
    # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins.
    locked = (User._default_manager.select_for_update(of=("self",))
              .select_related("service_account", "external_identity").filter(pk=user.pk).first())
    if locked is None or not hasattr(locked, "external_identity"):
        raise ValidationError("No such SCIM user.", code="noTarget")
    _require_manageable(locked)
    return locked


# -- groups ----------------------------------------------------------------------------------------


def _clean_group_name(name) -> str:
    name = _text(name, "displayName", GROUP_NAME_MAX)
    if not name:
        raise _invalid("displayName is required.")
    return name


def _check_group_name_free(name: str, *, other_than: IdpGroup | None = None) -> None:
    clash = IdpGroup.objects.filter(name__iexact=name)
    if other_than is not None:
        clash = clash.exclude(pk=other_than.pk)
    if clash.exists():
        raise _invalid(f"displayName {name!r} is already taken.", code="uniqueness")


def _check_members(members: Iterable) -> list:
    members = list(members)
    for member in members:
        if is_service_account(member):
            raise _invalid(f"{member.get_username()} is a service account; it cannot be in an IdP group.")
    return members


@transaction.atomic
def scim_group_create(*, actor: AbstractBaseUser, display_name: str, external_id: str = "",
                      members: Iterable = ()) -> IdpGroup:
    """An IdP group the IdP pushes, with its members; the mapping is applied to each of them."""
    require_provision(actor)
    name = _clean_group_name(display_name)
    _check_group_name_free(name)
    members = _check_members(members)
    group = IdpGroup.objects.create(name=name, external_id=_text(external_id, "externalId", EXTERNAL_ID_MAX))
    _set_members(group, members)
    logger.info("SCIM: %s created IdP group %s with %d member(s)", actor.get_username(), name, len(members))
    return group


@transaction.atomic
def scim_group_update(*, actor: AbstractBaseUser, group: IdpGroup, display_name: str | None = None,
                      external_id: str | None = None, members: Iterable | None = None) -> IdpGroup:
    """Rename the IdP group, set its externalId, and/or make its members exactly ``members`` (None: unchanged).

    A rename changes what the mapping sees: every member's memberships are recomputed.
    """
    require_provision(actor)
    group = IdpGroup.objects.select_for_update().get(pk=group.pk)
    renamed = False
    if display_name is not None:
        name = _clean_group_name(display_name)
        if name != group.name:
            _check_group_name_free(name, other_than=group)
            group.name, renamed = name, True
    if external_id is not None:
        group.external_id = _text(external_id, "externalId", EXTERNAL_ID_MAX)
    group.save()
    before = set(group.members.all())
    if members is not None:
        _set_members(group, _check_members(members), reapply=before if renamed else ())
    elif renamed:
        _apply(before)
    return group


@transaction.atomic
def scim_group_delete(*, actor: AbstractBaseUser, group: IdpGroup) -> None:
    """The IdP group is gone: what it granted its members (through the mapping) goes with it."""
    require_provision(actor)
    group = IdpGroup.objects.select_for_update().get(pk=group.pk)
    members = list(group.members.all())
    name = group.name
    group.members.clear()
    group.delete()
    _apply(members)
    logger.info("SCIM: %s deleted IdP group %s (%d member(s))", actor.get_username(), name, len(members))


def _set_members(group: IdpGroup, members: Iterable, reapply: Iterable = ()) -> None:
    members = set(members)
    before = set(group.members.all())
    added, removed = members - before, before - members
    if added:
        group.members.add(*added)
    if removed:
        group.members.remove(*removed)
    _apply(added | removed | set(reapply))


def _apply(users: Iterable) -> None:
    for user in sorted(users, key=lambda u: u.pk):
        idp_groups_apply(user=user, source=SyncSource.SCIM)


# -- the SCIM service account ------------------------------------------------------------------------


@transaction.atomic
def scim_token_issue(*, name: str) -> tuple[ServiceAccount, str]:
    """Create the SCIM service account ``name`` (or rotate its token) and return it with its new key.

    Run only from the command line (``create_scim_token``), as ``createsuperuser`` is: whoever runs it
    already controls the server, so there is no actor to check. The old token stops working at once.
    """
    name = (name or "").strip()
    try:
        UnicodeUsernameValidator()(name)
    except ValidationError:
        raise _invalid("The name may contain only letters, digits and @ . + - _") from None
    user = User._default_manager.select_for_update().filter(username=name).first()
    if user is not None and not is_service_account(user):
        raise PermissionDenied(f"{name} is a person's account, not a service account; choose another name.")
    if user is None:
        user = User(username=name, is_active=True)
        user.set_unusable_password()
        user.save()
    elif not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    # Read-only for the REST API (least privilege); SCIM does not look at the flag.
    account, _ = ServiceAccount.objects.get_or_create(
        user=user, defaults={"read_only": True, "description": "SCIM provisioning by the identity provider."})
    app_label, codename = PROVISION.split(".")
    user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    rotated, _ = Token.objects.filter(user=user).delete()
    key = Token.objects.create(user=user).key
    logger.info("SCIM token %s for service account %s", "rotated" if rotated else "issued", name)
    return account, key


__all__ = [
    "PersonAttributes",
    "scim_group_create",
    "scim_group_delete",
    "scim_group_update",
    "scim_token_issue",
    "scim_user_create",
    "scim_user_delete",
    "scim_user_set_active",
    "scim_user_update",
]
