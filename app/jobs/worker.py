"""The worker: sends the outbox with retries and runs the scheduled jobs (maturing pending points,
releasing abandoned redemptions, deleting the vouchers of ended redemptions and orphan vouchers), each
showing progress when run by hand."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog

from app.db import Database, utcnow
from app.jobs.handlers import outbox_handlers
from app.ledger.maturing import mature_due_members
from app.logging import configure_logging
from app.outbox import service as outbox
from app.redemption import sweeps
from app.saleor.gateway import SaleorGateway
from app.settings import Settings

log = structlog.get_logger(__name__)

Progress = Callable[[str], Callable[[int], None]]


async def mature_points(database: Database, *, progress: Callable[[int], None] | None = None) -> int:
    """Make every pending point whose hold ended available, batch by batch (each its own transaction),
    as of one moment for the whole run; a member another worker holds is left to that worker."""
    now = utcnow()
    total = 0
    last_id = 0
    while True:
        async with database.transaction() as session:
            ids = await mature_due_members(session, now=now, after_id=last_id)
        if not ids:
            return total
        total += len(ids)
        last_id = ids[-1]
        if progress is not None:
            progress(len(ids))


async def scheduled_jobs(
    database: Database, gateway: SaleorGateway, *, progress: Progress | None = None
) -> dict[str, int]:
    report = {
        "members_matured": await mature_points(
            database, progress=progress("maturing pending points, members done") if progress else None
        ),
        "holds_released": await sweeps.release_expired(database),
        "hold_vouchers_deleted": await sweeps.sweep_hold_vouchers(
            database,
            gateway,
            progress=progress("ended redemptions' vouchers, holds checked") if progress else None,
        ),
        "orphan_vouchers_deleted": await sweeps.sweep_orphan_vouchers(database, gateway),
    }
    if progress is not None:
        progress("scheduled jobs finished")(0)
    return report


async def run_scheduled_jobs(settings: Settings, *, progress: Progress | None = None) -> dict[str, int]:
    configure_logging(settings.log_level, json=settings.log_json)
    database = Database(settings.database_url)
    try:
        return await scheduled_jobs(database, SaleorGateway(settings), progress=progress)
    finally:
        await database.dispose()


async def retry_dead_letters(
    settings: Settings,
    *,
    message_id: int | None,
    installation_id: int | None,
    progress: Callable[[int], None] | None = None,
) -> list[outbox.RetryResult]:
    """`lojal outbox retry`: one dead letter (`message_id`), or every one (of one installation)."""
    configure_logging(settings.log_level, json=settings.log_json)
    database = Database(settings.database_url)
    try:
        return await outbox.retry_dead_letters(
            database,
            ids=[message_id] if message_id is not None else None,
            installation_id=installation_id,
            progress=progress,
        )
    finally:
        await database.dispose()


async def worker_loop(
    database: Database,
    gateway: SaleorGateway,
    *,
    once: bool = False,
    jobs_every_seconds: float = 300.0,
    idle_seconds: float = 2.0,
    progress: Progress | None = None,
) -> None:
    loop = asyncio.get_running_loop()
    next_jobs = loop.time()
    handlers = outbox_handlers(database, gateway)
    while True:
        try:
            if loop.time() >= next_jobs:
                report = await scheduled_jobs(database, gateway, progress=progress)
                log.info("scheduled_jobs_done", **report)
                next_jobs = loop.time() + jobs_every_seconds
            result = await outbox.drain_once(
                database, handlers, stuck_after=gateway.settings.outbox_max_attempts
            )
            if result.worked:
                log.info(
                    "outbox_drained",
                    sent=result.sent,
                    retried=result.retried,
                    dead=result.dead,
                    stuck=result.stuck,
                )
        except Exception:
            # The worker must outlive a database blip; the next round retries.
            log.exception("worker_round_failed")
            result = None
        if once:
            return
        if result is None or not result.worked:
            await asyncio.sleep(idle_seconds)


async def run_worker(
    settings: Settings,
    *,
    once: bool = False,
    jobs_every_seconds: float = 300.0,
    progress: Progress | None = None,
) -> None:
    configure_logging(settings.log_level, json=settings.log_json)
    database = Database(settings.database_url)
    try:
        await worker_loop(
            database,
            SaleorGateway(settings),
            once=once,
            jobs_every_seconds=jobs_every_seconds,
            progress=progress,
        )
    finally:
        await database.dispose()
