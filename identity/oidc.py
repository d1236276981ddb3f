"""Single sign-on with OpenID Connect: the provider's configuration, the backend, the sign-in service.

mozilla-django-oidc runs the authorization-code flow (state, nonce, PKCE; docs/decisions/oidc-library.md).
Here: the provider's endpoints, read from its discovery document at first use and cached; the ID
token's checks the library leaves out (issuer, audience, required claims); and ``oidc_sign_in``,
which turns a verified ID token into a Stagegate person and applies their IdP groups.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import transaction
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from identity.models import ExternalIdentity, SyncSource
from identity.services import idp_groups_set
from intake.auth import HumanOnlyModelBackend, is_service_account

log = logging.getLogger(__name__)

# Seconds of difference between our clock and the provider's that an ID token's iat/exp may show.
CLOCK_SKEW = 60
# The discovery document is read again after this long (a provider may move an endpoint).
METADATA_TTL = 3600
FAILURE_ATTRIBUTE = "oidc_failure"  # on the request: why the sign-in was refused, for the login page


class ProviderError(Exception):
    """The provider's configuration could not be read or is not usable."""


class SignInRefused(Exception):
    """The provider vouched for this person, but Stagegate will not sign them in; the message says why."""


# ------------------------------------------------------------------------------------------ provider

_metadata: dict[str, tuple[float, dict]] = {}
_metadata_lock = threading.Lock()


def provider_metadata() -> dict:
    """The provider's discovery document (empty when none is configured), cached per URL."""
    url = settings.OIDC_DISCOVERY_URL
    if not url:
        return {}
    cached = _metadata.get(url)
    if cached is None or time.monotonic() - cached[0] >= METADATA_TTL:
        with _metadata_lock:
            cached = (time.monotonic(), _fetched(url))
            _metadata[url] = cached
    document = cached[1]
    # OpenID Connect Discovery 1.0, 4.3: the document must be the configured issuer's own.
    if settings.OIDC_ISSUER and document["issuer"] != settings.OIDC_ISSUER:
        raise ProviderError(f"The discovery document {url} is for issuer {document['issuer']!r}, "
                            f"not OIDC_ISSUER {settings.OIDC_ISSUER!r}.")
    return document


