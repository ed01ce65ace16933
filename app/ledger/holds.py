"""Holds are two-phase transfers (TigerBeetle's pending transfers): placing one moves points from
available to held; it then ends exactly once — committed when an order used the discount (the points
are spent), released when none did (a `release` entry gives them back), or returned after the order
that spent them was cancelled or refunded. The member must be locked (`service.lock_member`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.ledger.models import OPEN_STATUSES, EntryKind, Hold, HoldStatus, Member, SourceType
from app.ledger.service import InsufficientPoints, Posted, mature_member, post_entry, queue_member_sync

# Where a hold may go from each status. A released hold can still be committed: its discount was used
# after all (a lost Saleor answer), so its points are spent again.
MOVES: dict[HoldStatus, frozenset[HoldStatus]] = {
    HoldStatus.PENDING: frozenset({HoldStatus.OPEN, HoldStatus.RELEASED, HoldStatus.COMMITTED}),
    HoldStatus.OPEN: frozenset({HoldStatus.RELEASED, HoldStatus.COMMITTED}),
    HoldStatus.RELEASED: frozenset({HoldStatus.COMMITTED}),
    HoldStatus.COMMITTED: frozenset({HoldStatus.RETURNED}),
    HoldStatus.RETURNED: frozenset(),
}


class InvalidHoldMove(Exception):
    """A hold was asked to move where its lifecycle does not go (a bug, never a shopper's mistake)."""


def move_hold(hold: Hold, to: HoldStatus, *, reason: str | None = None, now: datetime | None = None) -> None:
    """The one place a hold's status changes."""
    current = HoldStatus(hold.status)
    if to not in MOVES[current]:
        raise InvalidHoldMove(f"hold {hold.id} cannot go from {current} to {to}")
    if current in OPEN_STATUSES and to not in OPEN_STATUSES:
        hold.ended_at = now or utcnow()
    hold.status = to
    if reason is not None:
        hold.end_reason = reason


def is_open(hold: Hold) -> bool:
    return hold.status in OPEN_STATUSES


async def place_hold(
    session: AsyncSession, member: Member, hold: Hold, *, explanation: dict[str, Any]
) -> Posted:
    """Phase one: hold `hold.points` of the member's available points for this (flushed) hold.

    Redeeming *authorises*: it is refused when the available balance does not cover it, checked here
    under the member's row lock so two redemptions can never both spend the same points."""
    await mature_member(session, member)
    if member.points_available < hold.points:
        raise InsufficientPoints(
            f"{hold.points} points needed, {max(member.points_available, 0)} available",
            extra={"points_available": max(member.points_available, 0), "points_needed": hold.points},
        )
    posted = await post_entry(
        session,
        member,
        kind=EntryKind.REDEEM,
        points=-hold.points,
        idempotency_key=f"hold:{hold.id}:redeem",
        source_type=SourceType.CHECKOUT,
        source_id=hold.checkout_id,
        explanation=explanation,
    )
    if posted.created:
        member.points_held += hold.points
    return posted


async def _give_back(
    session: AsyncSession,
    member: Member,
    hold: Hold,
    *,
    points: int,
    key: str,
    source_type: SourceType,
    source_id: str | None,
    explanation: dict[str, Any],
) -> Posted:
    return await post_entry(
        session,
        member,
        kind=EntryKind.RELEASE,
        points=points,
        idempotency_key=f"hold:{hold.id}:{key}",
        source_type=source_type,
        source_id=source_id,
        explanation={"hold": hold.id, **explanation},
    )


async def release_hold(session: AsyncSession, member: Member, hold: Hold, *, reason: str) -> bool:
    """Void: the discount was never used, the points go back. False when the hold had already ended."""
    if not is_open(hold):
        return False
    posted = await _give_back(
        session,
        member,
        hold,
        points=hold.points,
        key="release",
        source_type=SourceType.CHECKOUT,
        source_id=hold.checkout_id,
        explanation={"reason": reason},
    )
    if posted.created:
        member.points_held -= hold.points
    move_hold(hold, HoldStatus.RELEASED, reason=reason)
    return True


async def shrink_hold(session: AsyncSession, member: Member, hold: Hold, points: int) -> None:
    """Keep an open hold at `points`, giving the rest back (Saleor gave a smaller discount than asked)."""
    if points >= hold.points:
        return
    posted = await _give_back(
        session,
        member,
        hold,
        points=hold.points - points,
        key=f"shrink:{points}",
        source_type=SourceType.CHECKOUT,
        source_id=hold.checkout_id,
        explanation={"reason": "Saleor applied a smaller discount", "kept": points},
    )
    if posted.created:
        member.points_held -= hold.points - points
    hold.points = points


async def commit_hold(
    session: AsyncSession,
    member: Member,
    hold: Hold,
    *,
    points_used: int,
    saleor_order_id: str | None,
    order_number: str | None,
) -> None:
    """Post: the discount was used, so the held points are spent; any part the order did not use goes
    back. The redeem entry already took them from available, so spending needs no entry of its own."""
    member.points_held -= hold.points
    member.updated_at = utcnow()
    await queue_member_sync(session, member)
    if points_used < hold.points:
        await _give_back(
            session,
            member,
            hold,
            points=hold.points - points_used,
            key="unused",
            source_type=SourceType.ORDER,
            source_id=saleor_order_id,
            explanation={"order": order_number, "reason": "the order got a smaller discount"},
        )
    move_hold(hold, HoldStatus.COMMITTED)
    hold.points_committed = points_used
    hold.saleor_order_id = saleor_order_id


async def commit_released_hold(
    session: AsyncSession, member: Member, hold: Hold, *, saleor_order_id: str, order_number: str | None
) -> None:
    """The discount was used although its hold had been released (e.g. a lost Saleor answer): the
    shopper got the money off, so the points are spent after all, even below zero."""
    await post_entry(
        session,
        member,
        kind=EntryKind.REDEEM,
        points=-hold.points,
        idempotency_key=f"hold:{hold.id}:late",
        source_type=SourceType.ORDER,
        source_id=saleor_order_id,
        explanation={"hold": hold.id, "order": order_number, "reason": "discount used after it was released"},
    )
    move_hold(hold, HoldStatus.COMMITTED)
    hold.points_committed = hold.points
    hold.saleor_order_id = saleor_order_id


async def return_hold(
    session: AsyncSession,
    member: Member,
    hold: Hold,
    *,
    cancelled: bool,
    saleor_order_id: str,
    order_number: str | None,
) -> None:
    """The order that spent the points was cancelled or fully refunded: they come back."""
    if hold.points_committed:
        await _give_back(
            session,
            member,
            hold,
            points=hold.points_committed,
            key="returned",
            source_type=SourceType.ORDER,
            source_id=saleor_order_id,
            explanation={"order": order_number, "reason": "cancelled" if cancelled else "refunded"},
        )
    move_hold(hold, HoldStatus.RETURNED, reason="order cancelled" if cancelled else "order refunded")
