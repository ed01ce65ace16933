"""`make bench`: measure each scenario on SQLite (and PostgreSQL when reachable), print, save JSON.

Exit status 0 means every request was answered 2xx and the doctor found nothing; the speeds themselves
never fail a run, they are reported against the baseline measured in the same run.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from app.db import Database
from app.ledger.models import LedgerEntry
from bench import scenarios
from bench.config import BenchConfig, ConfigError, load_config
from bench.databases import migrate, postgres_database, postgres_problem, server_version, sqlite_url
from bench.ledger import LedgerCheckFailed, check_ledger
from bench.load import Call, http_client, run_calls
from bench.progress import say
from bench.report import BASELINE, RESULTS_DIR, TargetReport, machine_info, render, write_json
from bench.scenarios import Phases
from bench.serving import RunningServer, ServerFailed, running_server
from bench.stats import Measurement, Summary, summarise
from bench.store import load_generator_store, write_spec
from tests.fake_saleor import FakeSaleor
from tests.helpers import install


class BenchFailed(Exception):
    """Something answered wrongly; the run must not look like a success."""


def _record_failures(name: str, measurements: list[Measurement], problems: list[str]) -> None:
    """One line per distinct wrong answer, with how often it came back."""
    failures = Counter(
        (failure.status, failure.detail) for measurement in measurements for failure in measurement.failures
    )
    for (status, detail), count in failures.most_common(5):
        problems.append(f"{name}: {count} x HTTP {status}: {detail}")
    if len(failures) > 5:
        problems.append(f"{name}: … and {len(failures) - 5} other kinds of failed request")


async def _measure(
    client: httpx.AsyncClient,
    server: RunningServer,
    name: str,
    phases: Phases,
    concurrency: int,
    problems: list[str],
) -> tuple[Summary, Summary | None]:
    """Warm up, measure under load, then one at a time; any failure in any phase is reported."""
    say(f"{name}: {len(phases.warmup)} warm-up, {len(phases.loaded)} at concurrency {concurrency}")
    warmup = await run_calls(client, phases.warmup, concurrency)
    loaded = await run_calls(client, phases.loaded, concurrency, server.cpu_seconds)
    solo = await run_calls(client, phases.solo, 1, server.cpu_seconds) if phases.solo else None
    _record_failures(name, [warmup, loaded] + ([solo] if solo else []), problems)
    loaded.failures = warmup.failures + loaded.failures  # a bad warm-up answer is still a bad answer
    loaded_summary = summarise(name, loaded)
    solo_summary = summarise(name, solo) if solo else None
    say(
        f"{name}: p50 {loaded_summary.p50_ms:.2f} ms, p95 {loaded_summary.p95_ms:.2f} ms, "
        f"{loaded_summary.throughput_rps:.0f} req/s, {loaded_summary.errors} errors"
        + (f"; one at a time p95 {solo_summary.p95_ms:.2f} ms" if solo_summary else "")
    )
    return loaded_summary, solo_summary


async def _ledger_entries(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int(
            (await connection.execute(sa.select(sa.func.count()).select_from(LedgerEntry))).scalar_one()
        )


async def _expect_entries(database: Database, expected: int, after: str, problems: list[str]) -> None:
    # Every benchmark order earns points (one earn entry, no bonus on a fresh program); redelivery adds none.
    found = await _ledger_entries(database)
    if found != expected:
        problems.append(f"after {after}: {found} ledger entries, expected {expected}")


async def _register(client: httpx.AsyncClient, store: FakeSaleor) -> None:
    response = await install(client, store)
    if response.status_code != 200:
        raise BenchFailed(f"POST /api/register answered {response.status_code}: {response.text[:300]}")


async def _scenarios(
    report: TargetReport,
    client: httpx.AsyncClient,
    server: RunningServer,
    store: FakeSaleor,
    database: Database,
    config: BenchConfig,
    problems: list[str],
) -> None:
    total = config.calls_per_scenario
    shoppers = scenarios.customers(min(config.customers, total))
    say(f"signing {total} order deliveries and {len(shoppers)} shopper tokens")
    orders = scenarios.order_paid_deliveries(store, shoppers, total)
    headers = scenarios.shopper_headers(store, shoppers)
    plan: list[tuple[str, list[Call]]] = [
        (BASELINE, scenarios.healthz(total)),
        ("webhook_order_paid", orders),
        ("webhook_redelivery", orders),
        ("storefront_me", scenarios.storefront_me(headers, total)),
        ("storefront_preview", scenarios.storefront_preview(headers, total)),
        # The baseline again at the end: if it moved, the machine was noisy and the ratios are soft.
        (f"{BASELINE}_again", scenarios.healthz(total)),
    ]
    for name, calls in plan:
        phases = scenarios.phases(calls, config.warmup, config.requests)
        loaded, solo = await _measure(client, server, name, phases, config.concurrency, problems)
        report.summaries.append(loaded)
        if solo is not None:
            report.solo_summaries.append(solo)
        if name.startswith("webhook_"):
            await _expect_entries(database, total, name, problems)


def _server_log_counts(log_path: Path) -> dict[str, Any]:
    """Count the server's JSON log lines by level; a line that is not JSON (a traceback) is an error."""
    levels: Counter[str] = Counter()
    events: Counter[str] = Counter()
    lines = log_path.read_text(errors="replace").splitlines() if log_path.exists() else []
    for line in lines:
        try:
            record = json.loads(line)
            level, event = str(record.get("level", "info")), str(record.get("event", ""))
        except (json.JSONDecodeError, AttributeError):
            level, event = "error", line[:120]
        levels[level] += 1
        if level in ("warning", "error", "critical"):
            events[f"{level}: {event}"] += 1
    return {
        "lines": len(lines),
        "warnings": levels["warning"],
        "errors": levels["error"] + levels["critical"],
        "notable_events": dict(events.most_common(10)),
    }


