"""Timestamps read from PostgreSQL by intake.db's C-parsed loader are the ones Django's own loader gives."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

from intake.db import utc_timestamptz_loader
from intake.models import UseCase
from tests.factories import UseCaseFactory

VALUES = [
    "2026-11-26 19:44:01.123456+00",
    "2026-11-26 19:44:01+00",
    "2026-11-26 19:44:01.5+00",
    "2026-03-29 00:59:59.999999+00",  # the hour before London's clocks change
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
]


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite timestamps are read by Django's converters, not a psycopg loader")
    connection.ensure_connection()


def _read(text: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [text])
        return cursor.fetchone()[0]


def _django_reads(text: str):
    class DjangoLoader(BaseTzLoader):
        timezone = UTC

    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz::text", [text])
        sent = cursor.fetchone()[0]
    return DjangoLoader(1184, connection.connection).load(sent.encode())


def test_every_connection_reads_timestamps_with_the_fast_loader(postgres):
    loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text format
    assert loader is utc_timestamptz_loader()


@pytest.mark.parametrize("text", VALUES)
def test_a_timestamp_reads_as_django_would_read_it(postgres, text):
    value = _read(text)
    assert value == _django_reads(text)
    assert value.tzinfo is UTC


def test_another_session_time_zone_falls_back_to_djangos_reading(postgres):
    # Not a state Django leaves a session in; whatever Django makes of it, this loader makes too.
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Asia/Kolkata'")
    try:
        text = "2026-11-26 19:44:01.123456+00"
        assert _read(text) == _django_reads(text) != datetime(2026, 11, 26, 19, 44, 1, 123456, tzinfo=UTC)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")


def test_a_saved_use_case_reads_back_its_own_timestamps(postgres):
    use_case = UseCaseFactory()
    read = UseCase.objects.values("created_at", "updated_at").get(pk=use_case.pk)
    assert read == {"created_at": use_case.created_at, "updated_at": use_case.updated_at}
