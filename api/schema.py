"""The OpenAPI schema documents every error an operation can answer with.

Each operation gets 400 (bad input, filters or cursor), 401 (no or bad
credentials), 403 (seen but not allowed, with the reason), 404 (missing or
not visible) and 429 (throttled); writes also get 409 (gate refused, or the
same Idempotency-Key still running) and 412 (stale If-Match).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words meant for the person using the client.")


class ValidationErrorSerializer(serializers.Serializer):
    """Field names map to lists of messages (nested objects for nested input)."""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)
    detail = serializers.CharField(required=False)


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    unmet = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text="For a refused scale decision: each unmet gate criterion, in a sponsor's words.",
    )


# The field names of a validation error are open-ended: allow any property.
VALIDATION_ERROR = {
    "type": "object",
    "additionalProperties": {},
    "properties": {
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
        "detail": {"type": "string"},
    },
}

ERRORS = {
    "400": OpenApiResponse(VALIDATION_ERROR, description="Invalid input: each field with its messages."),
    "401": OpenApiResponse(ErrorSerializer, description="No credentials, or they are not valid."),
    "403": OpenApiResponse(ErrorSerializer, description="You may see this but not do this; the reason is given."),
    "404": OpenApiResponse(ErrorSerializer, description="Missing, or not visible to you."),
    "429": OpenApiResponse(ErrorSerializer, description="Throttled: retry after the Retry-After seconds."),
}
WRITE_ERRORS = {
    "409": OpenApiResponse(ConflictSerializer, description="Conflict: a refused gate (with unmet criteria), or a "
                                                           "request with this Idempotency-Key still running."),
    "412": OpenApiResponse(ErrorSerializer, description="If-Match does not match the record's current ETag."),
}


IF_MATCH = OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
                            description="The ETag you read; a stale one is refused with 412 and changes nothing.")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="Any unique string (1-255 printable characters): a repeat with the same key returns the first "
                "response and creates nothing new.")


ETAG = OpenApiParameter("ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 201],
                        description="The record's version: send it back in If-Match to update it safely.")


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST" and getattr(self.view, "idempotent", True):
            parameters.append(IDEMPOTENCY_KEY)
        if getattr(self.view, "action", None) in getattr(self.view, "etag_actions", ()):
            parameters.append(ETAG)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {**ERRORS, **(WRITE_ERRORS if self.method in WRITE_METHODS else {})}
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
