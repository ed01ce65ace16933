"""`lojal serve | migrate | worker | jobs run | outbox retry | doctor | webhooks sync`."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import structlog
import typer

from app.db import Database
from app.logging import configure_logging
from app.settings import Settings, SettingsError, load_settings
from app.startup import (
    StartupError,
    check_migrated,
    check_sqlite_directory,
    run_migrations,
    wait_for_database,
)

cli = typer.Typer(
    help="Lojal — loyalty points for Saleor stores.", no_args_is_help=True, add_completion=False
)
jobs_cli = typer.Typer(help="Scheduled jobs (run them from cron, or let `lojal worker` run them).")
webhooks_cli = typer.Typer(help="Keep Saleor's webhooks for Lojal up to date.")
outbox_cli = typer.Typer(help="The outbox: messages to Saleor, sent by the worker with retries.")
cli.add_typer(jobs_cli, name="jobs")
cli.add_typer(outbox_cli, name="outbox")
cli.add_typer(webhooks_cli, name="webhooks")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo(f"lojal: {exc}", err=True)
        raise typer.Exit(2) from None


def _fail(problem: str) -> typer.Exit:
    typer.echo(f"lojal: {problem}", err=True)
    return typer.Exit(2)


async def _check_database(settings: Settings, *, migrated: bool) -> None:
    database = Database(settings.database_url)
    try:
        await wait_for_database(database, wait_seconds=settings.database_wait_seconds)
        if migrated:
            await check_migrated(database)
    finally:
        await database.dispose()


def _ready(*, migrated: bool = True) -> Settings:
    """The settings, once the database is there (and migrated): otherwise one line and exit 2."""
    settings = _settings()
    try:
        check_sqlite_directory(settings.database_url)
        asyncio.run(_check_database(settings, migrated=migrated))
    except StartupError as exc:
        raise _fail(str(exc)) from None
    return settings


def _progress(label: str) -> Callable[[int], None]:
    done = 0

    def report(count: int) -> None:
        nonlocal done
        done += count
        typer.echo(f"{label}: {done}", err=True)

    return report


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything says Lojal is serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise _fail(f"cannot listen on {host}:{port}: {reason} (another server there? set PORT)") from None
    sock.set_inheritable(True)
    return sock


def _unreachable_app_url(settings: Settings, port: int) -> str | None:
    """Why Saleor could not reach the URLs Lojal hands it, when APP_URL was left at its local default."""
    url = urlsplit(settings.app_url)
    if url.hostname not in ("localhost", "127.0.0.1", "::1"):
        return None
    if (url.port or (443 if url.scheme == "https" else 80)) != port:
        return f"APP_URL is {settings.app_url} but Lojal serves on port {port}"
    if Path("/.dockerenv").exists() or os.environ.get("container"):  # noqa: SIM112 - podman and systemd spell it so
        return f"APP_URL is {settings.app_url} inside a container"
    return None


@cli.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST")] = "0.0.0.0",  # noqa: S104 - a server listens
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Serve the app (manifest, webhooks, storefront and admin APIs, the Loyalty tab)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    settings = _ready()
    problem = _unreachable_app_url(settings, port)
    if problem is not None:
        typer.echo(
            f"lojal: WARNING: {problem}: Saleor would be given URLs it cannot reach. "
            "Set APP_URL to the public URL of this Lojal.",
            err=True,
        )
    sock = _listen(host, port)
    config = uvicorn.Config(
        "app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        access_log=False,
        log_config=None,  # app/logging.py renders uvicorn's lines like ours
        log_level=settings.log_level.lower(),
    )
    configure_logging(settings.log_level, json=settings.log_json)
    structlog.get_logger("lojal").info(
        "serving",
        url=f"http://{host}:{port}",
        manifest_url=f"{settings.app_url}/api/manifest",
        hint="paste the manifest URL into Saleor Dashboard → Apps → Install external app",
    )
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])


@cli.command()
def migrate() -> None:
    """Bring the database schema up to date (safe to run on every start, by several replicas at once)."""
    settings = _ready(migrated=False)
    run_migrations(settings.database_url)
    typer.echo("database is up to date", err=True)


@cli.command()
def worker(
    once: Annotated[bool, typer.Option(help="drain what is due, run jobs once, then exit")] = False,
    jobs_every: Annotated[float, typer.Option(help="seconds between scheduled-job runs")] = 300.0,
) -> None:
    """Send the outbox to Saleor (metadata sync, clean-ups) with retries, and run scheduled jobs."""
    from app.jobs.worker import run_worker

    settings = _ready()
    asyncio.run(run_worker(settings, once=once, jobs_every_seconds=jobs_every, progress=_progress))


@jobs_cli.command("run")
def jobs_run() -> None:
    """Run every scheduled job once (maturing pending points, …), showing progress."""
    from app.jobs.worker import run_scheduled_jobs

    settings = _ready()
    report = asyncio.run(run_scheduled_jobs(settings, progress=_progress))
    for name, count in report.items():
        typer.echo(f"{name}: {count}")


@outbox_cli.command("retry")
def outbox_retry(
    message_id: Annotated[int | None, typer.Option("--id", help="the dead letter to retry")] = None,
    retry_all: Annotated[bool, typer.Option("--all", help="every dead letter")] = False,
    installation_id: Annotated[int | None, typer.Option(help="only this installation's messages")] = None,
) -> None:
    """Put dead letters back in the queue (the worker then sends them as usual), one line per message.

    A dead letter whose work a pending message already carries (the same key) is merged into it."""
    if (message_id is None) == (not retry_all):
        raise _fail(
            "say which dead letters to retry: --id N, or --all (with --installation-id N for one store)"
        )
    settings = _ready()
    from app.jobs.worker import retry_dead_letters

    results = asyncio.run(
        retry_dead_letters(
            settings,
            message_id=message_id,
            installation_id=installation_id,
            progress=_progress("outbox retry, dead letters done"),
        )
    )
    for result in results:
        typer.echo(result.line())
    if message_id is None:
        requeued = sum(result.outcome == "requeued" for result in results)
        merged = sum(result.outcome == "merged" for result in results)
        typer.echo(f"outbox retry: {requeued} requeued, {merged} merged into pending messages", err=True)
    if not all(result.ok for result in results):
        raise typer.Exit(1)


@cli.command()
def doctor(
    installation_id: Annotated[int | None, typer.Option(help="check one installation only")] = None,
) -> None:
    """Prove cached balances equal the ledger; exit non-zero and list every drift if not."""
    from app.jobs.doctor import run_doctor

    settings = _ready()
    problems = asyncio.run(run_doctor(settings, installation_id=installation_id, progress=_progress))
    if problems:
        for problem in problems:
            typer.echo(problem)
        typer.echo(f"doctor: {len(problems)} problem(s) found", err=True)
        raise typer.Exit(1)
    typer.echo("doctor: every balance equals its ledger")


@webhooks_cli.command("sync")
def webhooks_sync(
    dry_run: Annotated[bool, typer.Option(help="show what would change, change nothing")] = False,
) -> None:
    """Bring every installation's webhooks in Saleor up to the current subscriptions."""
    from app.installations.webhook_sync import has_failures

    settings = _ready()
    configure_logging(settings.log_level, json=settings.log_json)
    lines = asyncio.run(_sync_webhooks(settings, dry_run=dry_run))
    for line in lines:
        typer.echo(line)
    if has_failures(lines):
        raise typer.Exit(1)


async def _sync_webhooks(settings: Settings, *, dry_run: bool) -> list[str]:
    from app.installations.webhook_sync import sync_all
    from app.saleor.gateway import SaleorGateway
    from webhooks.definitions import WEBHOOKS

    database = Database(settings.database_url)
    try:
        wanted = [definition.wanted(settings.app_url) for definition in WEBHOOKS]
        return await sync_all(database, SaleorGateway(settings), wanted, dry_run=dry_run)
    finally:
        await database.dispose()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
