"""Posting entries, maturing pending points, reading history, and proving caches equal the ledger."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.errors import Conflict, IdempotencyKeyReused, NotFound
from app.jobs import outbox
from app.ledger.balances import due_points
from app.ledger.models import EARNING_KINDS, REDEEMING_KINDS, EntryKind, LedgerEntry, SourceType
from app.members.models import Member
from app.metrics import LEDGER_ENTRIES
from app.redemption.models import OPEN_STATUSES, Hold


class InsufficientPoints(Conflict):
    error = "insufficient_points"


@dataclass(frozen=True)
class Posted:
    entry: LedgerEntry
    created: bool  # False when the idempotency key had been used already (a replay)


async def lock_member(session: AsyncSession, installation_id: int, member_id: int) -> Member:
    """Load a member under a row lock: its balance changes one transaction at a time."""
    member = (
        await session.execute(
            sa.select(Member)
            .where(Member.id == member_id, Member.installation_id == installation_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if member is None:
        raise NotFound("no such member")
    return member


def _due_window(member_id_column: Any, balances_at_column: Any, now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        LedgerEntry.member_id == member_id_column,
        LedgerEntry.available_at > balances_at_column,
        LedgerEntry.available_at <= now,
    )


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
    await session.flush()
    LEDGER_ENTRIES.labels(kind.value).inc()
    await outbox.enqueue_member_sync(session, member)
    return Posted(entry, created=True)


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


async def mature_due_members(
    session: AsyncSession, *, now: datetime | None = None, batch_size: int = 500
) -> list[int]:
    """One batch of the maturing job: lock members with due points (skipping ones another worker holds),
    move their due points to available in one set-based UPDATE, and queue their metadata sync."""
    now = now or utcnow()
    due = sa.exists().where(_due_window(Member.id, Member.balances_at, now))
    ids = list(
        (
            await session.execute(
                sa.select(Member.id)
                .where(due, Member.balances_at < now)
                .order_by(Member.id)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
    if not ids:
        return []
    matured = (
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.points), 0))
        .where(_due_window(Member.id, Member.balances_at, now))
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
    await outbox.enqueue_member_syncs(
        session, [(installation_id, member_id) for installation_id, member_id in rows]
    )
    return ids


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


async def hold_points(
    session: AsyncSession,
    member: Member,
    *,
    points: int,
    idempotency_key: str,
    source_id: str | None,
    explanation: dict[str, Any],
) -> Posted:
    """Move points from available to held (phase one of a redemption). The member must be locked.

    Redeeming *authorises*: it is refused when the available balance does not cover it, checked here
    under the member's row lock so two redemptions can never both spend the same points.
    """
    await mature_member(session, member)
    if member.points_available < points:
        raise InsufficientPoints(
            f"{points} points needed, {max(member.points_available, 0)} available",
            extra={"points_available": max(member.points_available, 0), "points_needed": points},
        )
    posted = await post_entry(
        session,
        member,
        kind=EntryKind.REDEEM,
        points=-points,
        idempotency_key=idempotency_key,
        source_type=SourceType.CHECKOUT,
        source_id=source_id,
        explanation=explanation,
    )
    if posted.created:
        member.points_held += points
    return posted


async def release_hold(
    session: AsyncSession,
    member: Member,
    *,
    points: int,
    idempotency_key: str,
    source_id: str | None,
    explanation: dict[str, Any],
) -> Posted:
    """Give held points back to available (a release entry). The member must be locked; callers
    guard that each hold ends exactly once."""
    posted = await post_entry(
        session,
        member,
        kind=EntryKind.RELEASE,
        points=points,
        idempotency_key=idempotency_key,
        source_type=SourceType.CHECKOUT,
        source_id=source_id,
        explanation=explanation,
    )
    if posted.created:
        member.points_held -= points
    return posted


async def settle_hold(session: AsyncSession, member: Member, *, points: int) -> None:
    """Held points were spent (an order used the discount): they stop being held. No entry is needed:
    the redeem entry already took them from available."""
    member.points_held -= points
    member.updated_at = utcnow()
    await outbox.enqueue_member_sync(session, member)


async def take_points(
    session: AsyncSession,
    member: Member,
    *,
    points: int,
    idempotency_key: str,
    source_id: str | None,
    explanation: dict[str, Any],
) -> Posted:
    """Spend points without a hold, even below zero (a discount already given must be paid for)."""
    return await post_entry(
        session,
        member,
        kind=EntryKind.REDEEM,
        points=-points,
        idempotency_key=idempotency_key,
        source_type=SourceType.ORDER,
        source_id=source_id,
        explanation=explanation,
    )


async def give_back(
    session: AsyncSession,
    member: Member,
    *,
    points: int,
    idempotency_key: str,
    source_id: str | None,
    explanation: dict[str, Any],
) -> Posted:
    """Return points that were spent on an order that was then cancelled or refunded."""
    return await post_entry(
        session,
        member,
        kind=EntryKind.RELEASE,
        points=points,
        idempotency_key=idempotency_key,
        source_type=SourceType.ORDER,
        source_id=source_id,
        explanation=explanation,
    )
