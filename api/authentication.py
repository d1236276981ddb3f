"""API tokens (people and service accounts). Sessions use DRF's SessionAuthentication: intake.auth
refuses service accounts a session, so only people have one."""

from __future__ import annotations

from rest_framework import authentication, exceptions

TOKEN_LENGTH = 40


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``. One query: the token, its user and the service-account flag."""

    def authenticate_credentials(self, key):
        # A key that cannot be one never reaches the database (NUL bytes would fail there).
        if len(key) != TOKEN_LENGTH or not key.isalnum() or not key.isascii():
            raise exceptions.AuthenticationFailed("Invalid token.")
        model = self.get_model()
        try:
            token = model.objects.select_related("user", "user__service_account").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return token.user, token

