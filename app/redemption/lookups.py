"""Redemptions as shoppers and staff look them up."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.ledger.models import Hold, Member


async def holds_for_checkout(session: AsyncSession, member: Member, checkout_id: str) -> list[Hold]:
    rows = await session.execute(
        sa.select(Hold)
        .where(
            Hold.installation_id == member.installation_id,
            Hold.member_id == member.id,
            Hold.checkout_id == checkout_id,
        )
        .order_by(Hold.id)
    )
    return list(rows.scalars())


async def list_holds(
    session: AsyncSession,
    installation_id: int,
    *,
    status: str | None = None,
    flagged: bool | None = None,
    member_id: int | None = None,
    limit: int = 50,
) -> list[Hold]:
    """Redemptions for staff, newest first; `flagged` finds codes used where they should not have been."""
    query = (
        sa.select(Hold).where(Hold.installation_id == installation_id).order_by(Hold.id.desc()).limit(limit)
    )
    if status is not None:
        query = query.where(Hold.status == status)
    if flagged is not None:
        query = query.where(Hold.flagged_reason.is_not(None) if flagged else Hold.flagged_reason.is_(None))
    if member_id is not None:
        query = query.where(Hold.member_id == member_id)
    return list((await session.execute(query)).scalars())
