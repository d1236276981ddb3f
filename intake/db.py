"""PostgreSQL timestamps parsed in C.

Django reads every ``timestamptz`` through a loader written in Python (``psycopg_any.BaseTzLoader``:
psycopg's pure-Python parser, then the tzinfo replaced), about 7 µs a value. A page of 50 use cases
carries 150 of them, and under the API load test they took 7% of gunicorn's CPU (docs/benchmarks.md).
Django keeps the session in UTC (USE_TZ), so PostgreSQL sends ISO 8601 with a ``+00`` offset, which
``datetime.fromisoformat`` parses in C (0.5 µs) into the same aware datetime Django builds. Anything
else (another offset, a BC date, infinity, another DateStyle) is read the Django way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache


@cache
def utc_timestamptz_loader() -> type:
    # Imported here, not at startup: the PostgreSQL driver's adapters exist only where it is installed.
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    class UtcTimestamptzLoader(BaseTzLoader):
        # Django's create_cursor compares this with the connection's timezone and keeps the loader if equal.
        timezone = UTC

        def load(self, data):
            try:
                value = datetime.fromisoformat(bytes(data).decode())
            except ValueError:
                return super().load(data)
            return value if value.tzinfo is UTC else super().load(data)

    return UtcTimestamptzLoader


def use_fast_timestamps(sender, connection, **kwargs) -> None:
    """``connection_created``: read timestamps in C on a PostgreSQL connection whose session is in UTC."""
    if connection.vendor == "postgresql" and connection.timezone == UTC:
        connection.connection.adapters.register_loader("timestamptz", utc_timestamptz_loader())
