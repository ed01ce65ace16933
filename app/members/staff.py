"""What staff do with members from the Loyalty tab: find them, adjust points, export and erase."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, NotFound
from app.ledger import service as ledger
from app.ledger.models import EntryKind, LedgerEntry, SourceType
from app.members import service as members
from app.members.models import Member
from app.redemption.models import Hold


class MemberSort(StrEnum):
    JOINED = "joined_at"
    EMAIL = "email"
    AVAILABLE = "points_available"
    EARNED = "points_earned_lifetime"
    REDEEMED = "points_redeemed_lifetime"


SORT_COLUMNS = {
    MemberSort.JOINED: Member.joined_at,
    MemberSort.EMAIL: Member.email,
    MemberSort.AVAILABLE: Member.points_available,
    MemberSort.EARNED: Member.points_earned_lifetime,
    MemberSort.REDEEMED: Member.points_redeemed_lifetime,
}


class AdjustmentWouldOverdraw(Conflict):
    error = "insufficient_points"


@dataclass(frozen=True)
class MemberPage:
    total: int
    members: list[Member]


async def get_member(session: AsyncSession, installation_id: int, member_id: int) -> Member:
    member = (
        await session.execute(
            sa.select(Member).where(Member.installation_id == installation_id, Member.id == member_id)
        )
    ).scalar_one_or_none()
    if member is None:
        raise NotFound("no such member")
    return member


async def search_members(
    session: AsyncSession,
    installation_id: int,
    *,
    query: str | None,
    sort: MemberSort,
    descending: bool,
    page: int,
    page_size: int,
    enrolled: bool | None = None,
) -> MemberPage:
    """Members by e-mail or name fragment, sorted, one page at a time (erased members are left out)."""
    conditions: list[sa.ColumnElement[bool]] = [
        Member.installation_id == installation_id,
        Member.anonymised_at.is_(None),
    ]
    if query:
        pattern = f"%{query.strip().lower()}%"
        full_name = sa.func.lower(
            sa.func.coalesce(Member.first_name, "") + " " + sa.func.coalesce(Member.last_name, "")
        )
        conditions.append(sa.or_(Member.email.like(pattern), full_name.like(pattern)))
    if enrolled is True:
        conditions.append(sa.and_(Member.enrolled_at.is_not(None), Member.opted_out_at.is_(None)))
    elif enrolled is False:
        conditions.append(sa.or_(Member.enrolled_at.is_(None), Member.opted_out_at.is_not(None)))
    total = (await session.execute(sa.select(sa.func.count(Member.id)).where(*conditions))).scalar_one()
    column = SORT_COLUMNS[sort]
    ordering: list[sa.UnaryExpression[Any]] = [
        column.desc() if descending else column.asc(),
        Member.id.desc() if descending else Member.id.asc(),
    ]
    rows = await session.execute(
        sa.select(Member)
        .where(*conditions)
        .order_by(*ordering)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return MemberPage(total=int(total), members=list(rows.scalars()))


async def adjust_points(
    session: AsyncSession,
    installation_id: int,
    member_id: int,
    *,
    points: int,
    reason: str,
    actor: str,
    idempotency_key: str | None,
) -> LedgerEntry:
    """A staff correction: a new `adjust` entry (never an edit), with who did it and why.

    Taking away more than is available is refused: a correction must not leave a debt behind."""
    member = await ledger.lock_member(session, installation_id, member_id)
    await ledger.mature_member(session, member)
    if points < 0 and member.points_available + points < 0:
        raise AdjustmentWouldOverdraw(
            f"only {max(member.points_available, 0)} points are available to take away",
            extra={"points_available": max(member.points_available, 0)},
        )
    posted = await ledger.post_entry(
        session,
        member,
        kind=EntryKind.ADJUST,
        points=points,
        idempotency_key=f"adjust:{idempotency_key or uuid.uuid4().hex}",
        source_type=SourceType.STAFF,
        source_id=actor,
        actor=actor,
        explanation={"reason": reason, "by": actor},
    )
    return posted.entry


async def member_holds(session: AsyncSession, member: Member, limit: int = 50) -> list[Hold]:
    rows = await session.execute(
        sa.select(Hold)
        .where(Hold.installation_id == member.installation_id, Hold.member_id == member.id)
        .order_by(Hold.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def export_member(session: AsyncSession, member: Member) -> dict[str, Any]:
    """Everything Lojal holds about one member (a privacy request), as plain JSON."""
    entries = (
        await session.execute(
            sa.select(LedgerEntry).where(LedgerEntry.member_id == member.id).order_by(LedgerEntry.id)
        )
    ).scalars()
    return {
        "member": {
            "id": member.id,
            "saleor_user_id": member.saleor_user_id,
            "email": member.email,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "joined_at": member.joined_at.isoformat(),
            "enrolled_at": member.enrolled_at.isoformat() if member.enrolled_at else None,
            "consent_at": member.consent_at.isoformat() if member.consent_at else None,
            "opted_out_at": member.opted_out_at.isoformat() if member.opted_out_at else None,
        },
        "balances": {
            "available": member.points_available,
            "pending": member.points_pending,
            "held": member.points_held,
            "lifetime_earned": member.points_earned_lifetime,
            "lifetime_redeemed": member.points_redeemed_lifetime,
        },
        "ledger": [
            {
                "id": entry.id,
                "kind": entry.kind,
                "points": entry.points,
                "created_at": entry.created_at.isoformat(),
                "available_at": entry.available_at.isoformat(),
                "source": entry.source_type,
                "source_id": entry.source_id,
                "explanation": entry.explanation,
            }
            for entry in entries
        ],
        "orders": [
            {
                "saleor_order_id": order.saleor_order_id,
                "number": order.number,
                "placed_at": order.placed_at.isoformat(),
                "currency": order.currency,
                "total": str(order.total_gross),
                "refunded": str(order.amount_refunded),
                "points_earned": order.points_earned + order.points_bonus,
                "points_reversed": order.points_reversed,
            }
            for order in await members.member_orders(session, member, limit=10_000)
        ],
        "redemptions": [
            {
                "id": hold.id,
                "status": hold.status,
                "points": hold.points,
                "created_at": hold.created_at.isoformat(),
                "checkout_id": hold.checkout_id,
                "saleor_order_id": hold.saleor_order_id,
            }
            for hold in await member_holds(session, member, limit=10_000)
        ],
    }
