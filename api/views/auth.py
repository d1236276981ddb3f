"""POST /api/v1/auth/token/: a person's username and password for their API token.

django-axes watches it as it watches the login pages (``authenticate`` gets the request):
after too many failures for one username+IP it answers 429 {"detail": ...} with Retry-After."""

from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle

from api.serializers.common import InputSerializer
from api.views.base import ApiView


class TokenRequestSerializer(InputSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as 'Authorization: Token <token>'.")


class TokenView(ApiView):
    authentication_classes = []
    permission_classes = []
    # Guessing passwords is throttled harder than the rest of the API.
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "auth_token"
    idempotent = False  # anonymous: Idempotency-Key does not apply

    @extend_schema(summary="Get your API token", request=TokenRequestSerializer, responses=TokenSerializer,
                   auth=[], description="Service accounts cannot: their token is issued in admin. After "
                               "AXES_FAILURE_LIMIT (default 5) failed attempts for one username from one address, "
                               "that username is locked out from that address (429 with Retry-After) until "
                               "AXES_COOLOFF_MINUTES (default 15) pass without another failure.")
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
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
