"""`lojal serve | migrate | worker | jobs run | doctor | webhooks sync`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated

import typer

from app.settings import PROJECT_ROOT, Settings, SettingsError, load_settings

cli = typer.Typer(
    help="Lojal — loyalty points for Saleor stores.", no_args_is_help=True, add_completion=False
)
jobs_cli = typer.Typer(help="Scheduled jobs (run them from cron, or let `lojal worker` run them).")
webhooks_cli = typer.Typer(help="Keep Saleor's webhooks for Lojal up to date.")
cli.add_typer(jobs_cli, name="jobs")
cli.add_typer(webhooks_cli, name="webhooks")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo(f"lojal: {exc}", err=True)
        raise typer.Exit(2) from None


def _progress(label: str) -> Callable[[int], None]:
    done = 0

    def report(count: int) -> None:
        nonlocal done
        done += count
        typer.echo(f"{label}: {done}", err=True)

    return report


@cli.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST")] = "0.0.0.0",  # noqa: S104 - a server listens
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Serve the app (manifest, webhooks, storefront and admin APIs, the Loyalty tab)."""
    import uvicorn

    settings = _settings()
    typer.echo(f"Lojal is serving on http://{host}:{port}", err=True)
    typer.echo(
        f"Paste this manifest URL into Saleor Dashboard → Apps → Install: {settings.app_url}/api/manifest",
        err=True,
    )
    uvicorn.run(
        "app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        access_log=False,
        log_level=settings.log_level.lower(),
    )


def run_migrations(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    command.upgrade(config, "head")


@cli.command()
def migrate() -> None:
    """Bring the database schema up to date (safe to run on every start)."""
    settings = _settings()
    run_migrations(settings.database_url)
    typer.echo("database is up to date", err=True)


@cli.command()
def worker(
    once: Annotated[bool, typer.Option(help="drain what is due, run jobs once, then exit")] = False,
    jobs_every: Annotated[float, typer.Option(help="seconds between scheduled-job runs")] = 300.0,
) -> None:
    """Send the outbox to Saleor (metadata sync, clean-ups) with retries, and run scheduled jobs."""
    from app.jobs.worker import run_worker

    settings = _settings()
    asyncio.run(run_worker(settings, once=once, jobs_every_seconds=jobs_every, progress=_progress))


@jobs_cli.command("run")
def jobs_run() -> None:
    """Run every scheduled job once (maturing pending points, …), showing progress."""
    from app.jobs.worker import run_scheduled_jobs

    settings = _settings()
    report = asyncio.run(run_scheduled_jobs(settings, progress=_progress))
    for name, count in report.items():
        typer.echo(f"{name}: {count}")


@cli.command()
def doctor(
    installation_id: Annotated[int | None, typer.Option(help="check one installation only")] = None,
) -> None:
    """Prove cached balances equal the ledger; exit non-zero and list every drift if not."""
    from app.jobs.doctor import run_doctor

    settings = _settings()
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
    from app.logging import configure_logging

    settings = _settings()
    configure_logging(settings.log_level, json=settings.log_json)
    lines = asyncio.run(_sync_webhooks(settings, dry_run=dry_run))
    for line in lines:
        typer.echo(line)
    if has_failures(lines):
        raise typer.Exit(1)


async def _sync_webhooks(settings: Settings, *, dry_run: bool) -> list[str]:
    from app.db import Database
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