async def _bench_target(
    label: str, url: str, config: BenchConfig, workdir: Path, problems: list[str]
) -> TargetReport:
    report = TargetReport(label=label, version=await server_version(url))
    try:
        await _measure_target(report, url, config, workdir, problems)
    except (BenchFailed, ServerFailed) as exc:
        # The other database can still be measured; the run fails at the end either way.
        report.failed = str(exc)
        problems.append(f"{label}: {exc}")
    return report


async def _measure_target(
    report: TargetReport, url: str, config: BenchConfig, workdir: Path, problems: list[str]
) -> None:
    say(f"== {report.label} ({report.version}): migrating")
    await migrate(url)
    database = Database(url)
    try:
        await _measure_requests(report, url, database, config, workdir, problems)
        try:
            report.ledger = await check_ledger(database, config.ledger_members, config.entries_per_member)
        except LedgerCheckFailed as exc:
            problems.append(f"{report.label}: {exc}")
    finally:
        await database.dispose()


async def _measure_requests(
    report: TargetReport,
    url: str,
    database: Database,
    config: BenchConfig,
    workdir: Path,
    problems: list[str],
) -> None:
    store = load_generator_store()
    spec_path, log_path = workdir / f"store-{report.label}.json", workdir / f"server-{report.label}.log"
    write_spec(store, spec_path)
    async with (
        running_server(url, spec_path, log_path) as server,
        http_client(server.base_url, config.concurrency) as client,
    ):
        await _register(client, store)
        await _scenarios(report, client, server, store, database, config, problems)
    report.server_log = _server_log_counts(log_path)
    if report.server_log["errors"]:
        errors = report.server_log["errors"]
        problems.append(
            f"{report.label}: the server logged {errors} error line(s), see bench/results/{log_path.name}"
        )


async def _bench_postgres(config: BenchConfig, workdir: Path, problems: list[str]) -> TargetReport:
    if not config.pg_url:
        return TargetReport(label="postgresql", version="", skipped="BENCH_PG_URL is empty")
    problem = await postgres_problem(config.pg_url)
    if problem is not None:
        reason = f"PostgreSQL at {config.pg_url} is unreachable ({problem})"
        say("!" * 20 + f" SKIPPING PostgreSQL: {reason} " + "!" * 20)
        return TargetReport(label="postgresql", version="", skipped=reason)
    async with postgres_database(config.pg_url) as url:
        return await _bench_target("postgresql", url, config, workdir, problems)


async def _main(config: BenchConfig) -> int:
    _forget_old_logs()
    machine = machine_info()
    problems: list[str] = []
    targets: list[TargetReport] = []
    with tempfile.TemporaryDirectory(prefix="lojal-bench-") as directory:
        workdir = Path(directory)
        targets.append(await _bench_target("sqlite", sqlite_url(workdir), config, workdir, problems))
        targets.append(await _bench_postgres(config, workdir, problems))
        if problems:
            _keep_logs(workdir)
    print(render(config, machine, targets))
    path = write_json(config, machine, targets, problems)
    say(f"wrote {path}")
    if problems:
        print("\nBENCHMARK FAILED — wrong answers, not slow ones:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    return 0


def _forget_old_logs() -> None:
    # Server logs in bench/results/ belong to the last failed run; a new run must not look failed.
    for log in RESULTS_DIR.glob("server-*.log"):
        log.unlink()


def _keep_logs(workdir: Path) -> None:
    # The temporary directory goes away; a failed run's server logs are what explains it, so they are
    # copied next to latest.json (bench/results/ is git-ignored).
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for log in workdir.glob("server-*.log"):
        (RESULTS_DIR / log.name).write_bytes(log.read_bytes())
        say(f"kept {RESULTS_DIR / log.name}")


def main() -> None:
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.exit(asyncio.run(_main(config)))


if __name__ == "__main__":
    main()
