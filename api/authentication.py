"""API tokens (people and service accounts), sent as ``Token <key>`` or ``Bearer <key>``.
Sessions use DRF's SessionAuthentication: intake.auth
refuses service accounts a session, so only people have one. A person's token expires
(``api.tokens``: API_TOKEN_TTL_HOURS after it was issued); a service account's does not."""

from __future__ import annotations

from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from api import tokens

TOKEN_LENGTH = 40


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``. One query: the token, its user and the service-account flag."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        # A key that cannot be one never reaches the database (NUL bytes would fail there).
        if len(key) != TOKEN_LENGTH or not key.isalnum() or not key.isascii():
            raise exceptions.AuthenticationFailed("Invalid token.")
        token = token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if tokens.has_expired(token):  # a person's, API_TOKEN_TTL_HOURS after it was issued
            raise exceptions.AuthenticationFailed("Token has expired.")
        return token.user, token


def token_with_user(key: str) -> Token | None:
    """The token with its user, and the user's service account (or its absence), in one query."""
    return Token.objects.select_related("user", "user__service_account").filter(key=key).first()


class BearerAuthentication(TokenAuthentication):
    """``Authorization: Bearer <key>``: the same token, as generated clients send it by default."""

    keyword = "Bearer"