def _fetched(url: str) -> dict:
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderError(f"The discovery document {url} could not be read: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("issuer"), str):
        raise ProviderError(f"The discovery document {url} names no issuer.")
    return document


def forget_provider_metadata() -> None:
    _metadata.clear()


def issuer() -> str:
    """What every ID token's ``iss`` must say exactly."""
    return settings.OIDC_ISSUER or provider_metadata()["issuer"]


def endpoint(name: str, *, required: bool = True) -> str:
    """An endpoint of the provider: its OIDC_OP_* override, else the discovery document's ``name``."""
    override = {
        "authorization_endpoint": settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        "token_endpoint": settings.OIDC_OP_TOKEN_ENDPOINT,
        "userinfo_endpoint": settings.OIDC_OP_USER_ENDPOINT,
        "jwks_uri": settings.OIDC_OP_JWKS_ENDPOINT,
        "end_session_endpoint": settings.OIDC_OP_LOGOUT_ENDPOINT,
    }[name]
    if override:
        return override
    value = provider_metadata().get(name)
    value = value if isinstance(value, str) else ""
    if required and not value:
        raise ProviderError(f"The provider's discovery document has no {name}.")
    return value


def end_session_url(request) -> str | None:
    """The provider's end-session URL for the signed-in browser (logout started by Stagegate), or None.

    Only for a session signed in through the provider, and only when the provider lists an
    end-session endpoint; a provider that cannot be reached never stops the logout here.
    """
    id_token = request.session.get("oidc_id_token")
    if not settings.OIDC_ENABLED or not id_token:
        return None
    try:
        target = endpoint("end_session_endpoint", required=False)
    except ProviderError as exc:
        log.warning("OIDC logout: %s", exc)
        return None
    if not target:
        return None
    query = urlencode({
        "id_token_hint": id_token,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        "client_id": settings.OIDC_RP_CLIENT_ID,
    })
    return f"{target}{'&' if '?' in target else '?'}{query}"


def provider_logout_url(request) -> str:
    """mozilla-django-oidc's OIDC_OP_LOGOUT_URL_METHOD: where the browser goes after our logout."""
    return end_session_url(request) or resolve_url(settings.LOGOUT_REDIRECT_URL)


# ------------------------------------------------------------------------------------------ backends


class OidcBackend(OIDCAuthenticationBackend):
    """Signs people in from the provider's callback; permissions stay HumanOnlyModelBackend's."""

    def __init__(self, *args, **kwargs):
        # Not the library's __init__, which reads every endpoint: Django builds a backend for each
        # request's get_user, and the discovery document is read only when a sign-in needs it.
        self.UserModel = get_user_model()

    OIDC_RP_IDP_SIGN_KEY = None
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.OIDC_RP_CLIENT_SECRET)
    OIDC_RP_SIGN_ALGO = property(lambda self: settings.OIDC_RP_SIGN_ALGO)
    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: endpoint("token_endpoint"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: endpoint("jwks_uri"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: endpoint("userinfo_endpoint", required=False))

    def authenticate(self, request, **kwargs):
        # Only the callback view's call (it passes the nonce); never a password form's.
        if request is None or "nonce" not in kwargs or not settings.OIDC_ENABLED:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        if "nonce" not in kwargs:
            return super().verify_token(token, **kwargs)  # a signed userinfo response
        return self.verify_id_token(token, nonce=kwargs["nonce"])

    def verify_id_token(self, token: str, *, nonce: str | None) -> dict:
        """The ID token's claims, once its signature, issuer, audience, times and nonce hold.

        The library checks the signature and nonce but neither issuer nor audience: a token the
        same provider issued to another application must not sign anyone in here.
        """
        algorithm = self.OIDC_RP_SIGN_ALGO
        header = jwt.get_unverified_header(token)
        if header.get("alg") != algorithm:  # never "none", never HS with a public key (alg confusion)
            raise SuspiciousOperation(f"ID token signed with {header.get('alg')!r}, not {algorithm}.")
        key = self.OIDC_RP_CLIENT_SECRET if algorithm.startswith("HS") else self.retrieve_matching_jwk(token)
        payload = jwt.decode(
            token, key, algorithms=[algorithm], audience=self.OIDC_RP_CLIENT_ID, issuer=issuer(),
            leeway=CLOCK_SKEW, options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
        audiences = payload["aud"] if isinstance(payload["aud"], list) else [payload["aud"]]
        if len(audiences) > 1 and payload.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token for several audiences and not authorised for us (azp).")
        if not nonce or payload.get("nonce") != nonce:
            raise SuspiciousOperation("ID token nonce does not match this sign-in.")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, completed by the userinfo endpoint's (when there is one) for the same subject."""
        if not self.OIDC_OP_USER_ENDPOINT:
            return dict(payload)
        info = super().get_userinfo(access_token, id_token, payload)
        if not isinstance(info, dict) or info.get("sub") != payload["sub"]:
            raise SuspiciousOperation("The userinfo response is for another subject.")
        return {**info, **payload}  # the signed ID token wins where both say something

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        try:
            return oidc_sign_in(issuer=payload["iss"], claims=claims)
        except SignInRefused as exc:
            setattr(self.request, FAILURE_ATTRIBUTE, str(exc))
            self.request.session.pop("oidc_id_token", None)
            # Django's authenticate() stops at PermissionDenied and reports a failed login (axes counts it).
            raise PermissionDenied(str(exc)) from exc

    def get_user(self, user_id):
        return HumanOnlyModelBackend().get_user(user_id)

    # Permissions are HumanOnlyModelBackend's alone: answering here would compute them twice a request.
    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def with_perm(self, perm, is_active=True, include_superusers=True, obj=None):
        return self.UserModel._default_manager.none()


class NoPasswordBackend(BaseBackend):
    """With LOCAL_LOGIN=false, first after the lockout check: no password logs anyone in."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if password is not None and not settings.LOCAL_LOGIN:
            raise PermissionDenied("Password sign-in is switched off (LOCAL_LOGIN=false).")
        return None


# ------------------------------------------------------------------------------------------ sign-in

_USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")


@transaction.atomic
def oidc_sign_in(*, issuer: str, claims: Mapping[str, Any]):
    """The person the provider vouches for, found, linked or created; their IdP groups applied.

    The permission is the ID token the backend verified (signature, issuer, audience, nonce): the
    provider speaking about this one person. Raises ``SignInRefused`` (nothing changed) for a
    deactivated account, a service account, or claims we cannot use.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SignInRefused("The provider's answer names nobody (no usable subject).")
    groups = _group_names(claims)
    identity = (ExternalIdentity.objects.select_for_update().select_related("user")
                .filter(oidc_issuer=issuer, oidc_subject=subject).first())
    user = identity.user if identity is not None else _account_by_verified_email(claims)
    if user is not None:
        _refuse_unless_may_sign_in(user)
    if user is None:
        user = _account_created(claims)
    if identity is None:
        identity = ExternalIdentity.objects.filter(user=user).first() or ExternalIdentity(user=user)
        identity.oidc_issuer, identity.oidc_subject = issuer, subject
    identity.last_sign_in_at = timezone.now()
    identity.save()
    # At every sign-in: a group removed at the provider is removed here (identity.services).
    idp_groups_set(user=user, names=groups, source=SyncSource.OIDC)
    return user


def _refuse_unless_may_sign_in(user) -> None:
    if is_service_account(user):
        raise SignInRefused("This is a service account: it uses API tokens and cannot sign in to pages.")
    if not user.is_active:
        raise SignInRefused("Your Stagegate account is deactivated. Ask a governance admin if you need it again.")


def _group_names(claims: Mapping[str, Any]) -> list[str]:
    raw = claims.get(settings.OIDC_GROUPS_CLAIM)
    if raw is None:
        return []  # no claim: the provider says no groups (every managed membership is removed)
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(name, str) for name in raw):
        raise SignInRefused(f"The provider's {settings.OIDC_GROUPS_CLAIM!r} claim is not a list of group names; "
                            "ask whoever runs the sign-in to check its configuration.")
    return [name for name in raw if len(name.strip()) <= 200]


def _email(claims: Mapping[str, Any]) -> str:
    value = claims.get(settings.OIDC_EMAIL_CLAIM)
    return value.strip()[:254] if isinstance(value, str) else ""


def _account_by_verified_email(claims: Mapping[str, Any]):
    """The local account to link, by email, only when the provider says it verified that address.

    An unverified address is whatever the person typed at the provider: linking by it would hand
    anyone the account of whoever owns that address here (account takeover). Accounts already
    linked to a subject are never linked again; two accounts with the address are refused.
    """
    email = _email(claims)
    if not email or claims.get("email_verified") not in (True, "true"):
        return None
    candidates = list(
        get_user_model()._default_manager.filter(email__iexact=email)
        .exclude(external_identity__oidc_subject__gt="").select_related("service_account")[:2]
    )
    if len(candidates) > 1:
        raise SignInRefused(f"More than one Stagegate account has the address {email}; "
                            "ask a governance admin to sort out which one is yours.")
    return candidates[0] if candidates else None


def _account_created(claims: Mapping[str, Any]):
    """A new person, just in time: no password (they sign in through the provider)."""
    model = get_user_model()
    email = _email(claims)
    wanted = claims.get(settings.OIDC_USERNAME_CLAIM)
    base = _USERNAME_UNSAFE.sub("", wanted if isinstance(wanted, str) else "")
    base = (base or _USERNAME_UNSAFE.sub("", email.split("@")[0]) or "person")[:140]
    username, n = base, 1
    while model._default_manager.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}-{n}"
    return model._default_manager.create_user(
        username, email=email, password=None,
        first_name=_text(claims.get("given_name"), 150), last_name=_text(claims.get("family_name"), 150),
    )


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""
