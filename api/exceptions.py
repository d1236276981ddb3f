"""Every error is JSON: field-level messages for bad input, {"detail": ...} otherwise.

The services speak Django: ValidationError (400, its message_dict), PermissionDenied
(403 with the reason, e.g. separation of duties) and Http404 (invisible = missing).
GateRefused is a ValidationError with the unmet criteria: 409. InvalidTransition (a move the
lifecycle forbids from the record's state) is 409 {"code": "invalid_transition", "detail": ...}.
"""

from __future__ import annotations

import logging

from django.core.exceptions import NON_FIELD_ERRORS, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import InvalidTransition
from reviews.services import GateRefused

logger = logging.getLogger(__name__)
NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it (If-Match does not match its ETag)."
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def validation_detail(exc: DjangoValidationError) -> dict:
    """A Django ValidationError as DRF detail: every field with its messages."""
    if hasattr(exc, "error_dict"):
        return {NON_FIELD if key == NON_FIELD_ERRORS else key: messages for key, messages in exc.message_dict.items()}
    return {NON_FIELD: exc.messages}


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(validation_detail(exc))
    if isinstance(exc, SuspiciousOperation):  # e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE
        return exceptions.ParseError(str(exc) or "Bad request.")
    if isinstance(exc, DataError):
        # Input the serializers let through but the database refused: still the caller's input.
        logger.warning("database refused API input: %s", exc)
        return exceptions.ValidationError({NON_FIELD: ["A value is out of range or malformed."]})
    return exc


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, InvalidTransition):
        return Response({"code": exc.code, "detail": exc.detail}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, GateRefused):
        unmet = [{"key": c.key, "label": c.label, "met": c.met, "detail": c.detail} for c in exc.criteria]
        return Response({"detail": exc.messages[0], "unmet": unmet}, status=status.HTTP_409_CONFLICT)
    response = drf_exception_handler(_translate(exc), context)
    if response is not None and isinstance(response.data, list):
        response.data = {NON_FIELD: response.data}
    return response
