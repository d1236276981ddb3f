"""Building blocks of the API's serializers.

Read serializers are plain ModelSerializers: related names (codes, usernames)
are dotted sources over the ``select_related`` of the viewset's queryset.
Input serializers refuse unknown fields, so a typo is a 400, not ignored.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.db import models
from rest_framework import serializers

UTC = datetime.UTC


class UTCDateTimeField(serializers.DateTimeField):
    """Datetimes in UTC with a Z, whatever the server's time zone."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(*args, **kwargs)


def utc_iso(value: datetime.datetime | None) -> str | None:
    """A datetime as UTCDateTimeField renders it, for the lists written out by hand."""
    return None if value is None else value.astimezone(UTC).isoformat().removesuffix("+00:00") + "Z"


class ChoiceField(serializers.ChoiceField):
    """A choice whose blank means "no answer": it reads null, and null (or "", as before) writes the blank.

    One shape per field in the schema (the enum, nullable), and null is what clients expect of "not given".
    """

    def __init__(self, **kwargs):
        self.blank_is_null = kwargs.get("allow_blank", False)
        if self.blank_is_null:
            kwargs["allow_null"] = True
        super().__init__(**kwargs)
        if self.blank_is_null:
            # The blank is null on the wire, not a value of the enum (nor of the schema's).
            self.allow_blank = False
            self.choices = [(key, label) for key, label in self.choices.items() if key != ""]

    def validate_empty_values(self, data):
        if data is None and self.blank_is_null and not self.read_only:
            return True, ""
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if data == "" and self.blank_is_null:
            return ""  # as the API accepted it before null did
        return super().to_internal_value(data)

    def to_representation(self, value):
        if value == "" and self.blank_is_null:
            return None
        return super().to_representation(value)


class URLField(serializers.URLField):
    """A URL that may be missing: null, never an empty string (which is no URL)."""

    def __init__(self, **kwargs):
        if kwargs.pop("allow_blank", False):
            kwargs["allow_null"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return super().to_representation(value) if value else None


class ModelFields:
    """The field classes of every ModelSerializer here: choices and URLs whose blank reads null."""

    serializer_choice_field = ChoiceField
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, models.URLField: URLField}


class ReadSerializer(ModelFields, serializers.ModelSerializer):
    """Output only: a ModelSerializer whose model datetimes render in UTC with a Z."""

    serializer_field_mapping = {**ModelFields.serializer_field_mapping, models.DateTimeField: UTCDateTimeField}


class StrictInput(ModelFields):
    """Input serializers: unknown fields are refused with a message each."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = {str(name): ["Unknown field."] for name in data if name not in writable}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({**unknown, **exc.detail}) from None
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class InputSerializer(StrictInput, serializers.Serializer):
    pass


class CodeField(serializers.SlugRelatedField):
    """A related row given by a short code; checked before the lookup (PostgreSQL refuses NUL bytes)."""

    max_length = 150

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data or len(data) > self.max_length or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class UsernameField(CodeField):
    """A person given by username (active users only)."""

    default_error_messages = {
        "does_not_exist": "No active user has the username {value}.",
        "invalid": "Give a username.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", get_user_model().objects.filter(is_active=True))
        super().__init__(**kwargs)

