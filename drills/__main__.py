"""``python -m drills [name ...]``: start the private stack, run the drills, tear it down, exit 1 on a failure."""

from __future__ import annotations

import datetime
import os
import signal
import sys
import time
import traceback

import django

from drills.results import Result
from drills.stack import Stack


def _queues() -> list[str]:
    """The default queue and every queue a task is routed to: both workers consume them all."""
    from django.conf import settings

    queues = [getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")]
    routes = getattr(settings, "CELERY_TASK_ROUTES", None) or {}
    if isinstance(routes, dict):
        for route in routes.values():
            queue = route.get("queue") if isinstance(route, dict) else None
            if queue and queue not in queues:
                queues.append(queue)
    return queues


def _drills() -> dict:
    from drills import packs, postgres_restart, redis_outage, reminders

    return {
        "journey": packs.two_web_processes,
        "kill": packs.kill_rendering_worker,
        "redis": redis_outage.redis_outage,
        "reminders": reminders.racing_sweeps,
        "postgres": postgres_restart.postgres_restart,
    }


def _terminate(signum, frame) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # so the stack is torn down in ``finally``


def main(selected: list[str]) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    stack = Stack()
    os.environ.update(stack.env)
    django.setup()
    drills = _drills()
    unknown = set(selected) - set(drills)
    if unknown:
        print(f"Unknown drill(s) {', '.join(sorted(unknown))}; choose from {', '.join(drills)}")
        return 2
    results: list[Result] = []
    started = time.monotonic()
    print(f"Fault drills, {datetime.date.today().isoformat()}, in {stack.root}")
    try:
        stack.start(_queues())
        shared: dict = {}
        for name, drill in drills.items():
            if selected and name not in selected:
                continue
            print(f"\n== {drill.__doc__.strip().splitlines()[0]}")
            began = time.monotonic()
            try:
                result = drill(stack, shared)
            except Exception:
                traceback.print_exc()
                result = Result(name, problems=["the drill itself raised (traceback above)"])
            result.seconds = time.monotonic() - began
            results.append(result)
        errors = [row for row in stack.access_statuses() if row[0] >= 500 and row[0] != 503]
        print(f"\nAll drills: {len(stack.access_statuses())} requests logged by gunicorn, "
              f"{len(errors)} answered 5xx other than 503")
        for status, method, path in errors[:20]:
            print(f"    {status} {method} {path}")
        if errors:
            results.append(Result("gunicorn access logs", problems=[f"{len(errors)} answers 5xx other than 503"]))
    except Exception:
        traceback.print_exc()
        results.append(Result("stack", problems=["the private stack could not be started or run"]))
    finally:
        stack.stop(keep_files=not all(result.passed for result in results) or not results)
    print(f"\nSummary ({time.monotonic() - started:.0f} s):")
    for result in results:
        print(f"  {'PASS' if result.passed else 'FAIL'}  {result.name} ({result.seconds:.0f} s)")
        for problem in result.problems:
            print(f"        {problem}")
    return 0 if results and all(result.passed for result in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
