"""Prometheus metrics served at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter("lojal_http_requests_total", "HTTP requests", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "lojal_http_request_seconds",
    "HTTP request duration",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WEBHOOKS = Counter("lojal_webhooks_total", "Webhook deliveries by event and outcome", ["event", "outcome"])
LEDGER_ENTRIES = Counter("lojal_ledger_entries_total", "Ledger entries written", ["kind"])
OUTBOX_SENT = Counter("lojal_outbox_messages_total", "Outbox messages processed", ["kind", "outcome"])
