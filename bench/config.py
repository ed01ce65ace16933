"""Benchmark knobs, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


class ConfigError(Exception):
    """An environment variable the benchmark reads has an unusable value."""


def _whole_number(name: str, default: int, *, minimum: int) -> int:
    raw = os.environ.get(name, "").strip().replace("_", "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def _positive_int(name: str, default: int) -> int:
    return _whole_number(name, default, minimum=1)


@dataclass(frozen=True)
class BenchConfig:
    requests: int  # measured requests per scenario
    concurrency: int  # requests in flight at once
    # Then measured again one request at a time: service latency without queueing, which is what
    # published p95s of hosted services describe (0 = skip).
    solo_requests: int
    warmup: int  # unmeasured requests first: fills connection pools and SQLAlchemy's statement cache
    customers: int  # distinct shoppers the order webhooks are spread over
    ledger_rows: int  # ledger entries seeded for the doctor / maturing check
    entries_per_member: int
    pg_url: str  # server to create the benchmark's own PostgreSQL database on; empty = skip PostgreSQL

    @property
    def calls_per_scenario(self) -> int:
        return self.warmup + self.requests + self.solo_requests

    @property
    def ledger_members(self) -> int:
        return max(1, self.ledger_rows // self.entries_per_member)


def load_config() -> BenchConfig:
    requests = _positive_int("BENCH_REQUESTS", 400)
    return BenchConfig(
        requests=requests,
        concurrency=_positive_int("BENCH_CONCURRENCY", 16),
        solo_requests=_whole_number("BENCH_SOLO_REQUESTS", 100, minimum=0),
        warmup=_positive_int("BENCH_WARMUP", max(20, requests // 8)),
        customers=_positive_int("BENCH_CUSTOMERS", 200),
        ledger_rows=_positive_int("BENCH_LEDGER_ROWS", 200_000),
        entries_per_member=_positive_int("BENCH_LEDGER_ENTRIES_PER_MEMBER", 20),
        pg_url=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL).strip(),
    )
