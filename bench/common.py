"""Shared plumbing for benchmarks: a separate database, timing, the machine.

Benchmarks are not tests: they never run in `make test`. `make bench` runs
every `bench/bench_*.py` and rewrites docs/benchmarks.md with the figures.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7


def setup_django() -> None:
    """Point Django at the bench database (never the dev one) and migrate it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
    os.environ["DEBUG"] = "false"  # no query log growing in memory
    (ROOT / "var").mkdir(exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def median_seconds(fn: Callable[[], object], runs: int = RUNS) -> float:
    fn()  # warm caches and connections
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def machine() -> str:
    from django.db import connection

    cpus = os.cpu_count()
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    if connection.vendor == "sqlite":
        database = f"SQLite {connection.Database.sqlite_version}"
    else:
        connection.ensure_connection()
        database = f"PostgreSQL {connection.connection.info.server_version}"
    return f"{platform.machine()}, {cpus} cores{mem}, Python {platform.python_version()}, {database}"


def database_label() -> str:
    from django.db import connection

    return connection.vendor
