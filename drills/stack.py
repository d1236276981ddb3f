"""The drills' private production shape: PostgreSQL, Redis, two gunicorns, two Celery workers, beat.

Everything runs on free loopback ports under one temporary directory, never on the shared
PostgreSQL (5432) or Redis (6379). Each server process gets its own process group, so teardown
stops it with its children (gunicorn's and Celery's workers) whatever happened in the drills.
"""

# Every command run here is built from fixed programs and our own ports and paths, never from input.
# ruff: noqa: S603

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
# Variables of the caller's environment that would point the drill's processes at shared services.
INHERITED = ("DATABASE_URL", "REDIS_URL", "STORAGE_URL", "EMAIL_URL", "MEDIA_ROOT", "DJANGO_SETTINGS_MODULE",
             "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG")
DEMO_PASSWORD = "stagegate-demo"  # noqa: S105 - the demo logins' published password


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if found:
        return str(found[-1])
    on_path = shutil.which(name)
    if on_path is None:
        raise RuntimeError(f"PostgreSQL's {name} not found (/usr/lib/postgresql/*/bin or PATH)")
    return on_path


class Stack:
    """Start with ``start()``; ``stop()`` always tears everything down (call it in ``finally``)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="stagegate-drill-"))
        self.root.chmod(0o755)  # PostgreSQL runs as its own user when we are root
        self.pg_port, self.redis_port = free_port(), free_port()
        self.web_ports = [free_port(), free_port()]
        self.media, self.mail, self.logs = self.root / "media", self.root / "mail", self.root / "logs"
        for path in (self.media, self.mail, self.logs):
            path.mkdir()
        self.pgdata = self.root / "pg" / "data"
        self.processes: dict[str, subprocess.Popen] = {}
        self.redis: subprocess.Popen | None = None
        self.pg_running = False

    # ------------------------------------------------------------------ environment

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/stagegate"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def web(self, index: int) -> str:
        return f"http://127.0.0.1:{self.web_ports[index]}"

    @property
    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in INHERITED}
        env.update({
            "DJANGO_SETTINGS_MODULE": "drills.settings",
            "DEBUG": "false",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "MEDIA_ROOT": str(self.media),
            "DRILL_MAIL_DIR": str(self.mail),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # The drill's webhook receiver listens on loopback.
            "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
            "WEBHOOK_BACKOFF_SECONDS": "2",
            "SITE_URL": self.web(0),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(REPO),
        })
        return env

    # ------------------------------------------------------------------ PostgreSQL

    def _as_postgres(self, args: list[str]) -> list[str]:
        # initdb and postgres refuse to run as root.
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        options = f"-p {self.pg_port} -k {self.pgdata.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = [_pg_bin("pg_ctl"), "-D", str(self.pgdata), "-o", options, "-l", str(self.logs / "postgres.log"),
                   *args]
        return subprocess.run(self._as_postgres(command), check=check, capture_output=True, text=True, timeout=120)

    def init_postgres(self) -> None:
        self.pgdata.parent.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.pgdata.parent, "postgres")
            shutil.chown(self.logs, "postgres")
        subprocess.run(self._as_postgres([_pg_bin("initdb"), "-D", str(self.pgdata), "-A", "trust", "-U", "postgres"]),
                       check=True, capture_output=True, timeout=120)
        self.start_postgres()
        subprocess.run([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres",
                        "stagegate"], check=True, timeout=60)

    def start_postgres(self) -> None:
        self._pg_ctl("-w", "start")
        self.pg_running = True

    def stop_postgres(self, mode: str = "fast") -> None:
        self._pg_ctl("-w", "-m", mode, "stop")
        self.pg_running = False

    # ------------------------------------------------------------------ Redis

    def start_redis(self) -> None:
        command = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--daemonize", "no", "--dir", str(self.root)]
        self.redis = self._spawn("redis", command)
        _wait(lambda: _redis_ping(self.redis_port), 20, "Redis to answer")

    def stop_redis(self) -> None:
        if self.redis is not None:
            _stop(self.redis)
            self.redis = None

    # ------------------------------------------------------------------ the application

    def manage(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run([PYTHON, "manage.py", *args], cwd=REPO, env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def start_web(self, index: int) -> None:
        command = [str(BIN / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{self.web_ports[index]}", "-w", "2",
                   "--timeout", "60", "--graceful-timeout", "5", "--access-logfile", "-",
                   "--access-logformat", "ACCESS %(s)s %(m)s %(U)s %(L)s"]
        self.processes[f"web{index}"] = self._spawn(f"web{index}", command)

    def wait_web(self, index: int) -> None:
        _wait(lambda: _http_ok(f"{self.web(index)}/healthz/"), 60, f"gunicorn on port {self.web_ports[index]}")

    def start_worker(self, name: str, queues: Iterable[str], concurrency: int = 2) -> None:
        command = [str(BIN / "celery"), "-A", "config", "worker", "-n", f"{name}@drill", "-Q", ",".join(queues),
                   "-c", str(concurrency), "--loglevel", "INFO", "--without-mingle", "--without-gossip"]
        self.processes[name] = self._spawn(name, command)

    def wait_worker(self, name: str) -> None:
        from config.celery import app

        _wait(lambda: bool(app.control.ping(destination=[f"{name}@drill"], timeout=1)), 90, f"Celery worker {name}")

    def start_beat(self) -> None:
        command = [str(BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO",
                   "-s", str(self.root / "celerybeat-schedule")]
        self.processes["beat"] = self._spawn("beat", command)

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def access_statuses(self) -> list[tuple[int, str, str]]:
        """(status, method, path) of every request the web processes logged."""
        rows = []
        for index in range(len(self.web_ports)):
            for match in re.finditer(r"ACCESS (\d{3}) (\S+) (\S+)", self.log(f"web{index}")):
                rows.append((int(match[1]), match[2], match[3]))
        return rows

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps writing to it
        try:
            return subprocess.Popen(command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        finally:
            log.close()

    # ------------------------------------------------------------------ whole stack

    def start(self, queues: Iterable[str]) -> None:
        started = time.monotonic()
        self.init_postgres()
        self.start_redis()
        self.manage("migrate", "--noinput")
        self.manage("seed_demo")
        print(f"  private PostgreSQL :{self.pg_port}, Redis :{self.redis_port}, migrated and seeded "
              f"in {time.monotonic() - started:.0f} s")
        queues = list(queues)
        for index in range(len(self.web_ports)):
            self.start_web(index)
        # Each worker also consumes a queue of its own, so a drill can hand a task to one of them.
        self.start_worker("worker-a", [*queues, "drill-worker-a"])
        self.start_worker("worker-b", [*queues, "drill-worker-b"])
        self.start_beat()
        for index in range(len(self.web_ports)):
            self.wait_web(index)
        self.wait_worker("worker-a")
        self.wait_worker("worker-b")
        print(f"  gunicorn :{self.web_ports[0]} and :{self.web_ports[1]} (2 workers each), Celery workers "
              f"worker-a and worker-b (queues {','.join(queues)}, concurrency 2 each), beat; "
              f"up after {time.monotonic() - started:.0f} s")

    def stop(self, keep_files: bool = False) -> None:
        for process in self.processes.values():
            _stop(process)
        self.processes.clear()
        self.stop_redis()
        if self.pg_running:
            self._pg_ctl("-w", "-m", "immediate", "stop", check=False)
            self.pg_running = False
        if keep_files:
            print(f"  logs kept in {self.logs}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)


def _stop(process: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM to the process group, SIGKILL after ``grace`` seconds."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError):  # leftovers of the group (children that outlived their parent)
        os.killpg(process.pid, signal.SIGKILL)


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise RuntimeError(f"Timed out after {timeout:.0f} s waiting for {what}")


def _http_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False
