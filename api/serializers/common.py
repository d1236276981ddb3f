"""Building blocks of the API's serializers.

Read serializers are slim ModelSerializers whose related names (codes,
usernames) come from annotations or select_related made by the viewset's
queryset; they also render plain ``.values()`` rows, the fast path of lists.
Input serializers refuse unknown fields, so a typo is a 400, not ignored.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import models
from rest_framework import serializers
from rest_framework.relations import PKOnlyObject, PrimaryKeyRelatedField

UTC = datetime.UTC


class UTCDateTimeField(serializers.DateTimeField):
    """Datetimes in UTC with a Z, whatever the server's time zone."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(*args, **kwargs)


def _utc(value: datetime.datetime) -> str:
    if value.tzinfo is not UTC:  # the database hands back UTC already; others are converted
        value = value.astimezone(UTC)
    return value.isoformat()[:-6] + "Z"


def _date(value: datetime.date) -> str:
    return value.isoformat()


# Field types rendered without DRF's per-field machinery (the output is the same).
_FAST = {
    serializers.CharField: None,
    serializers.ChoiceField: None,
    serializers.IntegerField: None,
    serializers.BigIntegerField: None,  # as an integer: COERCE_BIGINT_TO_STRING is not set (_is_simple checks)
    serializers.BooleanField: None,
    serializers.JSONField: None,
    UTCDateTimeField: _utc,
    serializers.DateField: _date,
}


def _is_simple(field) -> bool:
    if getattr(field, "coerce_to_string", False) and isinstance(field, serializers.BigIntegerField):
        return False
    return type(field) in _FAST and "." not in field.source and field.source != "*"


def _rows(value) -> Iterable:
    """A to-many value: a related manager (prefetched) or a list of ``.values()`` rows."""
    return value.all() if isinstance(value, models.Manager) else value


def _plan_step(field) -> tuple[str, str, object] | None:
    """(output name, source key, how to render a non-null value), or None when DRF's own path is needed.

    Plain columns as _FAST says; decimals by the field's own rule; a list of read rows (a nested
    ReadSerializer whose own fields are all plannable) by that serializer's plan; related ids from a
    prefetched manager or a list read as such.
    """
    if _is_simple(field):
        return field.field_name, field.source, _FAST[type(field)]
    if "." in field.source or field.source == "*":
        return None
    if type(field) is serializers.DecimalField:  # its rendering reads only its own settings, never the context
        return field.field_name, field.source, field.to_representation
    if isinstance(field, serializers.ListSerializer) and isinstance(field.child, ReadSerializer):
        child = type(field.child)
        if child._class_plan() is not None:
            return field.field_name, field.source, lambda value: [child.render(row) for row in _rows(value)]
    if isinstance(field, serializers.ManyRelatedField) and type(field.child_relation) is PrimaryKeyRelatedField:
        return field.field_name, field.source, lambda value: [row.pk for row in _rows(value)]
    if type(field) is serializers.ListField and type(field.child) is serializers.IntegerField:
        return field.field_name, field.source, None  # a list of ids read as such
    return None


class ReadSerializer(serializers.ModelSerializer):
    """Output only. Renders model instances or ``.values()`` rows the same way, fast.

    When every field can be planned (plain columns, related names from
    annotations, nested read rows, related ids), the rendering plan is built
    once per class, so a page of rows costs no DRF field construction at all;
    otherwise the fields DRF cannot plan take its own path.
    """

    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DateTimeField: UTCDateTimeField}

    @classmethod
    def _class_plan(cls) -> list[tuple[str, str, object]] | None:
        if "_plain_plan" not in cls.__dict__:  # per class: subclasses have fields of their own
            steps = [_plan_step(f) for f in cls().fields.values() if not f.write_only]
            cls._plain_plan = steps if all(steps) else None
        return cls._plain_plan

    @classmethod
    def render(cls, instance) -> dict:
        """One row by the class plan (the caller checked there is one)."""
        if isinstance(instance, Mapping):
            return {name: (value if (value := instance[key]) is None or how is None else how(value))
                    for name, key, how in cls._plain_plan}
        return {name: (value if (value := getattr(instance, key)) is None or how is None else how(value))
                for name, key, how in cls._plain_plan}

    def to_representation(self, instance):
        if self._class_plan() is None:
            return self._mixed_representation(instance)
        return self.render(instance)

    def _mixed_representation(self, instance) -> dict:
        out = {}
        for field in self._readable_fields:
            if _is_simple(field):
                value = instance[field.source] if isinstance(instance, Mapping) else getattr(instance, field.source)
                how = _FAST[type(field)]
                out[field.field_name] = value if value is None or how is None else how(value)
                continue
            value = field.get_attribute(instance)
            empty = value is None or (isinstance(value, PKOnlyObject) and value.pk is None)
            out[field.field_name] = None if empty else field.to_representation(value)
        return out


class StrictInput:
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


def decimal_str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
