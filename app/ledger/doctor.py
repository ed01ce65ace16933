"""The doctor: proves every member's cached balances equal the sums of their ledger entries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.ledger.models import EARNING_KINDS, OPEN_STATUSES, REDEEMING_KINDS, Hold, LedgerEntry, Member


@dataclass(frozen=True)
class Drift:
    installation_id: int
    member_id: int
    field: str
    cached: int
    ledger: int


def _ledger_sums() -> sa.Select[Any]:
    earning = [kind.value for kind in EARNING_KINDS]
    redeeming = [kind.value for kind in REDEEMING_KINDS]
    entry = LedgerEntry
    held = (
        sa.select(sa.func.coalesce(sa.func.sum(Hold.points), 0))
        .where(Hold.member_id == Member.id, Hold.status.in_([status.value for status in OPEN_STATUSES]))
        .scalar_subquery()
    )
    return (
        sa.select(
            Member.installation_id,
            Member.id,
            Member.points_available,
            Member.points_pending,
            Member.points_held,
            Member.points_earned_lifetime,
            Member.points_redeemed_lifetime,
            held.label("held"),
            sa.func.coalesce(
                sa.func.sum(sa.case((entry.available_at <= Member.balances_at, entry.points), else_=0)), 0
            ).label("available"),
            sa.func.coalesce(
                sa.func.sum(sa.case((entry.available_at > Member.balances_at, entry.points), else_=0)), 0
            ).label("pending"),
            sa.func.coalesce(sa.func.sum(sa.case((entry.kind.in_(earning), entry.points), else_=0)), 0).label(
                "earned"
            ),
            sa.func.coalesce(
                sa.func.sum(sa.case((entry.kind.in_(redeeming), -entry.points), else_=0)), 0
            ).label("redeemed"),
        )
        .select_from(Member)
        .outerjoin(entry, entry.member_id == Member.id)
        .group_by(Member.id)
        .order_by(Member.id)
    )


async def find_drift(
    session: AsyncSession,
    *,
    installation_id: int | None = None,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> list[Drift]:
    """Recompute every member's balances from its entries and report each cached figure that differs."""
    drifts: list[Drift] = []
    last_id = 0
    while True:
        query = _ledger_sums().where(Member.id > last_id).limit(batch_size)
        if installation_id is not None:
            query = query.where(Member.installation_id == installation_id)
        rows = (await session.execute(query)).all()
        if not rows:
            return drifts
        for row in rows:
            for field, cached, ledger in (
                ("points_available", row.points_available, row.available),
                ("points_pending", row.points_pending, row.pending),
                ("points_held", row.points_held, row.held),
                ("points_earned_lifetime", row.points_earned_lifetime, row.earned),
                ("points_redeemed_lifetime", row.points_redeemed_lifetime, row.redeemed),
            ):
                if int(cached) != int(ledger):
                    drifts.append(Drift(row.installation_id, row.id, field, int(cached), int(ledger)))
        last_id = rows[-1].id
        if progress is not None:
            progress(len(rows))
