"""The maturing job: points whose hold (return window) ended become spendable, set-based and in batches."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.ledger.models import LedgerEntry, Member
from app.ledger.service import queue_member_syncs


def _due_window(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        LedgerEntry.member_id == Member.id,
        LedgerEntry.available_at > Member.balances_at,
        LedgerEntry.available_at <= now,
    )


async def mature_due_members(
    session: AsyncSession, *, now: datetime | None = None, after_id: int = 0, batch_size: int = 500
) -> list[int]:
    """One batch of the maturing job: lock members after `after_id` with due points (skipping ones
    another worker holds), move their due points to available in one set-based UPDATE, and queue their
    metadata sync. The caller passes the last id back, so a run reads each member once (keyset)."""
    now = now or utcnow()
    due = sa.exists().where(_due_window(now))
    ids = list(
        (
            await session.execute(
                sa.select(Member.id)
                .where(Member.id > after_id, due, Member.balances_at < now)
                .order_by(Member.id)
                .limit(batch_size)
                .with_for_update(skip_locked=True, key_share=True)
            )
        ).scalars()
    )
    if not ids:
        return []
    matured = (
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.points), 0))
        .where(_due_window(now))
        .scalar_subquery()
    )
    await session.execute(
        sa.update(Member)
        .where(Member.id.in_(ids), Member.balances_at < now)
        .values(
            points_available=Member.points_available + matured,
            points_pending=Member.points_pending - matured,
            balances_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    rows = (
        await session.execute(
            sa.select(Member.installation_id, Member.id).where(
                Member.id.in_(ids), Member.saleor_user_id.is_not(None), Member.anonymised_at.is_(None)
            )
        )
    ).all()
    await queue_member_syncs(session, [(installation_id, member_id) for installation_id, member_id in rows])
    return ids
