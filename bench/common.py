"""Shared plumbing for benchmarks: a separate database, timing, the machine.

Benchmarks are not tests: they never run in `make test`. `make bench` runs
every `bench/bench_*.py` and rewrites docs/benchmarks.md with the figures.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
# Runs before timing: the steady state of a live server's prepared statements
# (docs/decisions/prepared-statements.md).
WARM_UP = 12


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


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load, as a live database's autovacuum would."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def median_seconds(fn: Callable[[], object], runs: int = RUNS) -> float:
    for _ in range(WARM_UP):  # caches, connections, prepared statements
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def median_seconds_pair(a: Callable[[], object], b: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Medians of ``a`` and ``b`` timed alternately (see median_seconds_alternately)."""
    first, second = median_seconds_alternately(a, b, runs=runs)
    return first, second


def median_seconds_alternately(*fns: Callable[[], object], runs: int = RUNS) -> list[float]:
    """Medians of ``fns`` timed in turn, so drift (autovacuum after a bulk load, another process) falls
    on every side of a ratio alike."""
    for _ in range(WARM_UP):
        for fn in fns:
            fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, out in zip(fns, samples, strict=True):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return [statistics.median(out) for out in samples]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    except OSError:
        return ""
    return f" ({names[0]})" if names else ""


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
        version = connection.connection.info.server_version  # e.g. 150020 for 15.20
        database = f"PostgreSQL {version // 10000}.{version % 10000}"
    load = f", load average {os.getloadavg()[0]:.2f} at the start" if hasattr(os, "getloadavg") else ""
    return (f"{platform.machine()}{_cpu_model()}, {cpus} cores{mem}, Python {platform.python_version()}, "
            f"{database}{load}")


# ---------------------------------------------------------------- benches with a database of their own


def own_database(label: str) -> str:
    """A fresh, empty database for one bench, named after the bench database: a SQLite file or a PostgreSQL database."""
    base = os.environ.get("BENCH_DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        shared = Path(base.removeprefix("sqlite:///")) if base.startswith("sqlite:///") else ROOT / "var" / "bench"
        path = shared.with_name(f"{shared.name.removesuffix('.sqlite3')}-{label.replace('_', '-')}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    head, _, name = base.rpartition("/")
    name = f"{name.split('?')[0]}_{label}"
    with psycopg.connect(f"{head}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{head}/{name}"


def run_child(module: str, step: str, url: str, **env: str) -> dict:
    """Run ``python -m module step`` on database ``url`` (embedded Celery, no Redis); its last stdout line is JSON."""
    full = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "PYTHONPATH": str(ROOT), **env}
    full.pop("REDIS_URL", None)  # tasks run in-process: the measurement is of this process
    done = subprocess.run([sys.executable, "-m", module, step], cwd=ROOT, env=full, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{module} {step} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_main(steps: dict[str, Callable[[], dict]]) -> None:
    """The entry point of a child started by run_child: set Django up, run the step, print its JSON."""
    import django

    django.setup()
    print(json.dumps(steps[sys.argv[1]]()))


def database_label() -> str:
    from django.db import connection

    return connection.vendor
