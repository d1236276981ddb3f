"""What /metrics computes at scrape time: business gauges, Celery task counters and queue depth.

Business gauges come from three aggregate queries, whatever the data's size. Task counters and queue
lengths are read from Redis, shared by every process, so every web process answers the same figures for
them (sum them across instances and they are counted once per instance: take one, or ``max``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator

import redis
from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from intake.choices import ReviewFunction, Stage
from ops import task_metrics
from reports.models import BoardPack, PackStatus
from reports.selectors.portfolio import portfolio
from reviews.choices import UNDECIDED_STATUSES
from reviews.models import Review

logger = logging.getLogger(__name__)

# kombu's Redis transport keeps one list per queue and priority step: the bare name for priority 0,
# "<name><sep><step>" for the others (CELERY_BROKER_TRANSPORT_OPTIONS may change sep, steps, prefix).
KOMBU_SEP = "\x06\x16"
KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)


class BusinessCollector(Collector):
    """Open and overdue reviews by function, use cases by stage, board packs waiting for a worker.

    As the board pack's review-timeliness table counts them: reviews not yet decided (open or in
    progress) of use cases in the live portfolio; overdue once their due date has passed.
    """

    def collect(self) -> Iterator[Metric]:
        today = timezone.localdate()
        undecided = Q(status__in=UNDECIDED_STATUSES)
        reviews = {function: (0, 0) for function in ReviewFunction.values}
        rows = (Review.objects.filter(undecided, use_case__in=portfolio().values("id")).order_by()
                .values("function").annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today))))
        for row in rows:
            reviews[row["function"]] = (row["open"], row["overdue"])
        open_reviews = GaugeMetricFamily("stagegate_open_reviews", "Reviews not yet decided, by function.",
                                         labels=["function"])
        overdue = GaugeMetricFamily("stagegate_overdue_reviews", "Undecided reviews past their due date, by function.",
                                    labels=["function"])
        for function, (open_count, overdue_count) in reviews.items():
            open_reviews.add_metric([function], open_count)
            overdue.add_metric([function], overdue_count)
        yield open_reviews
        yield overdue

        stages = dict.fromkeys(Stage.values, 0)
        stages.update(portfolio().order_by().values("stage").annotate(n=Count("id")).values_list("stage", "n"))
        use_cases = GaugeMetricFamily("stagegate_use_cases", "Use cases in the live portfolio, by stage.",
                                      labels=["stage"])
        for stage, count in stages.items():
            use_cases.add_metric([stage], count)
        yield use_cases

        queued = BoardPack.objects.filter(status=PackStatus.QUEUED).count()
        yield GaugeMetricFamily("stagegate_board_packs_queued", "Board packs requested and not yet rendering.",
                                value=queued)


class TaskCollector(Collector):
    """Runs, outcomes and durations of Celery tasks, as the workers recorded them (ops.task_metrics)."""

    def collect(self) -> Iterator[Metric]:
        try:
            stats = task_metrics.read()
        except redis.RedisError as exc:
            logger.warning("Task metrics unavailable: %s", exc)
            return
        runs = CounterMetricFamily("stagegate_celery_tasks", "Celery task runs by task and outcome.",
                                   labels=["task", "state"])
        durations = HistogramMetricFamily("stagegate_celery_task_duration_seconds",
                                          "How long Celery task runs took, by task.", labels=["task"])
        for task in sorted(stats):
            entry = stats[task]
            for state in sorted(entry.states):
                runs.add_metric([task, state], entry.states[state])
            cumulative, buckets = 0, []
            for bound in task_metrics.DURATION_BUCKETS:
                cumulative += entry.buckets[bound]
                buckets.append(("+Inf" if math.isinf(bound) else str(bound), cumulative))
            durations.add_metric([task], buckets, entry.duration_sum)
        yield runs
        yield durations


class QueueCollector(Collector):
    """Messages waiting in each Celery queue (settings.METRICS_QUEUES) on the Redis broker."""

    def collect(self) -> Iterator[Metric]:
        client = task_metrics.redis_client()
        if client is None:
            return  # the embedded default has no broker: tasks run as they are sent
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}
        prefix = options.get("global_keyprefix", "")
        sep = options.get("sep", KOMBU_SEP)
        steps = options.get("priority_steps", KOMBU_PRIORITY_STEPS)
        queues = list(settings.METRICS_QUEUES)
        pipe = client.pipeline(transaction=False)
        for queue in queues:
            for step in steps:
                pipe.llen(prefix + (queue if not step else f"{queue}{sep}{step}"))
        up = GaugeMetricFamily("stagegate_broker_up", "1 when the Redis broker answered this scrape.")
        try:
            lengths = pipe.execute()
        except redis.RedisError as exc:
            logger.warning("Queue lengths unavailable: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily("stagegate_celery_queue_length", "Messages waiting in a Celery queue.",
                                  labels=["queue"])
        for index, queue in enumerate(queues):
            depth.add_metric([queue], sum(lengths[index * len(steps):(index + 1) * len(steps)]))
        yield depth
