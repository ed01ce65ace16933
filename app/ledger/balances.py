"""Balances as of an instant, read without writing (for displays and the metadata copy)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.ledger.models import LedgerEntry, Member


@dataclass(frozen=True)
class Balances:
    available: int
    pending: int
    held: int
    earned_lifetime: int
    redeemed_lifetime: int


async def due_points(session: AsyncSession, member: Member, now: datetime) -> int:
    """Points whose hold ended after the caches were last written and by `now`."""
    if now <= member.balances_at:
        return 0
    total = (
        await session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.points), 0)).where(
                LedgerEntry.member_id == member.id,
                LedgerEntry.available_at > member.balances_at,
                LedgerEntry.available_at <= now,
            )
        )
    ).scalar_one()
    return int(total)


def cached_balances(member: Member, due: int = 0) -> Balances:
    """The member's caches, with `due` points moved from pending to available."""
    return Balances(
        available=member.points_available + due,
        pending=member.points_pending - due,
        held=member.points_held,
        earned_lifetime=member.points_earned_lifetime,
        redeemed_lifetime=member.points_redeemed_lifetime,
    )


async def effective_balances(session: AsyncSession, member: Member, now: datetime) -> Balances:
    """The member's caches plus whatever matured since they were last written."""
    return cached_balances(member, await due_points(session, member, now))
