"""Prometheus metrics of the kernel, on a registry of their own (one per kernel)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from llmos.kernel.models import ResidentModel
from llmos.storage import CallRecord

disable_created_metrics()  # the *_created series only double the scrape size

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class _StateCollector(Collector):
    """Gauges read from the kernel at scrape time, so they can never go stale."""

    def __init__(
        self,
        resident: Callable[[], list[ResidentModel]],
        in_flight: Callable[[], dict[str, int]],
        budget_bytes: int,
    ) -> None:
        self._resident, self._in_flight, self._budget = resident, in_flight, budget_bytes

    def collect(self) -> Iterator[GaugeMetricFamily]:
        loaded = GaugeMetricFamily(
            "llmos_model_resident_bytes", "RSS growth measured at load", labels=["model"]
        )
        budgeted = GaugeMetricFamily(
            "llmos_model_budgeted_bytes", "Budgeted memory of each loaded model", labels=["model"]
        )
        for model in self._resident():
            loaded.add_metric([model.name], model.rss_bytes)
            budgeted.add_metric([model.name], model.memory_bytes)
        queue = GaugeMetricFamily(
            "llmos_requests_in_flight", "Requests admitted and not finished", labels=["model"]
        )
        for name, count in self._in_flight().items():
            queue.add_metric([name], count)
        yield loaded
        yield budgeted
        yield queue
        yield GaugeMetricFamily(
            "llmos_memory_budget_bytes", "Memory budget for loaded models", value=self._budget
        )


class KernelMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "llmos_requests",
            "Model calls by outcome",
            ["capability", "model", "status"],
            registry=self.registry,
        )
        self.queue_wait = Histogram(
            "llmos_queue_wait_seconds",
            "Time waiting for CPU",
            ["model"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.load_time = Histogram(
            "llmos_model_acquire_seconds",
            "Time getting the model resident (loading, if needed)",
            ["model"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.run_time = Histogram(
            "llmos_run_seconds",
            "Time running on the model",
            ["model"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.tokens = Counter(
            "llmos_tokens", "Tokens processed", ["model", "direction"], registry=self.registry
        )
        self.media = Counter(
            "llmos_media_seconds",
            "Seconds of audio/video processed",
            ["model"],
            registry=self.registry,
        )

    def watch_state(
        self,
        resident: Callable[[], list[ResidentModel]],
        in_flight: Callable[[], dict[str, int]],
        budget_bytes: int,
    ) -> None:
        self.registry.register(_StateCollector(resident, in_flight, budget_bytes))

    def observe(self, record: CallRecord) -> None:
        self.requests.labels(record.capability, record.model, record.status).inc()
        if record.status == "rejected":
            return
        self.queue_wait.labels(record.model).observe(record.queue_wait_s)
        self.load_time.labels(record.model).observe(record.load_s)
        self.run_time.labels(record.model).observe(record.run_s)
        self.tokens.labels(record.model, "input").inc(record.input_tokens)
        self.tokens.labels(record.model, "output").inc(record.output_tokens)
        self.media.labels(record.model).inc(record.media_seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
