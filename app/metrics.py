"""Prometheus metrics served at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("lojal_http_requests_total", "HTTP requests", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "lojal_http_request_seconds",
    "HTTP request duration",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WEBHOOKS = Counter("lojal_webhooks_total", "Webhook deliveries by event and outcome", ["event", "outcome"])
LEDGER_ENTRIES = Counter("lojal_ledger_entries_total", "Ledger entries written", ["kind"])
OUTBOX_SENT = Counter(
    "lojal_outbox_messages_total",
    "Outbox attempts by outcome (sent, retry, dead, lease_lost)",
    ["kind", "outcome"],
)
# Read from the outbox table whenever /metrics is served, so they are right whichever process sends.
OUTBOX_DEAD_LETTERS = Gauge(
    "lojal_outbox_dead_letters", "Outbox messages that cannot succeed, kept until staff retry them", ["kind"]
)
OUTBOX_PENDING = Gauge("lojal_outbox_pending_messages", "Outbox messages waiting to be sent", ["kind"])
OUTBOX_STUCK = Gauge(
    "lojal_outbox_stuck_messages",
    "Pending outbox messages that failed OUTBOX_MAX_ATTEMPTS times or more (still retried, at most hourly)",
    ["kind"],
)
