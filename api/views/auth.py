"""/api/v1/auth/token/: POST trades a person's username and password for their API token;
DELETE revokes the caller's token.

django-axes watches the POST as it watches the login pages (``authenticate`` gets the request):
after too many failures for one username+IP it answers 429 {"detail": ...} with Retry-After.
A person's token expires API_TOKEN_TTL_HOURS after it was issued (``api.tokens``); asking
again then issues a fresh one. Every answer carries ``Cache-Control: no-store``."""

from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle

from api import tokens
from api.permissions import IsAuthenticatedUser
from api.serializers.common import InputSerializer
from api.views.base import ApiView


class TokenRequestSerializer(InputSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as 'Authorization: Token <token>'.")
    expires_at = serializers.DateTimeField(
        help_text="When it stops working (API_TOKEN_TTL_HOURS after it was issued, default 720): ask again "
                  "then for a fresh one.")


class TokenView(ApiView):
    # POST is anonymous: whatever Authorization header a client sends along (an expired token, say)
    # is ignored. DELETE revokes the token it is called with (or, with a session, the person's token).
    permission_classes = []
    # Guessing passwords is throttled harder than the rest of the API.
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "auth_token"
    idempotent = False  # anonymous: Idempotency-Key does not apply

    def _anonymous(self) -> bool:
        # Django's View.setup() gives the view its request before DRF asks for authenticators.
        # (The schema generator may ask with none: it documents POST as anonymous itself.)
        return getattr(self.request, "method", None) == "POST"

    def get_authenticators(self):
        return [] if self._anonymous() else [auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]

    def get_permissions(self):
        return [] if self._anonymous() else [IsAuthenticatedUser()]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)  # Cache-Control: no-store (and no-cache, max-age=0)
        return response

    @extend_schema(summary="Get your API token", request=TokenRequestSerializer, responses=TokenSerializer,
                   auth=[], description="Service accounts cannot: their token is issued in admin. The same token "
                               "comes back until it expires (`expires_at`, API_TOKEN_TTL_HOURS after it was issued, "
                               "default 720); after that this issues a fresh one. A password change or reset, "
                               "deactivation and a lockout revoke it. After AXES_FAILURE_LIMIT (default 5) failed "
                               "attempts for one username from one address, that username is locked out from that "
                               "address (429 with Retry-After) until AXES_COOLOFF_MINUTES (default 15) pass without "
                               "another failure; AXES_IP_FAILURE_LIMIT (default 20) failures from one address, "
                               "whatever the usernames, lock that address out the same way.")
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The pages' backend: service accounts and inactive users are refused here too.
        user = authenticate(request._request, **serializer.validated_data)
        if user is None:
            raise serializers.ValidationError({"non_field_errors": ["Unable to log in with these credentials."]})
        # A sign-in like the pages' (last_login, the axes access log); it also clears this
        # username+IP's failed attempts, so a person who got it right is never locked out later.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token = tokens.issue(user)
        return Response({"token": token.key, "expires_at": tokens.expires_at(token)})

    @extend_schema(summary="Revoke your API token", request=None,
                   responses={204: OpenApiResponse(description="Revoked: the token no longer works.")},
                   description="Revokes the token the request is made with (with the pages' session: your "
                               "token). Get a new one with POST. Service accounts may revoke theirs too; a "
                               "governance admin issues the next one (Rotate the API token).")
    def delete(self, request):
        tokens.revoke(request.user, "revoked by its holder")
        return Response(status=status.HTTP_204_NO_CONTENT)
