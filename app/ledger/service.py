"""Posting entries and keeping the member's cached balances with them, under the member's row lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_scoped, utcnow
from app.errors import Conflict, IdempotencyKeyReused, NotFound
from app.ledger.balances import due_points
from app.ledger.models import EARNING_KINDS, REDEEMING_KINDS, EntryKind, LedgerEntry, Member, SourceType
from app.metrics import LEDGER_ENTRIES
from app.outbox import service as outbox

# Outbox kind: copy a member's balance into their Saleor customer's metadata (handled in app/members).
MEMBER_METADATA = "member_metadata"
_LOCKED = "ledger.locked_members"  # session.info key: members this transaction has locked


class InsufficientPoints(Conflict):
    error = "insufficient_points"


@dataclass(frozen=True)
class Posted:
    entry: LedgerEntry
    created: bool  # False when the idempotency key had been used already (a replay)


async def lock_member(session: AsyncSession, installation_id: int, member_id: int) -> Member:
    """The member under a row lock: its balance changes one transaction at a time.

    A transaction locks each member once; asking again returns the same (current) object without
    another round trip, so the steps of one order event can each ask for the member they post to."""
    locked: set[int] = session.info.setdefault(_LOCKED, set())
    if member_id in locked:
        member = await session.get(Member, member_id)
    else:
        member = await get_scoped(session, Member, installation_id, member_id, lock=True)
    if member is None or member.installation_id != installation_id:
        raise NotFound("no such member")
    locked.add(member_id)
    return member


async def queue_member_syncs(session: AsyncSession, members: list[tuple[int, int]]) -> None:
    """Queue metadata syncs for (installation id, member id) pairs; one waiting message per member."""
    await outbox.enqueue_many(
        session,
        [
            outbox.Message(installation_id, MEMBER_METADATA, f"member:{member_id}", {"member_id": member_id})
            for installation_id, member_id in members
        ],
    )


async def queue_member_sync(session: AsyncSession, member: Member) -> None:
    if member.has_saleor_customer:
        await queue_member_syncs(session, [(member.installation_id, member.id)])


async def mature_member(session: AsyncSession, member: Member, now: datetime | None = None) -> int:
    """Move points whose hold ended from pending to available; the member must be locked."""
    now = now or utcnow()
    if now <= member.balances_at:
        return 0
    due = await due_points(session, member, now)
    member.points_pending -= due
    member.points_available += due
    member.balances_at = now
    return due


async def post_entry(
    session: AsyncSession,
    member: Member,
    *,
    kind: EntryKind,
    points: int,
    idempotency_key: str,
    source_type: SourceType,
    source_id: str | None = None,
    available_at: datetime | None = None,
    explanation: dict[str, Any] | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> Posted:
    """Append one entry and update the member's caches in the same transaction.

    The member must have been loaded with `lock_member`. A replayed key returns the original entry;
    the same key with other points is refused (it would mean two different facts share one name).
    """
    if points == 0:
        raise ValueError("a ledger entry moves at least one point")
    existing = (
        await session.execute(
            sa.select(LedgerEntry).where(
                LedgerEntry.installation_id == member.installation_id,
                LedgerEntry.idempotency_key == idempotency_key,
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        if existing.member_id != member.id or existing.kind != kind or existing.points != points:
            raise IdempotencyKeyReused(
                f"idempotency key {idempotency_key!r} was already used for a different entry"
            )
        return Posted(existing, created=False)

    now = now or utcnow()
    await mature_member(session, member, now)
    entry = LedgerEntry(
        installation_id=member.installation_id,
        member_id=member.id,
        kind=kind,
        points=points,
        available_at=available_at if available_at is not None and available_at > now else now,
        created_at=now,
        source_type=source_type,
        source_id=source_id,
        actor=actor,
        idempotency_key=idempotency_key,
        explanation=explanation or {},
    )
    session.add(entry)
    if entry.available_at > member.balances_at:
        member.points_pending += points
    else:
        member.points_available += points
    if kind in EARNING_KINDS:
        member.points_earned_lifetime += points
    if kind in REDEEMING_KINDS:
        member.points_redeemed_lifetime -= points
    member.updated_at = now
    LEDGER_ENTRIES.labels(kind.value).inc()
    await queue_member_sync(session, member)
    return Posted(entry, created=True)


async def pending_schedule(session: AsyncSession, member: Member) -> list[tuple[int, datetime]]:
    """When pending points become spendable: (points, available_at), soonest first."""
    rows = (
        await session.execute(
            sa.select(LedgerEntry.available_at, sa.func.sum(LedgerEntry.points))
            .where(LedgerEntry.member_id == member.id, LedgerEntry.available_at > member.balances_at)
            .group_by(LedgerEntry.available_at)
            .order_by(LedgerEntry.available_at)
        )
    ).all()
    return [(int(points), available_at) for available_at, points in rows if int(points) != 0]


async def history_page(
    session: AsyncSession, member: Member, *, before_id: int | None, limit: int
) -> list[LedgerEntry]:
    query = (
        sa.select(LedgerEntry)
        .where(LedgerEntry.member_id == member.id, LedgerEntry.installation_id == member.installation_id)
        .order_by(LedgerEntry.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(LedgerEntry.id < before_id)
    return list((await session.execute(query)).scalars())
