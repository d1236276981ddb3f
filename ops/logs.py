"""JSON log lines carrying the request id, the user id and the client address, in web and worker.

structlog renders every record (ours, Django's, Celery's, third parties') through one formatter, so a
plain ``logging.getLogger(__name__).warning(...)`` inside a request or a task carries the same context as
django-structlog's own ``request_finished`` and ``task_succeeded`` lines (docs/decisions/metrics-and-logs.md).

Imported by config/celery.py before Django's apps are loaded: no model imports at module level.
"""

from __future__ import annotations

import logging
import logging.config
import sys
import time
from typing import Any

import structlog
from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun
from django.http import HttpRequest


def _django_request(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Django's own request records (django.request, django.security) pass the request itself: log it as
    "METHOD path" with its request id, also when written after the middleware's context has ended."""
    request = event_dict.get("request")
    if isinstance(request, HttpRequest):
        event_dict["request"] = f"{request.method} {request.get_full_path()}"
        request_id = request.META.get("HTTP_X_REQUEST_ID")
        if request_id and "request_id" not in event_dict:
            event_dict["request_id"] = request_id
    return event_dict


# Added to every record rendered by the formatter, structlog's and the standard library's alike.
_SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
    _django_request,
]


def formatter(renderer: str = "json") -> structlog.stdlib.ProcessorFormatter:
    """The LOGGING formatter: one JSON object a line, or ``console`` for people reading a terminal."""
    if renderer == "console":
        # The console renderer formats tracebacks itself.
        final: list[Any] = [structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]
    else:
        final = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_SHARED_PROCESSORS, structlog.stdlib.PositionalArgumentsFormatter()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
    )


def configure_logging(config: dict[str, Any]) -> None:
    """settings.LOGGING_CONFIG: the standard library's dictConfig, and structlog handing its events to it."""
    logging.config.dictConfig(config)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def bind_client_ip(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
    """The client address in request logs is the one lockouts count (TRUSTED_PROXY_COUNT-aware),
    never a client-written X-Forwarded-For entry (django-structlog's own IP logging is off)."""
    from intake.auth import client_ip

    structlog.contextvars.bind_contextvars(ip=client_ip(request))


def connect_request_logging() -> None:
    """Connect the receivers of django-structlog's request signals (once, however often called)."""
    from django_structlog.signals import bind_extra_request_metadata

    bind_extra_request_metadata.connect(bind_client_ip, dispatch_uid="ops.logs.bind_client_ip")


def _keep_django_logging(**kwargs: Any) -> None:
    # Any receiver of setup_logging stops Celery from replacing the root handlers with its own plain-text
    # ones (and from redirecting stdout): Django's LOGGING, applied by django.setup(), stays in charge.
    return None


_eager_started: dict[str, float] = {}


def _eager_task_started(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    if task is not None and task.request.is_eager and task_id:
        _eager_started[task_id] = time.monotonic()


def _eager_task_finished(task_id: str | None = None, task: Any = None, state: str | None = None, **kwargs: Any) -> None:
    # django-structlog logs a worker's tasks; a task run in-process (the embedded default) is logged here,
    # inside the request that ran it, so the line carries that request's id and user.
    from ops.task_metrics import outcome

    started = _eager_started.pop(task_id or "", None)
    if task is None or started is None:
        return
    structlog.get_logger("ops.tasks").info(
        "task_finished", task=task.name, task_id=task_id, state=outcome(state),
        duration_ms=round((time.monotonic() - started) * 1000))


def install_task_logging(app: Celery) -> None:
    """Request ids in task logs, and each task's outcome in the task metrics (ops.task_metrics).

    The enqueuing side is django-structlog's (DJANGO_STRUCTLOG_CELERY_ENABLED: the request's context rides
    in the message headers); its worker step binds that context before each task runs.
    """
    from django_structlog.celery.steps import DjangoStructLogInitStep

    from ops.task_metrics import install_task_metrics

    app.steps["worker"].add(DjangoStructLogInitStep)
    setup_logging.connect(_keep_django_logging, dispatch_uid="ops.logs.keep_django_logging", weak=False)
    task_prerun.connect(_eager_task_started, dispatch_uid="ops.logs.eager_task_started", weak=False)
    task_postrun.connect(_eager_task_finished, dispatch_uid="ops.logs.eager_task_finished", weak=False)
    install_task_metrics(app)
