"""`lojal doctor`: every cached balance checked against its ledger, every order against what it earned."""

from __future__ import annotations

from app.db import Database
from app.jobs.worker import Progress
from app.ledger.doctor import find_drift
from app.logging import configure_logging
from app.orders import service as orders
from app.settings import Settings


async def find_problems(
    database: Database, *, installation_id: int | None = None, progress: Progress | None = None
) -> list[str]:
    """Each cached balance that differs from its ledger; each order that reversed more than it earned."""
    async with database.transaction() as session:
        drifts = await find_drift(
            session,
            installation_id=installation_id,
            progress=progress("members checked") if progress else None,
        )
        problems = [
            f"installation {d.installation_id} member {d.member_id}: "
            f"{d.field} cached {d.cached}, ledger {d.ledger}"
            for d in drifts
        ]
        return problems + await orders.over_reversed(session, installation_id)


async def run_doctor(
    settings: Settings, *, installation_id: int | None = None, progress: Progress | None = None
) -> list[str]:
    configure_logging(settings.log_level, json=settings.log_json)
    database = Database(settings.database_url)
    try:
        return await find_problems(database, installation_id=installation_id, progress=progress)
    finally:
        await database.dispose()
