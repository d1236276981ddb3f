"""POST /api/v1/auth/token/: a person's username and password for their API token."""

from __future__ import annotations

from django.contrib.auth import authenticate
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
                   auth=[], description="Service accounts cannot: their token is issued in admin.")
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The pages' backend: service accounts and inactive users are refused here too.
        user = authenticate(request._request, **serializer.validated_data)
        if user is None:
            raise serializers.ValidationError({"non_field_errors": ["Unable to log in with these credentials."]})
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
