"""What staff do with members from the Loyalty tab: find them and adjust their points."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_scoped
from app.errors import Conflict, NotFound
from app.ledger import service as ledger
from app.ledger.models import EntryKind, LedgerEntry, Member, SourceType


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
    member = await get_scoped(session, Member, installation_id, member_id)
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
    await session.flush()  # the answer shows the entry with its id
    return posted.entry
