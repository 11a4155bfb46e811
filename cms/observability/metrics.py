"""The metric families, the functions other modules count through, and the registry /metrics reads.

Counting is process-wide (one set of families per process, as prometheus-client intends). With
several worker processes, ``cms serve --workers N`` gives them a shared PROMETHEUS_MULTIPROC_DIR:
each process then writes its values to files there and a scrape, whichever worker answers it,
adds up every process's files (prometheus-client's multiprocess mode). Only counters and
histograms are kept that way; the gauges (outbox depth) are read from the database at scrape.

Label values stay few: routes are path templates, HTTP statuses and error codes are finite, and
GraphQL operations are named only for the first ``MAX_OPERATION_NAMES`` names a process sees
(after that ``other``); an operation without a name counts as ``anonymous``, a request whose
operation was never found (it did not parse, it was refused first) as ``unknown``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from cms.observability.requests import Served

MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,47}")
_SECONDS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_STATEMENTS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89)

HTTP_REQUESTS = Counter(
    "cms_http_requests", "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"], registry=None,
)  # fmt: skip
HTTP_SECONDS = Histogram(
    "cms_http_request_duration_seconds", "Time from a request's arrival to its last byte, by route.",
    ["route"], buckets=_SECONDS, registry=None,
)  # fmt: skip
GRAPHQL_REQUESTS = Counter(
    "cms_graphql_requests", "GraphQL requests, by operation name.", ["operation"], registry=None
)
GRAPHQL_SECONDS = Histogram(
    "cms_graphql_request_duration_seconds", "Time to answer a GraphQL request, by operation name.",
    ["operation"], buckets=_SECONDS, registry=None,
)  # fmt: skip
GRAPHQL_ERRORS = Counter(
    "cms_graphql_errors", "Errors in GraphQL answers, by extensions.code.", ["code"], registry=None
)
SQL_STATEMENTS = Histogram(
    "cms_sql_statements_per_request", "SQL statements one request sent, by route and GraphQL operation "
    "(empty for other routes).", ["route", "operation"], buckets=_STATEMENTS, registry=None,
)  # fmt: skip
CACHE_HITS = Counter(
    "cms_response_cache_hits", "GraphQL answers served from the response cache.", registry=None
)
CACHE_MISSES = Counter(
    "cms_response_cache_misses", "Cacheable GraphQL requests the response cache could not answer.",
    registry=None,
)  # fmt: skip
OUTBOX_ATTEMPTS = Counter(
    "cms_outbox_attempts", "Outbox delivery attempts (webhooks, mail, purges), by topic and outcome: "
    "delivered, retry (tried again later) or failed (given up).", ["topic", "outcome"], registry=None,
)  # fmt: skip
WEBHOOKS_DISABLED = Counter(
    "cms_webhooks_disabled", "Webhooks switched off after failing (or a 410 Gone).", registry=None
)
RENDITIONS = Counter(
    "cms_renditions_made", "Image renditions rendered and stored, by format.", ["format"], registry=None
)
_FAMILIES = (
    HTTP_REQUESTS, HTTP_SECONDS, GRAPHQL_REQUESTS, GRAPHQL_SECONDS, GRAPHQL_ERRORS, SQL_STATEMENTS,
    CACHE_HITS, CACHE_MISSES, OUTBOX_ATTEMPTS, WEBHOOKS_DISABLED, RENDITIONS,
)  # fmt: skip


class _OperationNames:
    """The operation names this process labels by; bounded, so clients cannot grow the series."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.known: set[str] = set()
        self.lock = threading.Lock()

    def label(self, name: str | None) -> str:
        if name is None:
            return "unknown"
        if name == "":
            return "anonymous"
        if name in self.known:
            return name
        if not _NAME.fullmatch(name):
            return "other"
        with self.lock:
            if len(self.known) >= self.limit:
                return "other"
            self.known.add(name)
        return name


_operations = _OperationNames(MAX_OPERATION_NAMES)


def operation_label(name: str | None) -> str:
    return _operations.label(name)


class _Children:
    """A family's children by label values, looked up without ``labels()``'s checks and lock
    (most of the cost of counting a request). The label values are bounded, so is this."""

    def __init__(self, family: Any) -> None:
        self.family = family
        self.known: dict[tuple[str, ...], Any] = {}

    def __call__(self, *labels: str) -> Any:
        child = self.known.get(labels)
        if child is None:
            child = self.known[labels] = self.family.labels(*labels)
        return child


_http_requests, _http_seconds = _Children(HTTP_REQUESTS), _Children(HTTP_SECONDS)
_graphql_requests, _graphql_seconds = _Children(GRAPHQL_REQUESTS), _Children(GRAPHQL_SECONDS)
_graphql_errors, _sql_statements = _Children(GRAPHQL_ERRORS), _Children(SQL_STATEMENTS)


def observe_request(served: Served, *, method: str, status: int, seconds: float) -> None:
    """One answered request (the middleware calls it when the last byte has gone)."""
    route = served.route or "unmatched"
    _http_requests(route, method, str(status)).inc()
    _http_seconds(route).observe(seconds)
    operation = ""
    if served.graphql or (route == "/graphql" and method != "OPTIONS"):  # not CORS preflights
        operation = operation_label(served.operation)
        _graphql_requests(operation).inc()
        _graphql_seconds(operation).observe(seconds)
    _sql_statements(route, operation).observe(served.statements)


def graphql_error(code: str) -> None:
    """One error in a GraphQL answer, counted where errors are formatted."""
    _graphql_errors(code if _CODE.fullmatch(code) else "OTHER").inc()


def cache_hit() -> None:
    CACHE_HITS.inc()


def cache_miss() -> None:
    CACHE_MISSES.inc()


def outbox_attempt(topic: str, status: str) -> None:
    """One delivery attempt, from the status ``outbox.finish`` left the message in."""
    outcome = {"delivered": "delivered", "failed": "failed", "pending": "retry"}.get(status)
    if outcome is not None:
        OUTBOX_ATTEMPTS.labels(topic, outcome).inc()


def webhook_disabled() -> None:
    WEBHOOKS_DISABLED.inc()


def rendition_made(image_format: str) -> None:
    RENDITIONS.labels(image_format).inc()


def multiprocess() -> bool:
    """Whether values live in PROMETHEUS_MULTIPROC_DIR (decided by prometheus-client at import)."""
    return values.ValueClass is not values.MutexValue


class _Live(Collector):
    """Gauges read at scrape time by a function (from the database)."""

    def __init__(self, read: Any) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        yield from self.read()


def build_registry(*live: Any) -> CollectorRegistry:
    """What one scrape reports: every process's counters and histograms, and ``live`` gauges
    (functions yielding metric families, run at each scrape)."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess():
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        from prometheus_client import GCCollector, PlatformCollector, ProcessCollector

        for family in _FAMILIES:
            registry.register(family)
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)
    for read in live:
        registry.register(_Live(read))
    return registry


def gauge(name: str, documentation: str, label: str, samples: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for value, count in sorted(samples.items()):
        family.add_metric([value], count)
    return family
