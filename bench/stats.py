"""Latency summaries: nearest-rank percentiles over every measured request (no sampling, no smoothing)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: a value some request actually saw, never an interpolation."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Failure:
    status: int | None  # None when the request did not get an HTTP answer at all
    detail: str


@dataclass
class Measurement:
    """What one scenario's measured phase produced."""

    latencies_s: list[float] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    wall_s: float = 0.0
    server_cpu_s: float | None = None
    client_cpu_s: float | None = None


@dataclass(frozen=True)
class Summary:
    name: str
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    throughput_rps: float
    # CPU spent per measured request: by the server process (its event loop and, for SQLite, the
    # aiosqlite thread; a PostgreSQL server's own processes are not counted) and by the load generator.
    server_cpu_ms: float | None = None
    client_cpu_ms: float | None = None

    def as_dict(self) -> dict[str, float | int | str | None]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "p50_ms": round(self.p50_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "max_ms": round(self.max_ms, 3),
            "mean_ms": round(self.mean_ms, 3),
            "throughput_rps": round(self.throughput_rps, 1),
            "server_cpu_ms_per_request": _rounded(self.server_cpu_ms),
            "load_generator_cpu_ms_per_request": _rounded(self.client_cpu_ms),
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def summarise(name: str, measurement: Measurement) -> Summary:
    values = sorted(measurement.latencies_s)
    count = len(values)
    return Summary(
        name=name,
        requests=count,
        errors=len(measurement.failures),
        p50_ms=percentile(values, 0.50) * 1000,
        p95_ms=percentile(values, 0.95) * 1000,
        p99_ms=percentile(values, 0.99) * 1000,
        max_ms=values[-1] * 1000,
        mean_ms=sum(values) / count * 1000,
        throughput_rps=count / measurement.wall_s if measurement.wall_s > 0 else 0.0,
        server_cpu_ms=_per_request_ms(measurement.server_cpu_s, count),
        client_cpu_ms=_per_request_ms(measurement.client_cpu_s, count),
    )


def _per_request_ms(seconds: float | None, count: int) -> float | None:
    return None if seconds is None else seconds / count * 1000
