"""The REST API under load: 20 concurrent clients against gunicorn for 30 seconds.

gunicorn serves the bench database (2 sync workers, the kind the README's
deployment runs; throttles lifted), started by the bench on a free loopback
port, with persistent connections and prepared statements on PostgreSQL
(docs/decisions/prepared-statements.md). Each client (a thread of this
process, http.client; sync workers close the connection after each answer,
so it reconnects) loops over a mix: the use-case list (50 rows), a use-case
detail, the review list (50 rows); clients alternate between a governance
admin's token and a security reviewer's. The bench database is
first grown to 60,000 reviews (bench/reviewdata.py). BENCH_LOAD_SECONDS sets
the duration (default 30).

A recorded figure (requests per second, p50, p95, errors), not a target:
with 20 clients on the cores gunicorn and the database share, latency is
queueing behind the other clients' requests.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from bench.common import ROOT
from bench.reviewdata import ABOUT

CLIENTS = 20
REVIEWS = 60_000
WARM_UP_REQUESTS = 2 * 3 * 2 * 10  # workers x endpoints x tokens x runs
ENDPOINTS = ("use-case list", "use-case detail", "review list")
THROTTLES = {"API_THROTTLE_USER": "1000000/min", "API_THROTTLE_ANON": "1000000/min",
             "API_THROTTLE_AUTH_TOKEN": "1000000/min"}


def _seed() -> tuple[list[str], list[str]]:
    """60,000 reviews, and the tokens of a governance admin and a security reviewer; plus detail references."""
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from bench.reviewdata import PREFIX, REVIEWER, grow_reviews
    from intake.models import UseCase

    grow_reviews(REVIEWS)
    admin, _ = User.objects.get_or_create(username="load.admin")
    admin.groups.add(Group.objects.get(name="governance_admins"))
    tokens = [Token.objects.get_or_create(user=user)[0].key for user in (admin, User.objects.get(username=REVIEWER))]
    references = UseCase.objects.filter(reference__startswith=PREFIX).order_by("reference").values_list("reference",
                                                                                                       flat=True)
    return tokens, list(references)[::37][:200]  # spread over the table


def _paths(references: list[str]):
    """The n-th request of a client: (endpoint, path)."""
    def path(n: int) -> tuple[str, str]:
        kind = n % 3
        if kind == 0:
            return ENDPOINTS[0], "/api/v1/use-cases/?page_size=50"
        if kind == 1:
            return ENDPOINTS[1], f"/api/v1/use-cases/{references[n % len(references)]}/"
        return ENDPOINTS[2], "/api/v1/reviews/?page_size=50"
    return path


# ---------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int, log) -> subprocess.Popen:
    from django.db import connection

    env = {**os.environ, **THROTTLES, "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    if connection.vendor == "postgresql":
        # Persistent connections, as a production deployment runs (README: CONN_MAX_AGE): without
        # them every request pays a new PostgreSQL backend, and prepared statements die with it.
        env["CONN_MAX_AGE"] = "60"
    # Sync workers, one request each at a time: the work is CPU-bound Python, so threads would only
    # queue requests behind each other's GIL.
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", "2", "--timeout", "120", "--log-level", "warning"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _get(conn: http.client.HTTPConnection, path: str, token: str) -> int:
    conn.request("GET", path, headers={"Authorization": f"Token {token}"})
    response = conn.getresponse()
    response.read()
    return response.status


def _wait_ready(port: int, token: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if _get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/api/v1/use-cases/?page_size=1",
                    token) == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


# ---------------------------------------------------------------- the clients


def _client(port: int, token: str, path, offset: int, until: float, out: list) -> None:
    conn, n = http.client.HTTPConnection("127.0.0.1", port, timeout=30), offset
    while time.monotonic() < until:
        endpoint, url = path(n)
        n += 1
        start = time.perf_counter()
        try:
            status = _get(conn, url, token)
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out.append((endpoint, time.perf_counter() - start, status))
    conn.close()


def _alone(port: int, tokens: list[str], path) -> dict[str, float]:
    """Median ms of each endpoint with one client at a time (after warming both workers): the service time.

    The warm-up runs each endpoint and token about ten times per worker, as a live server's hot queries
    have been (prepared statements settle after ten runs on a connection, bench/common.py).
    """
    samples: dict[str, list[float]] = {endpoint: [] for endpoint in ENDPOINTS}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for n in range(WARM_UP_REQUESTS + 36):
        endpoint, url = path(n)
        start = time.perf_counter()
        _get(conn, url, tokens[(n // 3) % 2])
        if n >= WARM_UP_REQUESTS:
            samples[endpoint].append((time.perf_counter() - start) * 1000)
    conn.close()
    return {endpoint: statistics.median(values) for endpoint, values in samples.items()}


def _load(port: int, tokens: list[str], path, seconds: float) -> list[tuple[str, float, int]]:
    results: list = []
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=_client, args=(port, tokens[i % 2], path, i, until, results))
               for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# ---------------------------------------------------------------- the harness entry point


def _row(label: str, samples: list[tuple[str, float, int]], seconds: float, alone: float) -> str:
    latencies = sorted(s[1] * 1000 for s in samples)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    errors = sum(1 for s in samples if s[2] != 200)
    return (f"| {label} | {alone:.1f} | {len(samples):,} | {len(samples) / seconds:.1f} | {cuts[49]:.1f} "
            f"| {cuts[94]:.1f} | {latencies[-1]:.0f} | {errors} |")


def run() -> dict:
    from intake.models import UseCase
    from reviews.models import Review

    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "30"))
    tokens, references = _seed()
    port = _free_port()
    with tempfile.TemporaryFile("w+") as log:
        server = _start_server(port, log)
        try:
            _wait_ready(port, tokens[0], server)
            alone = _alone(port, tokens, _paths(references))
            results = _load(port, tokens, _paths(references), seconds)
        finally:
            server.terminate()
            server.wait(30)
        log.seek(0)
        server_log = log.read()[-2000:]
    errors = sum(1 for r in results if r[2] != 200)
    lines = [
        "| requests | one client alone, median (ms) | count | per second | p50 (ms) | p95 (ms) | max (ms) | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *(_row(e, [r for r in results if r[0] == e], seconds, alone[e]) for e in ENDPOINTS),
        _row("**all**", results, seconds, statistics.mean(alone.values())),
        "",
        f"{CLIENTS} concurrent clients (threads of the bench process, so they share its cores with the server) for "
        f"{seconds:.0f} s against gunicorn, 2 sync workers, over {UseCase.objects.count():,} use cases and "
        f"{Review.objects.count():,} reviews; tokens of a governance admin and a security reviewer alternately. "
        f"A recorded figure, not a target; errors: {errors}. The first column is each request on its own over "
        f"HTTP (both tokens; **all**: their mean), the service time that {CLIENTS} clients queue behind on "
        f"{os.cpu_count()} cores. {ABOUT}",
    ]
    if errors:
        lines.append(f"\nLast lines of the server log:\n\n```\n{server_log}\n```")
    return {"title": "REST API under load", "body": "\n".join(lines), "ok": errors == 0}
