"""The load generator: a fixed list of prepared requests sent at a fixed concurrency over real HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx

from bench.stats import Failure, Measurement


@dataclass(frozen=True)
class Call:
    """One request, fully prepared (signed, tokened, serialised) before any clock starts."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


def http_client(base_url: str, concurrency: int) -> httpx.AsyncClient:
    # One keep-alive connection per in-flight request, as a busy Saleor or storefront keeps its pool.
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=httpx.Timeout(60.0))


async def _send(client: httpx.AsyncClient, call: Call, measurement: Measurement) -> None:
    started = time.perf_counter()
    try:
        response = await client.request(call.method, call.path, headers=call.headers, content=call.body)
    except httpx.HTTPError as exc:
        measurement.latencies_s.append(time.perf_counter() - started)
        measurement.failures.append(Failure(None, f"{call.method} {call.path}: {type(exc).__name__}: {exc}"))
        return
    measurement.latencies_s.append(time.perf_counter() - started)
    if not 200 <= response.status_code < 300:
        detail = f"{call.method} {call.path}: {response.text[:300]}"
        measurement.failures.append(Failure(response.status_code, detail))


async def _worker(client: httpx.AsyncClient, calls: Iterator[Call], measurement: Measurement) -> None:
    # Workers share one iterator; taking the next call never awaits, so each call is sent exactly once.
    for call in calls:
        await _send(client, call, measurement)


async def run_calls(
    client: httpx.AsyncClient,
    calls: list[Call],
    concurrency: int,
    server_cpu: Callable[[], float | None] = lambda: None,
) -> Measurement:
    measurement = Measurement()
    shared = iter(calls)
    server_cpu_before, client_cpu_before = server_cpu(), time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(_worker(client, shared, measurement) for _ in range(concurrency)))
    measurement.wall_s = time.perf_counter() - started
    measurement.client_cpu_s = time.process_time() - client_cpu_before
    server_cpu_after = server_cpu()
    if server_cpu_before is not None and server_cpu_after is not None:
        measurement.server_cpu_s = server_cpu_after - server_cpu_before
    return measurement
